import { SERVICE_PORTS, portVariable } from '@airis/config';
import { DLQ_RETENTION_MS } from '@airis/contracts';
import { TopicNames } from '@airis/kafka';
import { Kafka, logLevel } from 'kafkajs';
import type { CliEnv } from './cli-env';

const days = (ms: number): string => (ms < 0 ? 'forever' : `${Math.round(ms / 86_400_000)}d`);

export interface TopicRow {
  topic: string;
  key: string;
  partitions: number;
  cleanup: string;
  retention: string;
  exists?: boolean;
}

/** The topic registry (and DLQs); with a broker, whether each topic exists there. */
export async function topicRows(env: CliEnv, check: boolean): Promise<TopicRow[]> {
  const names = new TopicNames(env.AIRIS_TOPIC_NAMESPACE);
  const rows: TopicRow[] = names.all().map(({ name, spec, dlq }) => ({
    topic: name,
    key: spec.key,
    partitions: spec.partitions,
    cleanup: dlq ? 'delete' : spec.cleanupPolicy,
    retention: days(dlq ? DLQ_RETENTION_MS : spec.retentionMs),
  }));
  if (!check) return rows;
  const kafka = new Kafka({ clientId: 'airis-cli', brokers: env.KAFKA_BROKERS.split(','), logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  try {
    const existing = new Set(await admin.listTopics());
    return rows.map((r) => ({ ...r, exists: existing.has(r.topic) }));
  } finally {
    await admin.disconnect();
  }
}

export interface HealthRow {
  service: string;
  url: string;
  status: 'ready' | 'not ready' | 'unreachable';
  detail: string;
}

/** `/health/ready` of every service on its port. */
export async function healthRows(env: CliEnv, ports: Record<string, string | undefined>): Promise<HealthRow[]> {
  return Promise.all(
    Object.entries(SERVICE_PORTS).map(async ([service, port]): Promise<HealthRow> => {
      const url = `http://${env.AIRIS_HOST}:${ports[portVariable(service)] ?? port}`;
      try {
        const res = await fetch(`${url}/health/ready`, { signal: AbortSignal.timeout(3000) });
        const body = (await res.json()) as { info?: object; error?: object };
        const detail = Object.entries({ ...body.info, ...body.error })
          .map(([k, v]) => `${k}:${(v as { status?: string }).status ?? '?'}`)
          .join(' ');
        return { service, url, status: res.ok ? 'ready' : 'not ready', detail };
      } catch (error) {
        const code = (error as { cause?: { code?: string } }).cause?.code ?? (error as Error).message;
        return { service, url, status: 'unreachable', detail: code };
      }
    }),
  );
}
