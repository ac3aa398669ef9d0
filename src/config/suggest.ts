// "Did you mean": the closest valid key to a mistyped one, by edit distance (with transpositions,
// so `qso` is one step from `qos`), compared case-insensitively and ignoring '_'.

const normalize = (key: string): string => key.toLowerCase().replace(/_/g, '');

/** Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps. */
export function editDistance(a: string, b: string): number {
  const rows: number[][] = [];
  for (let i = 0; i <= a.length; i++) {
    const row: number[] = [i];
    for (let j = 1; j <= b.length; j++) {
      if (i === 0) {
        row.push(j);
        continue;
      }
      const previous = rows[i - 1] ?? [];
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let best = Math.min((previous[j] ?? 0) + 1, (row[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        best = Math.min(best, (rows[i - 2]?.[j - 2] ?? 0) + 1);
      }
      row.push(best);
    }
    rows.push(row);
  }
  return rows[a.length]?.[b.length] ?? Math.max(a.length, b.length);
}

/** The candidate closest to `key`, if it is close enough to be a typo of it. */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  const wanted = normalize(key);
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: { key: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const distance = editDistance(wanted, normalize(candidate));
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** True when `a` and `b` name the same key in the env-override sense (case and '_' ignored). */
export function sameKey(a: string, b: string): boolean {
  return normalize(a) === normalize(b);
}
