import { AlertDto, NotificationRequestDto } from './dto/alert.dto';
import { validateAlert, validateNotificationRequest } from './fast-alert-validation';
import { validateContract } from './validation';

/*
 * The fast alert/notification validators must agree with the class-validator DTOs on every
 * body: same verdict, same errors. Bodies they cannot prove valid go to validateContract.
 */
const alert = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'a-1',
  fingerprint: 'fp-1',
  name: 'Latency p99 above SLO',
  status: 'firing',
  severity: 'critical',
  description: 'p99 812 ms > 500 ms',
  source: 'kserve',
  alert_type: 'latency',
  model_id: 'fraud-v3',
  environment: 'production',
  threshold: 500,
  current_value: 812.5,
  duration: '5m',
  labels: { team: 'ml' },
  timestamp: 1_700_000_000_000,
  updated_at: 1_700_000_000_000,
  ...over,
});
const notification = (over: Record<string, unknown> = {}): Record<string, unknown> => ({
  id: 'n-1',
  receiver: 'ml-oncall',
  group_key: '{}:{team="ml"}',
  status: 'firing',
  group_labels: { team: 'ml' },
  alerts: [alert()],
  timestamp: 1_700_000_000_000,
  ...over,
});

const alertCases: [string, unknown][] = [
  ['typical', alert()],
  ['minimal', { ...alert(), model_id: undefined, environment: undefined, threshold: undefined }],
  [
    'annotations, ends_at, acknowledged_by, rule_id',
    alert({ annotations: { runbook: 'x' }, ends_at: 5, acknowledged_by: 'al', rule_id: 'r' }),
  ],
  ['empty description and alert_type', alert({ description: '', alert_type: '' })],
  ['null optional', alert({ model_id: null })],
  ['dashboard_url', alert({ dashboard_url: 'http://grafana:3000/d/x' })],
  ['bad dashboard_url', alert({ dashboard_url: 'not a url' })],
  ['unknown field', alert({ colour: 'red' })],
  ['empty id', alert({ id: '' })],
  ['id too long', alert({ id: 'x'.repeat(129) })],
  ['id at the limit', alert({ id: 'x'.repeat(128) })],
  ['emoji name at the limit in code points', alert({ name: '🚨'.repeat(200) })],
  ['bad status', alert({ status: 'open' })],
  ['bad severity', alert({ severity: 'high' })],
  ['missing labels', alert({ labels: undefined })],
  ['label not a string', alert({ labels: { n: 1 } })],
  ['empty label key', alert({ labels: { '': 'x' } })],
  ['too many labels', alert({ labels: Object.fromEntries(Array.from({ length: 65 }, (_, i) => [`k${i}`, 'v'])) })],
  ['negative timestamp', alert({ timestamp: -1 })],
  ['fractional updated_at', alert({ updated_at: 1.5 })],
  ['string threshold', alert({ threshold: '500' })],
  ['description too long', alert({ description: 'd'.repeat(4097) })],
  ['array', [alert()]],
  ['null', null],
];

const notificationCases: [string, unknown][] = [
  ['typical', notification()],
  ['grouped', notification({ alerts: [alert(), alert({ id: 'a-2', status: 'resolved' })] })],
  ['no alerts', notification({ alerts: [] })],
  ['alerts not an array', notification({ alerts: alert() })],
  ['alert not an object', notification({ alerts: ['a-1'] })],
  ['invalid nested alert', notification({ alerts: [alert({ severity: 'high' })] })],
  ['unknown nested field', notification({ alerts: [alert({ x: 1 })] })],
  ['unknown field', notification({ extra: true })],
  ['bad status', notification({ status: 'acknowledged' })],
  ['empty receiver', notification({ receiver: '' })],
  ['group_key too long', notification({ group_key: 'g'.repeat(1025) })],
  ['group_labels not a map', notification({ group_labels: 'team=ml' })],
  ['missing timestamp', notification({ timestamp: undefined })],
];

describe('fast alert and notification validation', () => {
  it.each(alertCases)('alert: %s — same verdict and errors as the DTO', (_name, body) => {
    const fast = validateAlert(body);
    const slow = validateContract(AlertDto, body);
    expect(fast.ok).toBe(slow.ok);
    if (!fast.ok && !slow.ok) expect(fast.errors).toEqual(slow.errors);
  });

  it.each(notificationCases)('notification: %s — same verdict and errors as the DTO', (_name, body) => {
    const fast = validateNotificationRequest(body);
    const slow = validateContract(NotificationRequestDto, body);
    expect(fast.ok).toBe(slow.ok);
    if (!fast.ok && !slow.ok) expect(fast.errors).toEqual(slow.errors);
  });

  it('accepts the common shapes without class-validator (the body itself comes back)', () => {
    const a = alert();
    const n = notification();
    expect(validateAlert(a)).toEqual({ ok: true, value: a });
    expect((validateAlert(a) as { value: unknown }).value).toBe(a);
    expect((validateNotificationRequest(n) as { value: unknown }).value).toBe(n);
  });
});
