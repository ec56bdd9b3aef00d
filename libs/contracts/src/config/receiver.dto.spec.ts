import { validateContract } from '../validation';
import { ReceiverSpecDto } from './receiver.dto';

const sealed = { $sealed: 'aes-256-gcm', kid: 'k', iv: 'i', tag: 't', data: 'd' };

describe('ReceiverSpecDto', () => {
  it('accepts every channel, with plain or sealed secrets', () => {
    const result = validateContract(ReceiverSpecDto, {
      name: 'oncall',
      slack: { webhook_url: sealed, channel: '#ml' },
      pagerduty: { routing_key: 'r'.repeat(32), severities: ['critical'] },
      teams: { workflow_url: sealed },
      discord: { webhook_url: 'https://discord.com/api/webhooks/1/x' },
      telegram: { bot_token: sealed, chat_id: '-100123' },
      email: {
        smtp: { host: 'smtp.example.com', port: 587, username: 'u', password: sealed },
        from: 'a@example.com',
        to: ['b@example.com'],
      },
      webhook: { url: 'https://hooks.example.com/x', headers: { 'X-Team': 'ml' }, secret: sealed },
      retry_schedule_ms: [1000, 60_000],
      ssrf_allow: ['10.0.0.0/8'],
    });
    expect(result.ok).toBe(true);
  });

  it('accepts SES with an endpoint, a region and a key pair', () => {
    const result = validateContract(ReceiverSpecDto, {
      name: 'mail',
      email: {
        transport: 'ses',
        ses_region: 'eu-west-1',
        ses_endpoint: 'https://email.eu-west-1.amazonaws.com',
        ses_access_key_id: 'AKIAEXAMPLE0000001',
        ses_secret_access_key: sealed,
        from: 'a@example.com',
        to: ['b@example.com'],
      },
    });
    expect(result).toMatchObject({ ok: true });
  });

  it.each([
    [{}, 'name'],
    [{ name: 'bad name!' }, 'name'],
    [{ name: 'r', slack: {} }, 'slack.webhook_url'],
    [{ name: 'r', slack: { webhook_url: { $sealed: 'rot13' } } }, 'slack.webhook_url'],
    [{ name: 'r', pagerduty: { routing_key: 'k', severities: ['high'] } }, 'pagerduty.severities'],
    [{ name: 'r', email: { from: 'not-mail', to: [] } }, 'email.from'],
    [{ name: 'r', email: { from: 'a@b.co', to: [] } }, 'email.to'],
    [{ name: 'r', email: { from: 'a@b.co', to: ['c@d.co'], smtp: { host: 'h', port: 0 } } }, 'email.smtp.port'],
    [
      { name: 'r', email: { from: 'a@b.co', to: ['c@d.co'], transport: 'ses', ses_endpoint: 'ftp://x' } },
      'email.ses_endpoint',
    ],
    [
      { name: 'r', email: { from: 'a@b.co', to: ['c@d.co'], transport: 'ses', ses_region: 'mars' } },
      'email.ses_region',
    ],
    [
      { name: 'r', email: { from: 'a@b.co', to: ['c@d.co'], ses_access_key_id: 'no spaces' } },
      'email.ses_access_key_id',
    ],
    [
      { name: 'r', email: { from: 'a@b.co', to: ['c@d.co'], ses_access_key_id: 'AKIAEXAMPLE0000001' } },
      'email.ses_secret_access_key',
    ],
    [
      { name: 'r', email: { from: 'a@b.co', to: ['c@d.co'], ses_secret_access_key: sealed } },
      'email.ses_access_key_id',
    ],
    [{ name: 'r', webhook: { url: 'file:///etc/passwd' } }, 'webhook.url'],
    [{ name: 'r', telegram: { bot_token: 't' } }, 'telegram.chat_id'],
    [{ name: 'r', retry_schedule_ms: [-1] }, 'retry_schedule_ms'],
    [{ name: 'r', ssrf_allow: ['everything'] }, 'ssrf_allow'],
  ])('refuses %j at %s', (spec, field) => {
    const result = validateContract(ReceiverSpecDto, spec);
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.errors.map((e) => e.field)).toContain(field);
  });
});
