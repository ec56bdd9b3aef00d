/** Keys whose values are secrets wherever they appear in a stored payload. */
const SECRET_KEY = /(^|[_-])(token|secret|password|passwd|api[_-]?key|authorization|private[_-]?key|credentials?)$/i;
/** Headers never stored (credentials); signatures are kept, they reveal nothing. */
const SECRET_HEADERS = new Set(['authorization', 'proxy-authorization', 'cookie', 'x-gitlab-token']);

export const REDACTED = '[REDACTED]';

export function redactHeaders(headers: Record<string, string | undefined>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(headers)) {
    if (value === undefined) continue;
    out[name] = SECRET_HEADERS.has(name) || SECRET_KEY.test(name) ? REDACTED : value;
  }
  return out;
}

function redactValue(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactValue);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => [
        k,
        SECRET_KEY.test(k) && (typeof v === 'string' || typeof v === 'number') ? REDACTED : redactValue(v),
      ]),
    );
  }
  return value;
}

function redactJsonText(text: string): string | undefined {
  try {
    return JSON.stringify(redactValue(JSON.parse(text)));
  } catch {
    return undefined;
  }
}

/**
 * The body as it is stored for replay: JSON and form bodies with secret-looking fields
 * replaced (a form field holding JSON, like Slack's `payload`, is redacted inside too). Other
 * bodies are stored as they came.
 */
export function redactBody(body: Buffer, contentType: string | undefined): string {
  const text = body.toString('utf8');
  const type = (contentType ?? '').toLowerCase();
  if (type.includes('application/x-www-form-urlencoded')) {
    const form = new URLSearchParams(text);
    const out = new URLSearchParams();
    for (const [k, v] of form) {
      if (SECRET_KEY.test(k)) out.append(k, REDACTED);
      else out.append(k, /^\s*[[{]/.test(v) ? (redactJsonText(v) ?? v) : v);
    }
    return out.toString();
  }
  return redactJsonText(text) ?? text;
}
