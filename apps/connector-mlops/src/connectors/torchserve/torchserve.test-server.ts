import { type JsonServer, slow, startJsonServer } from '../shared/json-server';

/**
 * Local servers answering as TorchServe 0.12 documents its REST APIs (TorchServe "Inference
 * API" and "Management API", https://pytorch.org/serve/inference_api.html and
 * https://pytorch.org/serve/management_api.html; token authorization per
 * https://pytorch.org/serve/token_authorization_api.html). Model `squeezenet1_1` version 1.0
 * has one worker; predictions echo a class map.
 */
export interface FakeTorchServe {
  inference: JsonServer;
  management: JsonServer;
  setWorkerStatus(status: 'READY' | 'UNLOADING' | 'STOPPED'): void;
  close(): Promise<void>;
}

export async function startFakeTorchServe(
  options: { inferenceKey?: string; managementKey?: string; delayMs?: number } = {},
): Promise<FakeTorchServe> {
  let workerStatus = 'READY';
  const denied = {
    status: 400,
    body: {
      code: 400,
      type: 'InvalidKeyException',
      message: 'Token Authorization failed. Token either incorrect, expired, or not provided correctly',
    },
  };
  const inference = await startJsonServer(async (req) => {
    if (options.delayMs) await slow(options.delayMs, undefined);
    if (req.path === '/ping') return { status: 200, body: { status: 'Healthy' } };
    if (options.inferenceKey && req.headers.authorization !== `Bearer ${options.inferenceKey}`) return denied;
    const m = /^\/predictions\/([^/]+)(?:\/([^/]+))?$/.exec(req.path);
    if (req.method === 'POST' && m?.[1] === 'squeezenet1_1') {
      if (workerStatus !== 'READY')
        return {
          status: 503,
          body: {
            code: 503,
            type: 'ServiceUnavailableException',
            message:
              'Model "squeezenet1_1" has no worker to serve inference request. Please use scale workers API to add workers.',
          },
        };
      return { status: 200, body: { tabby: 0.2752, lynx: 0.2546, tiger_cat: 0.2421 } };
    }
    return {
      status: 404,
      body: { code: 404, type: 'ModelNotFoundException', message: `Model not found: ${m?.[1] ?? req.path}` },
    };
  });
  const management = await startJsonServer(async (req) => {
    if (options.delayMs) await slow(options.delayMs, undefined);
    if (options.managementKey && req.headers.authorization !== `Bearer ${options.managementKey}`) return denied;
    if (req.method === 'GET' && req.path === '/models') {
      return { status: 200, body: { models: [{ modelName: 'squeezenet1_1', modelUrl: 'squeezenet1_1.mar' }] } };
    }
    const m = /^\/models\/([^/]+)(?:\/([^/]+))?$/.exec(req.path);
    if (req.method === 'GET' && m?.[1] === 'squeezenet1_1' && (!m[2] || m[2] === '1.0' || m[2] === 'all')) {
      return {
        status: 200,
        body: [
          {
            modelName: 'squeezenet1_1',
            modelVersion: '1.0',
            modelUrl: 'squeezenet1_1.mar',
            engine: 'Torch',
            runtime: 'python',
            minWorkers: 1,
            maxWorkers: 1,
            batchSize: 1,
            maxBatchDelay: 100,
            loadedAtStartup: true,
            workers: [
              {
                id: '9000',
                startTime: '2026-11-22T03:00:00.000Z',
                status: workerStatus,
                memoryUsage: 1_106_944,
                pid: 4242,
                gpu: false,
                gpuUsage: 'N/A',
              },
            ],
          },
        ],
      };
    }
    return {
      status: 404,
      body: { code: 404, type: 'ModelNotFoundException', message: `Model not found: ${m?.[1] ?? req.path}` },
    };
  });
  return {
    inference,
    management,
    setWorkerStatus: (s) => {
      workerStatus = s;
    },
    close: async () => {
      await inference.close();
      await management.close();
    },
  };
}
