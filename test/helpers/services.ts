import net from 'node:net';
import { type Browser, chromium } from 'playwright-core';

/**
 * Services the integration tests need. In CI (CI=true) a missing service is a failure, never a
 * skip; locally the suite is skipped with a visible notice.
 */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';

export async function redisAvailable(url = REDIS_URL): Promise<boolean> {
  const u = new URL(url);
  const ok = await new Promise<boolean>((resolve) => {
    const sock = net.connect(Number(u.port || 6379), u.hostname);
    sock.setTimeout(1000);
    sock.once('connect', () => {
      sock.write('PING\r\n');
    });
    sock.once('data', (d) => {
      sock.destroy();
      resolve(d.toString().startsWith('+PONG'));
    });
    sock.once('error', () => resolve(false));
    sock.once('timeout', () => {
      sock.destroy();
      resolve(false);
    });
  });
  return requireOrNotice('Redis', url, ok);
}

export async function chromiumAvailable(): Promise<boolean> {
  const fs = await import('node:fs');
  return requireOrNotice('Chromium', CHROMIUM, fs.existsSync(CHROMIUM));
}

function requireOrNotice(what: string, where: string, ok: boolean): boolean {
  if (ok) return true;
  if (process.env.CI) throw new Error(`${what} is required in CI but not reachable at ${where}`);
  console.warn(`\n  NOTICE: ${what} not available at ${where}: skipping the tests that need it.\n`);
  return false;
}

/** Debian's Chromium, headless, with the background traffic this closed network refuses turned off. */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
  });
}

/** Deletes every key of a client's keyPrefix namespace (KEYS patterns are not prefixed by ioredis). */
export async function dropNamespace(redis: import('ioredis').Redis): Promise<void> {
  const prefix = redis.options.keyPrefix ?? '';
  if (!prefix) throw new Error('dropNamespace needs a client with a keyPrefix');
  const keys = await redis.keys(`${prefix}*`);
  if (keys.length) await redis.del(...keys.map((k) => k.slice(prefix.length)));
}
