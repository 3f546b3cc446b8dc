/**
 * The known name closest to a mistyped one, for "did you mean" hints, or nothing when none is
 * close: at most one edit per three characters of the longer word (so `spec` finds `specs` and
 * `unfiy` finds `unify`, but `view` does not find `repos`). Edits are Damerau–Levenshtein's
 * (insert, delete, substitute, swap two neighbours), and case differences are free, since
 * `runnerTags` typed as `runnertags` is the same slip.
 */
export function closestName(word: string, known: Iterable<string>): string | undefined {
  let best: { name: string; distance: number } | undefined;
  for (const name of known) {
    if (name === word) continue;
    const distance = editDistance(word.toLowerCase(), name.toLowerCase());
    const allowed = Math.max(1, Math.floor(Math.max(word.length, name.length) / 3));
    if (distance <= allowed && (best === undefined || distance < best.distance)) best = { name, distance };
  }
  return best?.name;
}

/** `; did you mean X?` when a known name is close to `word`, else nothing, to append to a problem. */
export function didYouMean(word: string, known: Iterable<string>): string {
  return meantHint(closestName(word, known));
}

/** `; did you mean X?` for the name a user probably meant, else nothing: the one wording of the hint. */
export function meantHint(name: string | undefined): string {
  return name === undefined ? '' : `; did you mean ${name}?`;
}

/** The optimal string alignment distance (Damerau–Levenshtein with no edit of a swapped pair). */
export function editDistance(a: string, b: string): number {
  // Three rows are enough: a swap looks two rows back.
  let before: number[] = [];
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(previous[j]! + 1, current[j - 1]! + 1, previous[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) distance = Math.min(distance, before[j - 2]! + 1);
      current.push(distance);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length]!;
}
