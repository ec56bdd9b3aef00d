import { type JsonServer, slow, startJsonServer } from '../shared/json-server';

/**
 * A local server answering as TensorFlow Serving's REST API documents it (TensorFlow Serving
 * 2.x "RESTful API", https://www.tensorflow.org/tfx/serving/api_rest — Model status API,
 * Model Metadata API, Predict API; errors are `{"error": "<message>"}`). Model
 * `half_plus_two` has versions 1 (END) and 2 (AVAILABLE); predict returns x/2+2 per instance.
 */
export interface FakeTfServingOptions {
  /** Require `Authorization: Bearer <token>` (a gateway in front of TF Serving). */
  token?: string;
  /** Delay every answer (timeouts). */
  delayMs?: number;
}

export interface FakeTfServing extends JsonServer {
  /** Change the state of a version (e.g. to UNAVAILABLE). */
  setState(version: number, state: string): void;
}

export async function startFakeTfServing(options: FakeTfServingOptions = {}): Promise<FakeTfServing> {
  const versions = new Map<number, string>([
    [1, 'END'],
    [2, 'AVAILABLE'],
  ]);
  const server = await startJsonServer(async (req) => {
    if (options.delayMs) await slow(options.delayMs, undefined);
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      return { status: 401, body: { error: 'Unauthorized: missing or invalid bearer token' } };
    }
    const m = /^\/v1\/models\/([^/:]+)(?:\/versions\/(\d+))?(\/metadata|:predict)?$/.exec(req.path);
    if (!m) return { status: 404, body: { error: `Malformed request: ${req.method} ${req.path}` } };
    const [, name, versionText, suffix] = m;
    if (name !== 'half_plus_two') {
      return { status: 404, body: { error: `Servable not found for request: Latest(${name})` } };
    }
    const wanted = versionText ? Number(versionText) : undefined;
    if (wanted !== undefined && !versions.has(wanted)) {
      return { status: 404, body: { error: `Servable not found for request: Specific(${name}, ${wanted})` } };
    }
    const latest = Math.max(...[...versions].filter(([, s]) => s === 'AVAILABLE').map(([v]) => v));
    if (req.method === 'GET' && suffix === undefined) {
      const list = [...versions]
        .filter(([v]) => wanted === undefined || v === wanted)
        .map(([v, state]) => ({ version: String(v), state, status: { error_code: 'OK', error_message: '' } }));
      return { status: 200, body: { model_version_status: list } };
    }
    if (req.method === 'GET' && suffix === '/metadata') {
      return {
        status: 200,
        body: {
          model_spec: { name, signature_name: '', version: String(wanted ?? latest) },
          metadata: {
            signature_def: {
              signature_def: {
                serving_default: {
                  inputs: {
                    x: {
                      dtype: 'DT_FLOAT',
                      tensor_shape: { dim: [{ size: '-1', name: '' }], unknown_rank: false },
                      name: 'x:0',
                    },
                  },
                  outputs: {
                    y: {
                      dtype: 'DT_FLOAT',
                      tensor_shape: { dim: [{ size: '-1', name: '' }], unknown_rank: false },
                      name: 'y:0',
                    },
                  },
                  method_name: 'tensorflow/serving/predict',
                },
              },
            },
          },
        },
      };
    }
    if (req.method === 'POST' && suffix === ':predict') {
      const body = req.body as { instances?: unknown[]; inputs?: unknown } | undefined;
      if (!body || !Array.isArray(body.instances)) {
        return { status: 400, body: { error: "Missing 'inputs' or 'instances' key" } };
      }
      const predictions = body.instances.map((x) => (typeof x === 'number' ? x / 2 + 2 : NaN));
      if (predictions.some((p) => Number.isNaN(p))) return { status: 400, body: { error: 'JSON Value: not a number' } };
      return { status: 200, body: { predictions } };
    }
    return { status: 405, body: { error: `Malformed request: ${req.method} ${req.path}` } };
  });
  return { ...server, setState: (version, state) => versions.set(version, state) };
}
