import { parentPort, workerData } from 'node:worker_threads';
import { type MergeOptions, mergeSegments } from './merge.js';

/** Worker thread entry for mergeInWorker (merge.ts): one merge, its result, then exit. */
const port = parentPort;
if (!port) throw new Error('merge-worker must run in a worker thread');

try {
  const result = await mergeSegments(workerData as MergeOptions);
  port.postMessage({ ok: true, result });
} catch (err) {
  port.postMessage({ ok: false, message: err instanceof Error ? err.message : String(err) });
}
