import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import net from 'node:net';
import { freePort } from './server-process.js';

/** A private redis-server on a spare port, for outage tests (killed and restarted at will). */
export function redisServerInstalled(): boolean {
  const ok = !spawnSync('redis-server', ['--version']).error;
  if (ok) return true;
  if (process.env.CI) throw new Error('redis-server is required in CI but is not on PATH');
  console.warn('\n  NOTICE: redis-server not on PATH: skipping the Redis outage tests.\n');
  return false;
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const sock = net.connect(port, '127.0.0.1');
    sock.once('connect', () => {
      sock.destroy();
      resolve(true);
    });
    sock.once('error', () => resolve(false));
  });
}

export async function waitFor(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  stepMs = 100,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

export interface PrivateRedis {
  port: number;
  url: string;
  start(): Promise<void>;
  kill(): Promise<void>;
  /** SIGSTOP / SIGCONT: a Redis that keeps the connection open but stops answering. */
  signal(sig: 'SIGSTOP' | 'SIGCONT'): void;
}

export async function privateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | null = null;
  const server: PrivateRedis = {
    port,
    url: `redis://127.0.0.1:${port}`,
    async start() {
      // One server per port: a start after a failed test must not orphan the running one.
      await server.kill();
      child = spawn(
        'redis-server',
        ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
        {
          stdio: 'ignore',
        },
      );
      await waitFor(() => canConnect(port), 10_000);
    },
    signal(sig) {
      child?.kill(sig);
    },
    async kill() {
      const c = child;
      child = null;
      if (!c || c.exitCode !== null || c.signalCode !== null) return;
      const exited = once(c, 'exit');
      c.kill('SIGKILL');
      await exited;
    },
  };
  return server;
}
