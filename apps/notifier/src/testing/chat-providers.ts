import type { FakeAnswer, RecordedRequest } from './fake-provider';

/*
 * Stand-ins for Discord's execute-webhook endpoint and Telegram's Bot API `sendMessage`, for
 * FakeProvider routes. Each checks the request against the provider's documented format and
 * answers as the provider does (status, body shape, rate-limit answers).
 */

const json = (status: number, value: unknown, headers: Record<string, string> = {}): FakeAnswer => ({
  status,
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(value),
});

/** Discord's documented message and embed limits (Channel resource → Embed limits). */
export const DISCORD = {
  content: 2000,
  embeds: 10,
  title: 256,
  description: 4096,
  fields: 25,
  fieldName: 256,
  fieldValue: 1024,
  footer: 2048,
  author: 256,
  total: 6000,
  username: 80,
} as const;

interface DiscordEmbed {
  title?: string;
  description?: string;
  url?: string;
  color?: number;
  timestamp?: string;
  fields?: { name?: unknown; value?: unknown; inline?: unknown }[];
  footer?: { text?: string };
  author?: { name?: string };
}

export interface DiscordMessage {
  content?: string;
  username?: string;
  embeds?: DiscordEmbed[];
  allowed_mentions?: { parse?: string[] };
}

/** The characters Discord counts towards the 6000 total: title, description, field names and values, footer, author. */
export function discordEmbedChars(embeds: readonly DiscordEmbed[]): number {
  let n = 0;
  for (const e of embeds) {
    n += (e.title ?? '').length + (e.description ?? '').length;
    n += (e.footer?.text ?? '').length + (e.author?.name ?? '').length;
    for (const f of e.fields ?? []) {
      n += (typeof f.name === 'string' ? f.name.length : 0) + (typeof f.value === 'string' ? f.value.length : 0);
    }
  }
  return n;
}

/**
 * Field errors of an execute-webhook body, keyed like Discord's `errors` object
 * (`embeds.0.description` → `{_errors:[{code,message}]}`).
 */
export function discordFormErrors(m: DiscordMessage | undefined): Record<string, { code: string; message: string }> {
  const errors: Record<string, { code: string; message: string }> = {};
  const tooLong = (field: string, value: unknown, max: number) => {
    if (typeof value === 'string' && value.length > max) {
      errors[field] = { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${max} or fewer in length.` };
    }
  };
  if (!m || typeof m !== 'object')
    return { _: { code: 'DICT_TYPE_CONVERT', message: 'Only dictionaries may be used.' } };
  tooLong('content', m.content, DISCORD.content);
  if (m.username !== undefined) {
    tooLong('username', m.username, DISCORD.username);
    // Usernames may not contain "discord" (nor "clyde"); webhook names follow the same rules.
    if (/discord|clyde/i.test(m.username)) {
      errors['username'] = { code: 'USERNAME_INVALID_CONTAINS', message: 'Username cannot contain "discord"' };
    }
  }
  const embeds = m.embeds ?? [];
  if (!Array.isArray(embeds)) errors['embeds'] = { code: 'LIST_TYPE_CONVERT', message: 'Must be an array.' };
  else {
    if (embeds.length > DISCORD.embeds) {
      errors['embeds'] = { code: 'BASE_TYPE_MAX_LENGTH', message: `Must be ${DISCORD.embeds} or fewer in length.` };
    }
    embeds.forEach((e, i) => {
      tooLong(`embeds.${i}.title`, e.title, DISCORD.title);
      tooLong(`embeds.${i}.description`, e.description, DISCORD.description);
      tooLong(`embeds.${i}.footer.text`, e.footer?.text, DISCORD.footer);
      tooLong(`embeds.${i}.author.name`, e.author?.name, DISCORD.author);
      if (e.url !== undefined && !/^https?:\/\/\S+$/.test(e.url)) {
        errors[`embeds.${i}.url`] = { code: 'URL_TYPE_INVALID_URL', message: 'Not a well formed URL.' };
      }
      if (e.color !== undefined && (!Number.isInteger(e.color) || e.color < 0 || e.color > 0xffffff)) {
        errors[`embeds.${i}.color`] = { code: 'NUMBER_TYPE_MAX', message: 'int value should be <= 16777215.' };
      }
      if (e.timestamp !== undefined && Number.isNaN(Date.parse(e.timestamp))) {
        errors[`embeds.${i}.timestamp`] = { code: 'DATE_TYPE_PARSE', message: 'Could not parse timestamp.' };
      }
      const fields = e.fields ?? [];
      if (fields.length > DISCORD.fields) {
        errors[`embeds.${i}.fields`] = {
          code: 'BASE_TYPE_MAX_LENGTH',
          message: `Must be ${DISCORD.fields} or fewer in length.`,
        };
      }
      fields.forEach((f, j) => {
        for (const [k, max] of [
          ['name', DISCORD.fieldName],
          ['value', DISCORD.fieldValue],
        ] as const) {
          const v = f[k];
          if (typeof v !== 'string' || v.length === 0) {
            errors[`embeds.${i}.fields.${j}.${k}`] = { code: 'BASE_TYPE_REQUIRED', message: 'This field is required' };
          } else tooLong(`embeds.${i}.fields.${j}.${k}`, v, max);
        }
      });
    });
    if (discordEmbedChars(embeds) > DISCORD.total) {
      errors['embeds'] = {
        code: 'MAX_EMBED_SIZE_EXCEEDED',
        message: `Embed size exceeds maximum size of ${DISCORD.total}`,
      };
    }
  }
  const parse = m.allowed_mentions?.parse ?? [];
  if (parse.some((p) => !['roles', 'users', 'everyone'].includes(p))) {
    errors['allowed_mentions.parse'] = { code: 'ENUM_TYPE_COERCE', message: 'Value is not a valid enum value.' };
  }
  return errors;
}

/** Nests `a.0.b` keys into Discord's error object shape. */
function nestErrors(flat: Record<string, { code: string; message: string }>): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [path, err] of Object.entries(flat)) {
    let node = root;
    for (const part of path.split('.')) {
      node[part] ??= {};
      node = node[part] as Record<string, unknown>;
    }
    node['_errors'] = [err];
  }
  return root;
}

let discordSnowflake = 1_200_000_000_000_000_000n;

/**
 * Discord `POST /webhooks/{id}/{token}[?wait=true]`: 204 No Content, or 200 with the created
 * message when `wait=true`; 400 `{code:50006}` for an empty message and `{code:50035,"Invalid
 * Form Body", errors}` for a body breaking the limits; 415 for a non-JSON content type.
 */
export function discordHandler(req: RecordedRequest): FakeAnswer {
  if (req.method !== 'POST') return json(405, { message: '405: Method Not Allowed', code: 0 });
  if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
    return json(415, { message: 'Unsupported content type', code: 0 });
  }
  const m = req.json as DiscordMessage | undefined;
  const flat = discordFormErrors(m);
  if (Object.keys(flat).length > 0) {
    return json(400, { code: 50035, message: 'Invalid Form Body', errors: nestErrors(flat) });
  }
  if (!m?.content && (m?.embeds ?? []).length === 0) {
    return json(400, { message: 'Cannot send an empty message', code: 50006 });
  }
  const wait = new URL(req.path, 'http://x').searchParams.get('wait') === 'true';
  if (!wait) return { status: 204 };
  const id = String(discordSnowflake++);
  const webhookId = /\/webhooks\/(\d+)\//.exec(req.path)?.[1] ?? '1';
  return json(200, {
    id,
    type: 0,
    content: m?.content ?? '',
    channel_id: '1100000000000000001',
    author: { bot: true, id: webhookId, username: m?.username ?? 'Captain Hook', avatar: null, discriminator: '0000' },
    embeds: (m?.embeds ?? []).map((e) => ({ type: 'rich', ...e })),
    mentions: [],
    attachments: [],
    pinned: false,
    tts: false,
    timestamp: new Date().toISOString(),
    webhook_id: webhookId,
  });
}

/** Discord's answer when a webhook's bucket is exhausted: 429, `retry_after` in seconds, rate-limit headers. */
export function discordRateLimited(retryAfterSeconds: number): FakeAnswer {
  return json(
    429,
    { message: 'You are being rate limited.', retry_after: retryAfterSeconds, global: false },
    {
      'retry-after': String(Math.ceil(retryAfterSeconds)),
      'x-ratelimit-limit': '5',
      'x-ratelimit-remaining': '0',
      'x-ratelimit-reset': String(Date.now() / 1000 + retryAfterSeconds),
      'x-ratelimit-reset-after': String(retryAfterSeconds),
      'x-ratelimit-bucket': 'abcd1234',
      'x-ratelimit-scope': 'shared',
    },
  );
}

/** The HTML tags Telegram's `parse_mode: HTML` accepts (and the attributes they may carry). */
const TELEGRAM_TAGS: Record<string, string[]> = {
  b: [],
  strong: [],
  i: [],
  em: [],
  u: [],
  ins: [],
  s: [],
  strike: [],
  del: [],
  span: ['class'],
  'tg-spoiler': [],
  a: ['href'],
  'tg-emoji': ['emoji-id'],
  code: ['class'],
  pre: [],
  blockquote: ['expandable'],
};
const NAMED_ENTITIES: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"' };

/**
 * Parses Telegram-flavoured HTML as the Bot API does: only the supported tags, properly nested,
 * only the four named entities (and numeric ones). Returns the visible text, or the error
 * description the Bot API answers with ("can't parse entities: …").
 */
export function parseTelegramHtml(html: string): { text: string } | { error: string } {
  const stack: string[] = [];
  let text = '';
  let i = 0;
  const fail = (why: string) => ({ error: `Bad Request: can't parse entities: ${why} at byte offset ${i}` });
  while (i < html.length) {
    const ch = html[i];
    if (ch === '<') {
      const end = html.indexOf('>', i);
      if (end < 0) return fail('Unclosed start tag');
      const raw = html.slice(i + 1, end);
      const closing = raw.startsWith('/');
      const m = /^\/?([a-z][a-z-]*)((?:\s+[a-z-]+(?:="[^"]*")?)*)\s*$/i.exec(raw);
      if (!m?.[1]) return fail(`Unsupported start tag "${raw}"`);
      const name = m[1].toLowerCase();
      const allowed = TELEGRAM_TAGS[name];
      if (!allowed) return fail(`Unsupported start tag "${name}"`);
      if (closing) {
        if (stack.pop() !== name) return fail(`Unmatched end tag "${name}"`);
      } else {
        for (const attr of (m[2] ?? '').trim().split(/\s+/).filter(Boolean)) {
          const key = attr.split('=')[0] ?? '';
          if (!allowed.includes(key)) return fail(`Unsupported attribute "${key}" of tag "${name}"`);
        }
        if (name === 'a' && !/\shref="[^"]+"/.test(` ${m[2] ?? ''}`)) return fail('Empty or missing href');
        stack.push(name);
      }
      i = end + 1;
      continue;
    }
    if (ch === '&') {
      const m = /^&(#\d{1,7}|#x[0-9a-f]{1,6}|[a-z]+);/i.exec(html.slice(i, i + 12));
      if (m?.[1]) {
        const e = m[1];
        if (e.startsWith('#x') || e.startsWith('#X')) text += String.fromCodePoint(parseInt(e.slice(2), 16));
        else if (e.startsWith('#')) text += String.fromCodePoint(Number(e.slice(1)));
        else if (NAMED_ENTITIES[e] !== undefined) text += NAMED_ENTITIES[e];
        else return fail(`Unsupported HTML entity "&${e};"`);
        i += m[0].length;
        continue;
      }
    }
    text += ch;
    i++;
  }
  if (stack.length > 0) return fail(`Can't find end tag corresponding to start tag "${stack.at(-1) ?? ''}"`);
  return { text };
}

export interface TelegramSendMessage {
  chat_id?: string | number;
  text?: string;
  parse_mode?: string;
  link_preview_options?: { is_disabled?: boolean };
}

let telegramMessageId = 100;

/**
 * Telegram Bot API `POST /bot<token>/sendMessage`: `{ok:true,result:Message}`; 401 for a token
 * that is not `<bot id>:<secret>`; 400 `{ok:false,error_code:400,description}` for a missing
 * chat_id, an unknown chat, empty or over-long text (1–4096 characters after entity parsing)
 * or HTML the parser refuses.
 */
export function telegramHandler(knownChats: readonly string[]): (req: RecordedRequest) => FakeAnswer {
  const bad = (description: string) => json(400, { ok: false, error_code: 400, description });
  return (req) => {
    const m = /\/bot(\d+):([\w-]{30,})\/(\w+)$/.exec(req.path);
    if (!m) return json(401, { ok: false, error_code: 401, description: 'Unauthorized' });
    if (m[3]?.toLowerCase() !== 'sendmessage')
      return json(404, { ok: false, error_code: 404, description: 'Not Found' });
    // Parameters come as JSON here (the API also takes query strings and form bodies).
    const isJson = (req.headers['content-type'] ?? '').startsWith('application/json');
    const body = (isJson ? (req.json ?? {}) : {}) as TelegramSendMessage;
    if (body.chat_id === undefined || body.chat_id === '') return bad('Bad Request: chat_id is empty');
    if (!knownChats.includes(String(body.chat_id))) return bad('Bad Request: chat not found');
    if (body.parse_mode !== undefined && !['HTML', 'MarkdownV2', 'Markdown'].includes(body.parse_mode)) {
      return bad(`Bad Request: unsupported parse_mode "${body.parse_mode}"`);
    }
    let text = body.text ?? '';
    if (body.parse_mode === 'HTML') {
      const parsed = parseTelegramHtml(text);
      if ('error' in parsed) return bad(parsed.error);
      text = parsed.text;
    }
    if (text.trim().length === 0) return bad('Bad Request: message text is empty');
    if (text.length > 4096) return bad('Bad Request: message is too long');
    const chatId = Number(body.chat_id);
    return json(200, {
      ok: true,
      result: {
        message_id: telegramMessageId++,
        from: { id: Number(m[1]), is_bot: true, first_name: 'AIRIS-MON', username: 'airis_mon_bot' },
        chat: chatId < 0 ? { id: chatId, title: 'ML on-call', type: 'supergroup' } : { id: chatId, type: 'private' },
        date: Math.floor(Date.now() / 1000),
        text,
      },
    });
  };
}

/** Telegram's flood-control answer: 429 with `parameters.retry_after` in seconds. */
export function telegramRateLimited(retryAfterSeconds: number): FakeAnswer {
  return json(429, {
    ok: false,
    error_code: 429,
    description: `Too Many Requests: retry after ${retryAfterSeconds}`,
    parameters: { retry_after: retryAfterSeconds },
  });
}
