import snappy from 'snappyjs';
import {
  RemoteWriteDecodeError,
  WriteRequest,
  decodeRemoteWrite,
  remoteWriteToBatches,
} from '../prometheus/remote-write-mapper';
import { ExportMetricsServiceRequest, OtlpDecodeError, decodeOtlp, otlpToBatches } from './otlp-mapper';

const json = {
  resourceMetrics: [
    {
      resource: {
        attributes: [
          { key: 'service.name', value: { stringValue: 'svc' } },
          { key: 'pid', value: { intValue: '42' } },
        ],
      },
      scopeMetrics: [
        {
          metrics: [
            {
              name: 'g',
              unit: 'By',
              gauge: {
                dataPoints: [
                  {
                    timeUnixNano: '1732248000000000000',
                    asInt: '7',
                    attributes: [{ key: 'ok', value: { boolValue: true } }],
                  },
                ],
              },
            },
            {
              name: 's',
              sum: {
                isMonotonic: true,
                aggregationTemporality: 2,
                dataPoints: [{ timeUnixNano: '1732248000000000000', asDouble: 2.5 }],
              },
            },
            { name: 'nan', gauge: { dataPoints: [{ timeUnixNano: '1732248000000000000', asDouble: 'NaN' }] } },
            {
              name: 'q',
              summary: {
                dataPoints: [
                  {
                    timeUnixNano: '1732248000000000000',
                    count: '4',
                    sum: 10,
                    quantileValues: [{ quantile: 0.5, value: 2 }],
                  },
                ],
              },
            },
          ],
        },
      ],
    },
  ],
};

describe('OTLP mapping', () => {
  it('maps JSON and the same message as protobuf identically', () => {
    const fromJson = otlpToBatches(decodeOtlp(json, false)).batches();
    const bytes = Buffer.from(
      ExportMetricsServiceRequest.encode(ExportMetricsServiceRequest.fromObject(json)).finish(),
    );
    expect(otlpToBatches(decodeOtlp(bytes, true)).batches()).toEqual(fromJson);
    expect(fromJson).toHaveLength(1);
    const [batch] = fromJson;
    expect(batch?.source).toBe('svc');
    expect(batch?.timestamp).toBe(1732248000000);
    expect(batch?.metrics).toEqual([
      { name: 'g', value: 7, unit: 'By', tags: { 'service.name': 'svc', pid: '42', ok: 'true' } },
      { name: 's', value: 2.5, tags: { 'service.name': 'svc', pid: '42' } },
      { name: 'q_count', value: 4, tags: { 'service.name': 'svc', pid: '42' } },
      { name: 'q_sum', value: 10, tags: { 'service.name': 'svc', pid: '42' } },
      { name: 'q', value: 2, tags: { 'service.name': 'svc', pid: '42', quantile: '0.5' } },
    ]);
  });

  it('counts a non-finite data point as skipped', () => {
    expect(otlpToBatches(decodeOtlp(json, false)).skipped).toBe(1);
  });

  it.each([
    ['garbage bytes', Buffer.from([0xff, 0xff, 0xff, 0xff]), true],
    ['truncated message', Buffer.from([0x0a, 0x10, 0x01]), true],
    ['resourceMetrics not a list', { resourceMetrics: 5 }, false],
    [
      'a gauge that is a number',
      { resourceMetrics: [{ scopeMetrics: [{ metrics: [{ name: 'g', gauge: 5 }] }] }] },
      false,
    ],
  ])('refuses %s', (_label, body, binary) => {
    expect(() => decodeOtlp(body, binary)).toThrow(OtlpDecodeError);
  });
});

describe('remote write mapping', () => {
  const request = {
    timeseries: [
      {
        labels: [
          { name: '__name__', value: 'up' },
          { name: 'job', value: 'node' },
          { name: 'instance', value: 'h:9100' },
        ],
        samples: [
          { value: 1, timestamp: 1732248000000 },
          { value: Number.NaN, timestamp: 1732248001000 },
        ],
      },
      { labels: [{ name: '__name__', value: 'no_job' }], samples: [{ value: 3, timestamp: 1732248000000 }] },
    ],
  };

  it('maps __name__, job → source, labels → tags, skipping staleness NaNs', () => {
    const body = Buffer.from(snappy.compress(WriteRequest.encode(WriteRequest.fromObject(request)).finish()));
    const builder = remoteWriteToBatches(decodeRemoteWrite(body));
    expect(builder.batches()).toEqual([
      {
        source: 'node',
        timestamp: 1732248000000,
        metrics: [{ name: 'up', value: 1, tags: { job: 'node', instance: 'h:9100' } }],
      },
      { source: 'prometheus', timestamp: 1732248000000, metrics: [{ name: 'no_job', value: 3, tags: {} }] },
    ]);
    expect(builder.skipped).toBe(1);
  });

  it.each([
    ['not snappy', Buffer.from('hello world, not snappy at all')],
    ['snappy around garbage', Buffer.from(snappy.compress(Buffer.from([0xff, 0xff, 0xff])))],
  ])('refuses %s', (_label, body) => {
    expect(() => decodeRemoteWrite(body)).toThrow(RemoteWriteDecodeError);
  });
});
