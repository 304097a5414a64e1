/**
 * Nearest valid identifiers for a mistyped one (zone ids, ISO codes, cloud regions), so an
 * error can say what the user probably meant.
 *
 * @module
 */

/**
 * Levenshtein distance between two strings (case-sensitive; callers fold case first).
 *
 * @param a One string.
 * @param b The other.
 * @returns The number of single-character insertions, deletions or substitutions.
 */
export function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min(current[j - 1]! + 1, previous[j]! + 1, previous[j - 1]! + cost);
    }
    previous = current;
  }
  return previous[b.length]!;
}

/**
 * The candidates closest to `query`: those sharing its prefix first, then by edit distance,
 * ties going to the longer common start ("UX" suggests UA and US before AX).
 *
 * @param query What the user typed.
 * @param candidates The valid identifiers.
 * @param limit How many to return.
 * @returns Up to `limit` candidates, closest first.
 */
export function nearest(query: string, candidates: Iterable<string>, limit = 5): string[] {
  const q = query.toUpperCase();
  const scored: { id: string; score: number; common: number }[] = [];
  for (const id of candidates) {
    const u = id.toUpperCase();
    // A shared prefix (the user typed the start of a zone, or a country of sub-zones) wins.
    const prefixBonus = u.startsWith(q) || (q.length >= 2 && q.startsWith(u)) ? -100 : 0;
    let common = 0;
    while (common < q.length && q[common] === u[common]) common++;
    scored.push({ id, score: editDistance(q, u) + prefixBonus, common });
  }
  scored.sort((x, y) => x.score - y.score || y.common - x.common || x.id.localeCompare(y.id));
  return scored.slice(0, limit).map((s) => s.id);
}
