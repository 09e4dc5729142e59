import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import { CopilotError } from '../errors.js';

/**
 * Which hnswlib-node build is installed: scripts/build-native.mjs (postinstall) rebuilds it for
 * the installing machine's AVX2 / AVX-512 and records the level in build/copilot-native.json.
 * A node_modules copied to a CPU without those extensions would die of an illegal instruction
 * at the first search; this turns that into a clear error at start-up.
 */
export type NativeLevel = 'stock' | 'avx2' | 'avx512' | 'unknown';

const NEEDS: Record<NativeLevel, string[]> = {
  stock: [],
  unknown: [],
  avx2: ['avx2', 'fma'],
  avx512: ['avx2', 'fma', 'avx512f'],
};

export function nativeBuildLevel(): NativeLevel {
  try {
    const dir = path.dirname(createRequire(import.meta.url).resolve('hnswlib-node/package.json'));
    const { level } = JSON.parse(fs.readFileSync(path.join(dir, 'build', 'copilot-native.json'), 'utf8')) as {
      level?: string;
    };
    return level && level in NEEDS ? (level as NativeLevel) : 'unknown';
  } catch {
    return 'unknown';
  }
}

/** CPU flags from /proc/cpuinfo; null where there is none (not Linux): nothing to check then. */
export function cpuFlags(cpuinfo = readCpuinfo()): Set<string> | null {
  if (cpuinfo === null) return null;
  const line = cpuinfo.split('\n').find((l) => l.startsWith('flags'));
  return new Set((line ?? '').split(':')[1]?.trim().split(/\s+/) ?? []);
}

function readCpuinfo(): string | null {
  try {
    return fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return null;
  }
}

/** The extensions `level` needs that `flags` lacks (empty when it can run here). */
export function missingExtensions(level: NativeLevel, flags: Set<string> | null): string[] {
  return flags ? NEEDS[level].filter((f) => !flags.has(f)) : [];
}

let checked = false;

/** Throws a CopilotError if the installed hnswlib-node build cannot run on this CPU (checked once). */
export function assertNativeBuildRuns(): void {
  if (checked) return;
  const level = nativeBuildLevel();
  const missing = missingExtensions(level, cpuFlags());
  if (missing.length) {
    throw new CopilotError(
      'native:cpu_mismatch',
      `hnswlib-node was built for ${level} on another machine; this CPU lacks ${missing.join(', ')}.`,
      { hint: 'Reinstall here (`npm ci`), or `COPILOT_NATIVE_BUILD=portable npm ci` for a portable build.' },
    );
  }
  checked = true;
}
