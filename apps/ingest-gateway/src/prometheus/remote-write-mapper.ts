import protobuf from 'protobufjs';
import snappy from 'snappyjs';
import { BatchBuilder } from '../ingest/batch-builder';
import { REMOTE_WRITE_PROTO } from './remote-write.proto';

const root = protobuf.parse(REMOTE_WRITE_PROTO, { keepCase: false }).root;
export const WriteRequest = root.lookupType('prometheus.WriteRequest');

interface WriteRequestObject {
  timeseries?: { labels?: { name?: string; value?: string }[]; samples?: { value?: number; timestamp?: number }[] }[];
}

export class RemoteWriteDecodeError extends Error {}

/** Snappy block format (not framed) around a protobuf WriteRequest, as remote write 1.0 sends it. */
export function decodeRemoteWrite(body: Buffer): WriteRequestObject {
  let raw: Uint8Array;
  try {
    raw = snappy.uncompress(body);
  } catch (error) {
    throw new RemoteWriteDecodeError(`body is not snappy-compressed: ${(error as Error).message}`);
  }
  try {
    return WriteRequest.toObject(WriteRequest.decode(raw), {
      longs: Number,
      defaults: false,
      arrays: true,
    });
  } catch (error) {
    throw new RemoteWriteDecodeError(`not a remote write WriteRequest: ${(error as Error).message}`);
  }
}

/**
 * Remote write → metric batches: `__name__` is the metric name, `job` the source ("prometheus"
 * without one), every other label a tag, one sample per (series, sample) at its own timestamp.
 * NaN samples (Prometheus staleness markers) and infinities are skipped: the contract carries
 * finite numbers only. Prometheus has already flattened histograms and summaries into
 * `_bucket{le}` / `_sum` / `_count` / `{quantile}` series, which pass through as they are.
 */
export function remoteWriteToBatches(request: WriteRequestObject): BatchBuilder {
  const builder = new BatchBuilder();
  for (const series of request.timeseries ?? []) {
    let name = '';
    let source = 'prometheus';
    const tags: Record<string, string> = {};
    for (const l of series.labels ?? []) {
      if (!l.name) continue;
      if (l.name === '__name__') name = l.value ?? '';
      else {
        if (l.name === 'job' && l.value) source = l.value;
        tags[l.name] = l.value ?? '';
      }
    }
    for (const s of series.samples ?? [])
      builder.add(source, Number(s.timestamp ?? Date.now()), name, s.value ?? 0, undefined, tags);
  }
  return builder;
}
