import { type ChildProcess, spawn } from 'node:child_process';
import { pollUntil } from '@airis/testing';

/** A server the harness started (Alertmanager, MLflow): its output tail for failure messages. */
export interface ExternalProcess {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `command` and keeps the last 20 kB of its output; `stop` ends it (SIGTERM, then SIGKILL). */
export function startProcess(command: string, args: string[], env: Record<string, string> = {}): ExternalProcess {
  const child = spawn(command, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let log = '';
  const keep = (chunk: Buffer): void => {
    log = (log + chunk.toString()).slice(-20_000);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => log,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls an HTTP URL until it answers 2xx; fails early with the output if the process died. */
export async function waitForHttp(process: ExternalProcess, url: string, timeoutMs: number): Promise<void> {
  await pollUntil(
    async () => {
      if (process.child.exitCode !== null) {
        throw new Error(`process exited with ${process.child.exitCode}:\n${process.output()}`);
      }
      try {
        const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
        return response.ok;
      } catch {
        return false;
      }
    },
    { timeoutMs, intervalMs: 500, description: `${url} to answer` },
  ).catch((error: unknown) => {
    throw new Error(`${(error as Error).message}\n--- output ---\n${process.output()}`);
  });
}
