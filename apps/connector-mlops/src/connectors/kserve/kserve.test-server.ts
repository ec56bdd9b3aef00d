import { type JsonServer, slow, startJsonServer } from '../shared/json-server';

/**
 * A local server answering as the Open Inference Protocol v2 REST API documents it (KServe
 * 0.14 "Open Inference Protocol (V2 Inference Protocol)",
 * https://kserve.github.io/website/latest/modelserving/data_plane/v2_protocol/ — the same
 * protocol Triton 2.x serves). Model `iris` (onnxruntime_onnx, version 1) doubles its input.
 */
export interface FakeOip extends JsonServer {
  setModelReady(ready: boolean): void;
}

export async function startFakeOip(options: { token?: string; delayMs?: number } = {}): Promise<FakeOip> {
  let modelReady = true;
  const server = await startJsonServer(async (req) => {
    if (options.delayMs) await slow(options.delayMs, undefined);
    if (options.token && req.headers.authorization !== `Bearer ${options.token}`) {
      return { status: 401, body: { error: 'Unauthorized' } };
    }
    if (req.method === 'GET' && req.path === '/v2') {
      return { status: 200, body: { name: 'kserve', version: '0.14.0', extensions: ['model_repository_extension'] } };
    }
    if (req.method === 'GET' && req.path === '/v2/health/live') return { status: 200, body: { live: true } };
    if (req.method === 'GET' && req.path === '/v2/health/ready') return { status: 200, body: { ready: true } };
    const m = /^\/v2\/models\/([^/]+)(?:\/versions\/([^/]+))?(\/ready|\/infer)?$/.exec(req.path);
    if (!m || m[1] !== 'iris' || (m[2] && m[2] !== '1')) {
      return { status: 404, body: { error: `Model with name ${m?.[1] ?? '?'} does not exist.` } };
    }
    if (req.method === 'GET' && m[3] === '/ready') {
      return modelReady
        ? { status: 200, body: { name: 'iris', ready: true } }
        : { status: 400, body: { error: 'Model iris is not ready' } };
    }
    if (req.method === 'GET' && !m[3]) {
      return {
        status: 200,
        body: {
          name: 'iris',
          versions: ['1'],
          platform: 'onnxruntime_onnx',
          inputs: [{ name: 'input-0', datatype: 'FP32', shape: [-1, 4] }],
          outputs: [{ name: 'output-0', datatype: 'FP32', shape: [-1, 4] }],
        },
      };
    }
    if (req.method === 'POST' && m[3] === '/infer') {
      if (!modelReady) return { status: 400, body: { error: 'Model iris is not ready' } };
      const body = req.body as {
        id?: string;
        inputs?: { name: string; shape: number[]; datatype: string; data: number[] }[];
      };
      if (!body?.inputs?.length) return { status: 400, body: { error: 'Invalid request: inputs is required' } };
      return {
        status: 200,
        body: {
          model_name: 'iris',
          model_version: '1',
          ...(body.id ? { id: body.id } : {}),
          outputs: body.inputs.map((i, n) => ({
            name: `output-${n}`,
            shape: i.shape,
            datatype: i.datatype,
            data: i.data.map((x) => x * 2),
          })),
        },
      };
    }
    return { status: 405, body: { error: `Method not allowed: ${req.method} ${req.path}` } };
  });
  return { ...server, setModelReady: (r) => (modelReady = r) };
}
