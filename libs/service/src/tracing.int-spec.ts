import { type IncomingMessage, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Injectable, Module } from '@nestjs/common';
import type { EventDto } from '@airis/contracts';
import { type ConsumedRecord, KafkaHandler } from '@airis/kafka';
import { type TestContext, createTestContext, pollUntil } from '@airis/testing';
import { type RunningService, startService } from './bootstrap';

/*
 * With OTEL_EXPORTER_OTLP_ENDPOINT set, the OpenTelemetry SDK records a consumer span per
 * record, in the producer's trace, and exports it over OTLP/HTTP on shutdown at the latest.
 */
const handled: string[] = [];

@Injectable()
class TracedConsumer {
  @KafkaHandler('events')
  handle(record: ConsumedRecord<EventDto>): Promise<void> {
    handled.push(record.envelope.id);
    return Promise.resolve();
  }
}

@Module({ providers: [TracedConsumer] })
class TracedModule {}

interface OtlpExport {
  resourceSpans: {
    resource: { attributes: { key: string; value: { stringValue?: string } }[] };
    scopeSpans: { spans: { name: string; traceId: string; kind: number; attributes: { key: string }[] }[] }[];
  }[];
}

describe('OpenTelemetry export over OTLP/HTTP', () => {
  let ctx: TestContext;
  let service: RunningService | undefined;
  const received: OtlpExport[] = [];
  const collector = createServer((req: IncomingMessage, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      if (req.url === '/v1/traces' && req.method === 'POST') {
        received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as OtlpExport);
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });

  beforeAll(async () => {
    ctx = createTestContext('tracing');
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    const { port } = collector.address() as AddressInfo;
    service = await startService({
      name: 'traced-service',
      defaultPort: 0,
      imports: [TracedModule],
      consumer: { topics: ['events'] },
      env: ctx.serviceEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}` }),
    });
  });

  afterAll(async () => {
    await service?.close();
    collector.close();
    await ctx.cleanup();
  });

  it('exports a consumer span in the trace of the producer', async () => {
    const traceId = '5bf92f3577b34da6a3ce929d0e0e4737';
    await ctx.produce('events', [
      {
        key: 'k',
        value: JSON.stringify({ event_type: 'x', source: 'traced' }),
        headers: { ce_id: 'otlp-1', traceparent: `00-${traceId}-00f067aa0ba902b7-01` },
      },
    ]);
    await pollUntil(() => handled.includes('otlp-1'), { description: 'otlp-1 handled' });
    await service?.close(); // flushes the batch span processor
    service = undefined;

    const spans = received.flatMap((e) => e.resourceSpans.flatMap((r) => r.scopeSpans.flatMap((s) => s.spans)));
    const span = spans.find((s) => s.name === `process ${ctx.topics.of('events')}`);
    expect(span).toBeDefined();
    // OTLP/JSON carries ids as hex strings.
    expect(span?.traceId).toBe(traceId);
    expect(span?.kind).toBe(5); // SPAN_KIND_CONSUMER
    expect(span?.attributes.map((a) => a.key)).toEqual(
      expect.arrayContaining(['messaging.system', 'messaging.destination.name', 'messaging.message.id']),
    );
    const serviceName = received[0]?.resourceSpans[0]?.resource.attributes.find((a) => a.key === 'service.name');
    expect(serviceName?.value.stringValue).toBe('traced-service');
  });
});
