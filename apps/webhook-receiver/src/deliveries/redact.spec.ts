import { REDACTED, redactBody, redactHeaders } from './redact';

describe('redaction of stored payloads', () => {
  it.each([
    ['JSON without secrets stays byte-exact', '{"a": 1,  "b": "x"}', 'application/json', '{"a": 1,  "b": "x"}'],
    [
      'JSON secrets are replaced at any depth',
      '{"a":{"api_token":"t","n":[{"password":"p"}]},"token_count":3}',
      'application/json',
      `{"a":{"api_token":"${REDACTED}","n":[{"password":"${REDACTED}"}]},"token_count":3}`,
    ],
    [
      'form fields and JSON inside form fields',
      'token=abc&payload=%7B%22secret%22%3A%22s%22%7D&x=1',
      'application/x-www-form-urlencoded',
      `token=${encodeURIComponent(REDACTED)}&payload=${encodeURIComponent(`{"secret":"${REDACTED}"}`)}&x=1`,
    ],
    ['form without secrets stays byte-exact', 'a=1&b=%20', 'application/x-www-form-urlencoded', 'a=1&b=%20'],
    ['not JSON stays as it came', 'token=abc not json', 'text/plain', 'token=abc not json'],
  ])('%s', (_name, body, type, expected) => {
    expect(redactBody(Buffer.from(body), type)).toBe(expected);
  });

  it('drops credentials from headers and keeps signatures', () => {
    expect(
      redactHeaders({
        authorization: 'Bearer x',
        'x-gitlab-token': 't',
        'x-hub-signature-256': 'sha256=ab',
        'x-api-key': 'k',
        a: undefined,
      }),
    ).toEqual({
      authorization: REDACTED,
      'x-gitlab-token': REDACTED,
      'x-hub-signature-256': 'sha256=ab',
      'x-api-key': REDACTED,
    });
  });
});
