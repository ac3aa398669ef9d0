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

/**
 * The candidate closest to `key`, if it is close enough to be a typo of it: at most one edit in
 * three characters. In a word of four or fewer, one changed letter makes another word (`pin`,
 * `min`), so only a swapped, missing or extra letter counts there (`qso` → `qos`, `bu` → `bus`).
 */
export function closestKey(key: string, candidates: readonly string[]): string | undefined {
  const wanted = normalize(key);
  const limit = Math.max(1, Math.floor(wanted.length / 3));
  let best: { key: string; distance: number } | undefined;
  for (const candidate of candidates) {
    const other = normalize(candidate);
    const distance = editDistance(wanted, other);
    const substitutedShortWord = wanted.length <= 4 && other.length === wanted.length && distance === 1 && !isSwap(wanted, other);
    if (substitutedShortWord) continue;
    if (distance <= limit && (best === undefined || distance < best.distance)) best = { key: candidate, distance };
  }
  return best?.key;
}

/** True when `b` is `a` with two neighbouring letters swapped. */
function isSwap(a: string, b: string): boolean {
  const differ = [...a].flatMap((char, index) => (char === b[index] ? [] : [index]));
  const [first, second] = differ;
  return differ.length === 2 && first !== undefined && second === first + 1 && a[first] === b[second] && a[second] === b[first];
}

/** True when `a` and `b` name the same key in the env-override sense (case and '_' ignored). */
export function sameKey(a: string, b: string): boolean {
  return normalize(a) === normalize(b);
}
