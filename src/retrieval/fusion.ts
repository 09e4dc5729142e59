/**
 * Reciprocal rank fusion (Cormack et al. 2009): score(d) = Σ 1 / (k + rank_i(d)).
 * Rank-based, so BM25 scores and cosine similarities never need a common scale.
 */
export function reciprocalRankFusion<T extends string | number>(
  rankings: ReadonlyArray<ReadonlyArray<T>>,
  opts: { k?: number; weights?: number[] } = {},
): Array<{ id: T; score: number }> {
  const k = opts.k ?? 60;
  const scores = new Map<T, number>();
  rankings.forEach((ranking, r) => {
    const w = opts.weights?.[r] ?? 1;
    ranking.forEach((id, i) => {
      scores.set(id, (scores.get(id) ?? 0) + w / (k + i + 1));
    });
  });
  return [...scores.entries()]
    .map(([id, score]) => ({ id, score }))
    .sort((a, b) => b.score - a.score || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
}
