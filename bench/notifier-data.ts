// Shared by the B4 benches (bench/notifier.ts, bench/notifier-cpu.ts): one notification request
// of one firing alert, the shape the router publishes on airis.notifications.v1.
import type { NotificationRequestDto } from '@airis/contracts';

export function notification(i: number, tag: string): NotificationRequestDto {
  const now = Date.now();
  return {
    id: `${tag}-${i}`,
    receiver: 'bench',
    group_key: `g-${i % 64}`,
    status: 'firing',
    group_labels: { g: String(i % 64) },
    alerts: [
      {
        id: `a-${tag}-${i}`,
        fingerprint: `fp-${i}`,
        name: 'Inference latency p99 above SLO',
        status: 'firing',
        severity: 'error',
        description: 'p99 812 ms > 500 ms for 5m',
        source: 'kserve',
        alert_type: 'latency',
        model_id: 'fraud-v3',
        environment: 'production',
        labels: { team: 'ml' },
        timestamp: now,
        updated_at: now,
      },
    ],
    timestamp: now,
  };
}
