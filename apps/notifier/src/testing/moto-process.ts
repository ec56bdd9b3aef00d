import { type ChildProcess, spawn } from 'node:child_process';

export interface MotoSesMessage {
  id: string;
  source: string;
  destinations: string[];
  raw_data: string;
}

export interface MotoProcess {
  url: string;
  /** Raw messages SES accepted, from moto's inspection API (`/moto-api/data.json`, `ses.RawMessage`). */
  sentRawMessages(): Promise<MotoSesMessage[]>;
  stop(): Promise<void>;
}

/**
 * Starts a real moto server (`moto_server`, the `moto[server]` Python package) on
 * 127.0.0.1:`port` and waits until its inspection API answers. It serves the SES v2 API
 * (`/v2/email/...`) for any region and credentials.
 */
export async function startMoto(port: number, timeoutMs = 60_000): Promise<MotoProcess> {
  const child: ChildProcess = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (c: Buffer) => {
    stderr = (stderr + c.toString()).slice(-4000);
  });
  const spawnError = new Promise<Error>((resolve) => child.once('error', resolve));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || !child.pid) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      return; // already gone
    }
    await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000).unref())]);
    if (child.exitCode === null) {
      try {
        process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  };
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const failed = await Promise.race([spawnError, Promise.resolve(undefined)]);
    if (failed) throw new Error(`moto_server could not be started (${failed.message}); install moto[server]`);
    if (child.exitCode !== null) throw new Error(`moto_server exited (${child.exitCode}): ${stderr}`);
    try {
      const res = await fetch(`${url}/moto-api/data.json`, { signal: AbortSignal.timeout(2000) });
      if (res.ok) break;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_server did not answer within ${timeoutMs} ms: ${stderr}`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    stop,
    async sentRawMessages() {
      const res = await fetch(`${url}/moto-api/data.json`);
      const data = (await res.json()) as { ses?: { RawMessage?: MotoSesMessage[] } };
      return data.ses?.RawMessage ?? [];
    },
  };
}
