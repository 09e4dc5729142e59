import { parentPort, workerData } from 'node:worker_threads';
import { createLocalEmbedder } from './local.js';

/** Worker thread entry for local-threaded.ts: embeds batches, returns them as one transferred buffer. */
export interface EmbedRequest {
  id: number;
  texts: string[];
}

export type EmbedReply = { id: number; data: Float64Array } | { id: number; error: string };

const port = parentPort;
if (!port) throw new Error('local-embed-worker must run in a worker thread');
const embedder = createLocalEmbedder({ dimensions: (workerData as { dimensions: number }).dimensions });
const dims = embedder.dimensions;

port.on('message', async ({ id, texts }: EmbedRequest) => {
  try {
    const vectors = await embedder.embedDocuments(texts);
    const data = new Float64Array(texts.length * dims);
    vectors.forEach((v, i) => {
      data.set(v, i * dims);
    });
    port.postMessage({ id, data } satisfies EmbedReply, [data.buffer]);
  } catch (err) {
    port.postMessage({ id, error: (err as Error).message } satisfies EmbedReply);
  }
});
