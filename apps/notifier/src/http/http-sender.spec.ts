import { type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { HttpSender } from './http-sender';

/*
 * HttpSender's time limits on a local server: a normal answer is read whole, and an endpoint that
 * sends no answer or trickles its body (never idle long enough for undici's body timeout) is cut
 * off at the timeout instead of holding a worker.
 */
const TIMEOUT_MS = 300;
let server: Server;
let url: string;
const open = new Set<ServerResponse>();
let sender: HttpSender;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    open.add(res);
    res.once('close', () => open.delete(res));
    if (req.url === '/ok') {
      res.writeHead(202, { 'content-type': 'application/json' }).end('{"status":"success"}');
    } else if (req.url === '/no-answer') {
      // never answers
    } else if (req.url === '/trickle') {
      // headers at once, then a byte every 50 ms: never idle for bodyTimeout, never ending
      res.writeHead(200);
      const timer = setInterval(() => res.write('.'), 50);
      res.once('close', () => clearInterval(timer));
    }
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  sender = new HttpSender({ timeoutMs: TIMEOUT_MS, baseAllow: ['127.0.0.1/32'] });
});

afterEach(async () => {
  await sender.close();
  for (const res of open) res.destroy();
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

const post = (path: string) =>
  sender.post({ url: `${url}${path}`, headers: { 'content-type': 'application/json' }, body: '{}' });

describe('HttpSender time limits', () => {
  it('reads a normal answer whole', async () => {
    const res = await post('/ok');
    expect(res).toMatchObject({ status: 202, body: '{"status":"success"}' });
    expect(res.headers['content-type']).toBe('application/json');
  });

  it('gives up on an endpoint that sends no answer', async () => {
    await expect(post('/no-answer')).rejects.toThrow(/timeout/i);
  });

  it('cuts off a body that trickles past the deadline', async () => {
    await expect(post('/trickle')).rejects.toThrow(/abort/i);
  });

  it('still answers after a cut-off, on the same sender', async () => {
    await expect(post('/trickle')).rejects.toThrow(/abort/i);
    await expect(post('/ok')).resolves.toMatchObject({ status: 202 });
  });
});
