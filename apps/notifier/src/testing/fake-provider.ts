import { type IncomingMessage, type Server, createServer } from 'node:http';

export interface RecordedRequest {
  path: string;
  method: string;
  headers: Record<string, string>;
  body: string;
  json: unknown;
  at: number;
}

export interface FakeAnswer {
  status: number;
  headers?: Record<string, string>;
  body?: string;
}

export type FakeHandler = (req: RecordedRequest) => FakeAnswer;

/**
 * A local HTTP server standing in for a SaaS endpoint (Slack, PagerDuty, Teams, a webhook
 * consumer): records every request and answers through a handler per path prefix, which checks
 * the provider's documented format and answers as the provider does. Binds 127.0.0.1.
 */
export class FakeProvider {
  readonly requests: RecordedRequest[] = [];
  private readonly handlers = new Map<string, FakeHandler>();
  private server: Server | undefined;
  url = '';

  route(prefix: string, handler: FakeHandler): void {
    this.handlers.set(prefix, handler);
  }

  on(prefix: string): RecordedRequest[] {
    return this.requests.filter((r) => r.path.startsWith(prefix));
  }

  async start(port = 0): Promise<this> {
    this.server = createServer((req, res) => {
      void readBody(req).then((body) => {
        let json: unknown;
        try {
          json = JSON.parse(body);
        } catch {
          json = undefined;
        }
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') headers[k] = v;
        const recorded: RecordedRequest = {
          path: req.url ?? '/',
          method: req.method ?? '',
          headers,
          body,
          json,
          at: Date.now(),
        };
        this.requests.push(recorded);
        const prefix = [...this.handlers.keys()]
          .filter((p) => recorded.path.startsWith(p))
          .sort((a, b) => b.length - a.length)[0];
        let answer: FakeAnswer;
        try {
          answer = prefix ? (this.handlers.get(prefix) as FakeHandler)(recorded) : { status: 404, body: 'no route' };
        } catch (error) {
          answer = { status: 500, body: (error as Error).message };
        }
        res.writeHead(answer.status, answer.headers ?? {});
        res.end(answer.body ?? '');
      });
    });
    await new Promise<void>((resolve) => this.server?.listen(port, '127.0.0.1', resolve));
    const address = this.server.address();
    this.url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
    return this;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

const json = (status: number, value: unknown, headers: Record<string, string> = {}): FakeAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
});

/** Slack incoming webhook: 200 "ok"; 400 invalid_blocks when Block Kit limits are broken. */
export function slackHandler(req: RecordedRequest): FakeAnswer {
  const m = req.json as { blocks?: { type: string; text?: { text: string }; fields?: unknown[] }[]; text?: string };
  if (req.headers['content-type'] !== 'application/json') return { status: 400, body: 'invalid_payload' };
  if (!m || (!m.text && !m.blocks)) return { status: 400, body: 'no_text' };
  const blocks = m.blocks ?? [];
  if (blocks.length > 50) return { status: 400, body: 'invalid_blocks' };
  for (const b of blocks) {
    if (b.type === 'header' && (b.text?.text.length ?? 0) > 150) return { status: 400, body: 'invalid_blocks' };
    if (b.type === 'section' && (b.text?.text.length ?? 0) > 3000) return { status: 400, body: 'invalid_blocks' };
    if (b.type === 'section' && (b.fields?.length ?? 0) > 10) return { status: 400, body: 'invalid_blocks' };
  }
  return { status: 200, headers: { 'content-type': 'text/plain' }, body: 'ok' };
}

/** PagerDuty Events API v2 /v2/enqueue: 202 with the dedup key, 400 "invalid event" otherwise. */
export function pagerDutyHandler(req: RecordedRequest): FakeAnswer {
  const e = req.json as {
    routing_key?: string;
    event_action?: string;
    dedup_key?: string;
    payload?: { summary?: string; source?: string; severity?: string; timestamp?: string };
  };
  const errors: string[] = [];
  if (typeof e?.routing_key !== 'string' || e.routing_key.length !== 32)
    errors.push('Routing key must be 32 characters');
  if (!['trigger', 'acknowledge', 'resolve'].includes(e?.event_action ?? '')) errors.push('Event action is invalid');
  if (e?.event_action !== 'trigger' && !e?.dedup_key) errors.push('Dedup key is required');
  if (e?.event_action === 'trigger') {
    const p = e.payload;
    if (!p?.summary || p.summary.length > 1024) errors.push('Summary is missing or too long');
    if (!p?.source) errors.push('Source is missing');
    if (!['critical', 'error', 'warning', 'info'].includes(p?.severity ?? '')) errors.push('Severity is invalid');
    if (p?.timestamp && Number.isNaN(Date.parse(p.timestamp))) errors.push('Timestamp is invalid');
  }
  if (errors.length > 0) return json(400, { status: 'invalid event', message: 'Event object is invalid', errors });
  return json(202, { status: 'success', message: 'Event processed', dedup_key: e.dedup_key });
}

/** Teams Workflows "When a Teams webhook request is received": 202 for an Adaptive Card message. */
export function teamsHandler(req: RecordedRequest): FakeAnswer {
  const m = req.json as {
    type?: string;
    attachments?: { contentType?: string; content?: { type?: string; version?: string; body?: unknown[] } }[];
  };
  const card = m?.attachments?.[0];
  if (m?.type !== 'message' || card?.contentType !== 'application/vnd.microsoft.card.adaptive') {
    return json(400, { error: { code: 'InvalidRequestContent', message: 'not an adaptive card message' } });
  }
  if (card.content?.type !== 'AdaptiveCard' || !card.content.version || !Array.isArray(card.content.body)) {
    return json(400, { error: { code: 'InvalidRequestContent', message: 'invalid card' } });
  }
  if (req.body.length > 28 * 1024) return json(413, { error: { code: 'MessageTooLarge' } });
  return { status: 202 };
}
