import { agnes } from 'ml-hclust';

/**
 * Agglomerative clustering of embedding vectors (ml-hclust's AGNES, average linkage) cut at a
 * cosine distance threshold: two groups merge while the mean distance between their members is
 * at most `maxDistance`. No number of clusters to guess, and a question unlike any other stays
 * alone. Pure; cost is about N³ (0.5 s for 500 points), so callers cap N.
 */
export function clusterByMeaning(vectors: number[][], maxDistance: number): number[][] {
  const n = vectors.length;
  if (n === 0) return [];
  if (n === 1) return [[0]];
  const unit = vectors.map(normalise);
  const distances: number[][] = unit.map(() => new Array<number>(n).fill(0));
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < i; j++) {
      const d = Math.max(0, 1 - dot(unit[i] as number[], unit[j] as number[]));
      (distances[i] as number[])[j] = d;
      (distances[j] as number[])[i] = d;
    }
  }
  const tree = agnes(distances, { method: 'average', isDistanceMatrix: true });
  // cut() keeps the nodes whose height is below the threshold; a node of exactly the threshold
  // is split, so nudge it to make `maxDistance` inclusive.
  return tree
    .cut(maxDistance + 1e-9)
    .map((c) => c.indices().sort((a, b) => a - b))
    .sort((a, b) => b.length - a.length || (a[0] as number) - (b[0] as number));
}

/** Cosine similarity of two vectors (0 when either is all zeros). */
export function cosine(a: number[], b: number[]): number {
  return dot(normalise(a), normalise(b));
}

function dot(a: number[], b: number[]): number {
  let s = 0;
  for (let i = 0; i < a.length; i++) s += (a[i] as number) * (b[i] as number);
  return s;
}

function normalise(v: number[]): number[] {
  let norm = 0;
  for (const x of v) norm += x * x;
  norm = Math.sqrt(norm);
  return norm === 0 ? v.map(() => 0) : v.map((x) => x / norm);
}
