import { describe, expect, it } from 'vitest';
import { cpuFlags, missingExtensions, nativeBuildLevel } from '../../../src/retrieval/native-build.js';

const cpuinfo = (flags: string) =>
  `processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: ${flags}\nbugs\t\t: none\n`;

describe('native hnswlib build check', () => {
  it('names the extensions a build needs that the CPU lacks', () => {
    const old = cpuFlags(cpuinfo('fpu sse sse2 avx'));
    expect(missingExtensions('avx512', old)).toEqual(['avx2', 'fma', 'avx512f']);
    expect(missingExtensions('avx2', cpuFlags(cpuinfo('sse2 avx avx2 fma')))).toEqual([]);
    expect(missingExtensions('avx512', cpuFlags(cpuinfo('sse2 avx avx2 fma')))).toEqual(['avx512f']);
    expect(missingExtensions('stock', old)).toEqual([]);
    // No /proc/cpuinfo (not Linux): nothing to check.
    expect(missingExtensions('avx512', cpuFlags(null))).toEqual([]);
  });

  it('the installed build (postinstall marker) can run on this machine', () => {
    const level = nativeBuildLevel();
    expect(['stock', 'avx2', 'avx512']).toContain(level);
    expect(missingExtensions(level, cpuFlags())).toEqual([]);
  });
});
