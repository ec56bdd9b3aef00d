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

function redactValue(value: unknown, hit: { found: boolean }): unknown {
  if (Array.isArray(value)) return value.map((v) => redactValue(v, hit));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>).map(([k, v]) => {
        if (SECRET_KEY.test(k) && (typeof v === 'string' || typeof v === 'number')) {
          hit.found = true;
          return [k, REDACTED];
        }
        return [k, redactValue(v, hit)];
      }),
    );
  }
  return value;
}

/** The text unchanged when it holds no secret (byte-exact, so signatures still verify), else redacted. */
function redactJsonText(text: string): string | undefined {
  try {
    const hit = { found: false };
    const redacted = redactValue(JSON.parse(text), hit);
    return hit.found ? JSON.stringify(redacted) : text;
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
    let changed = false;
    for (const [k, v] of form) {
      const redacted = SECRET_KEY.test(k) ? REDACTED : /^\s*[[{]/.test(v) ? (redactJsonText(v) ?? v) : v;
      if (redacted !== v) changed = true;
      out.append(k, redacted);
    }
    return changed ? out.toString() : text;
  }
  return redactJsonText(text) ?? text;
}
