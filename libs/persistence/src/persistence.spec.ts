import { redactUri } from './persistence.module';

describe('redactUri', () => {
  it.each([
    ['mongodb://user:secret@db:27017/airis', 'mongodb://user:***@db:27017/airis'],
    ['mongodb+srv://u:p%40ss@cluster.example/airis?tls=true', 'mongodb+srv://u:***@cluster.example/airis?tls=true'],
    ['mongodb://127.0.0.1:27017/airis', 'mongodb://127.0.0.1:27017/airis'],
  ])('%s → %s', (uri, expected) => {
    expect(redactUri(uri)).toBe(expected);
  });
});
