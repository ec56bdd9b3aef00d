import { type AlertState, type AlertTemplate, decide } from './alert-state';

const template: AlertTemplate = {
  _id: 'fp1',
  rule_id: 'r1',
  name: 'gpu hot',
  severity: 'warning',
  description: 'd',
  source: 's',
  alert_type: 'threshold',
  labels: { alertname: 'gpu hot' },
  annotations: {},
  threshold: 90,
  partition_key: 'metrics:0',
};
const timing = { forMs: 10_000, resolveAfterMs: 5_000 };
const on = { active: true, value: 95 };
const off = { active: false, value: 10 };

function run(steps: [number, { active: boolean; value?: number }][]): (AlertState | undefined)[] {
  let state: AlertState | undefined;
  const seen: (AlertState | undefined)[] = [];
  for (const [t, cond] of steps) {
    const d = decide(state, template, cond, timing, t);
    if (d.kind !== 'none') state = d.next;
    seen.push(state);
  }
  return seen;
}

describe('alert lifecycle', () => {
  it('goes pending, then firing after `for`, then resolved after resolve_after clear', () => {
    const s = run([
      [0, on],
      [9_999, on],
      [10_000, on],
      [12_000, off],
      [16_999, off],
      [17_000, off],
    ]);
    expect(s.map((x) => x?.status)).toEqual(['pending', 'pending', 'firing', 'firing', 'firing', 'resolved']);
    expect(s[5]?.alert_id).toBe(s[0]?.alert_id);
    expect(s[5]?.ends_at).toBe(17_000);
    expect(s[2]?.current_value).toBe(95);
  });

  it('drops a pending alert whose condition clears before `for`', () => {
    expect(
      run([
        [0, on],
        [5_000, off],
      ]).map((x) => x?.status),
    ).toEqual(['pending', 'resolved']);
  });

  it('restarts the clear timer when the condition comes back', () => {
    const s = run([
      [0, on],
      [10_000, on],
      [11_000, off],
      [15_000, on],
      [16_000, off],
      [20_999, off],
    ]);
    expect(s.at(-1)?.status).toBe('firing');
  });

  it('starts a new episode (new id) after a resolve', () => {
    const s = run([
      [0, on],
      [10_000, on],
      [11_000, off],
      [16_000, off],
      [20_000, on],
    ]);
    expect(s.at(-1)?.status).toBe('pending');
    expect(s.at(-1)?.alert_id).not.toBe(s[0]?.alert_id);
  });

  it('keeps a hand-resolved alert down until its condition clears', () => {
    const resolved: AlertState = {
      ...template,
      alert_id: 'a',
      status: 'resolved',
      started_at: 0,
      updated_at: 1,
      version: 3,
      outbox: false,
      manual_hold: true,
    };
    expect(decide(resolved, template, on, timing, 100).kind).toBe('none');
    const cleared = decide(resolved, template, off, timing, 200);
    expect(cleared.kind).toBe('transition');
    expect(cleared.kind === 'transition' && cleared.next.manual_hold).toBe(false);
  });

  it('fires at once without `for`, and stays acknowledged while the condition holds', () => {
    const d = decide(undefined, template, on, { forMs: 0, resolveAfterMs: 0 }, 5);
    expect(d.kind === 'transition' && d.next.status).toBe('firing');
    const acked = { ...(d.kind === 'transition' ? d.next : ({} as AlertState)), status: 'acknowledged' as const };
    expect(decide(acked, template, on, timing, 10).kind).toBe('quiet');
    const r = decide(acked, template, off, { forMs: 0, resolveAfterMs: 0 }, 20);
    expect(r.kind === 'transition' && r.next.status).toBe('resolved');
  });
});
