import fs from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Start a worker thread on a module of this code base, given as `new URL('./x.js', import.meta.url)`.
 *
 * Run from TypeScript sources (tsx in dev and production, vitest in tests), the entry is the .ts
 * file and the worker has to register tsx itself: on Node 20, loader hooks given in a Worker's
 * execArgv do not apply to its entry module (nodejs/node#47747), so a small eval'd shim registers
 * tsx's ESM hooks and then imports the entry. Compiled to JavaScript, the .js entry is used as is.
 * An error while loading the entry surfaces as the worker's 'error' event, like any other.
 */
export function spawnWorker(entry: URL, options: Omit<WorkerOptions, 'eval' | 'execArgv'> = {}): Worker {
  const fromSource = entry.pathname.endsWith('.js') && !fs.existsSync(entry) && fs.existsSync(tsEntry(entry));
  if (!fromSource) return new Worker(entry, options);
  const shim = `import(${JSON.stringify(tsxEsmApi())}).then((tsx) => { tsx.register(); return import(${JSON.stringify(tsEntry(entry).href)}); });`;
  return new Worker(shim, { ...options, eval: true, execArgv: [] });
}

const tsEntry = (entry: URL) => new URL(entry.href.replace(/\.js$/, '.ts'));

let tsxApi: string | null = null;

/** URL of tsx's ESM API (its package "exports" entry for import), resolved from this package. */
function tsxEsmApi(): string {
  if (tsxApi) return tsxApi;
  const pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as {
    exports?: Record<string, string | { import?: string | { default?: string } }>;
  };
  const exp = pkg.exports?.['./esm/api'];
  const imp = typeof exp === 'string' ? exp : exp?.import;
  const rel = typeof imp === 'string' ? imp : (imp?.default ?? './dist/esm/api/index.mjs');
  tsxApi = pathToFileURL(path.join(path.dirname(pkgFile), rel)).href;
  return tsxApi;
}

/** The calling thread's OS thread id (Linux), or null where that is not known. */
export function osThreadId(): number | null {
  try {
    const tid = Number(path.basename(fs.readlinkSync('/proc/thread-self')));
    return Number.isInteger(tid) && tid > 0 ? tid : null;
  } catch {
    return null;
  }
}

/**
 * Set a thread's scheduling priority (Linux: nice is per thread, and any thread of the process
 * may set it for another). Background work such as building lexical shards can then take only
 * the CPU the main thread leaves free. Best effort: raising a priority again needs privilege
 * (root or RLIMIT_NICE); without it, or off Linux, the thread keeps the priority it has.
 */
export function setThreadPriority(tid: number | null, nice: number): boolean {
  if (tid === null) return false;
  try {
    os.setPriority(tid, nice);
    return true;
  } catch {
    return false;
  }
}
