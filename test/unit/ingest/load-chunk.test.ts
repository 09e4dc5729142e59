import { describe, expect, it } from 'vitest';
import { loadAndChunk } from '../../../src/ingest/load-chunk.js';

const file = {
  abs: '/srv/private/knowledge/shop/returns.md',
  source: 'shop/returns.md',
  space: 'default',
  ext: '.md',
  size: 10,
  mtimeMs: 1,
};

describe('loadAndChunk', () => {
  it('an unreadable file is skipped with the error code, not its absolute path', async () => {
    const read = () => {
      throw Object.assign(new Error(`EACCES: permission denied, open '${file.abs}'`), { code: 'EACCES' });
    };
    const result = await loadAndChunk({ file }, read);
    expect(result).toEqual({ kind: 'unreadable', reason: 'cannot read (EACCES)' });
  });

  it('a readable file is chunked', async () => {
    const result = await loadAndChunk({ file }, () =>
      Buffer.from('# Returns\n\nReturns are accepted within 30 days.\n'),
    );
    expect(result.kind).toBe('chunks');
  });
});
