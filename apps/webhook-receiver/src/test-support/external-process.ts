import { type ChildProcess, spawn } from 'node:child_process';
import { processEnvironment } from '@airis/config';

/** A server the harness started (Alertmanager, MLflow): its output tail for failure messages. */
export interface ExternalProcess {
  child: ChildProcess;
  output: () => string;
  stop: () => Promise<void>;
}

/** Starts `command` and keeps the last 20 kB of its output; `stop` ends it (SIGTERM, then SIGKILL). */
export function startProcess(command: string, args: string[], env: Record<string, string> = {}): ExternalProcess {
  const child = spawn(command, args, {
    env: { ...processEnvironment(), ...env },
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

/**
 * Polls an HTTP URL until it answers 2xx; fails early with the output if the process died.
 * (A loop of its own: this file is not a spec, so it may not import the test harness.)
 */
export async function waitForHttp(process: ExternalProcess, url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (process.child.exitCode !== null) {
      throw new Error(`process exited with ${process.child.exitCode}:\n${process.output()}`);
    }
    try {
      const response = await fetch(url, { signal: AbortSignal.timeout(2000) });
      if (response.ok) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      throw new Error(`${url} did not answer within ${timeoutMs} ms\n--- output ---\n${process.output()}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
