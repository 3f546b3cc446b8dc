/**
 * The one order of strings in everything spacktainers writes or hashes: by Unicode code point
 * (the order of their UTF-8 bytes). `localeCompare` follows the machine's locale (ICU reads
 * LANG/LC_ALL), so a runner set to another language would change checksums (rebuilding
 * everything) and move containers between shards.
 */
export function compareCodePoints(a: string, b: string): number {
  const length = Math.min(a.length, b.length);
  for (let i = 0; i < length; i++) {
    if (a.charCodeAt(i) === b.charCodeAt(i)) continue;
    // UTF-16 units order surrogates (U+10000 and up) before U+E000..U+FFFF; code points do not.
    return a.codePointAt(i)! - b.codePointAt(i)!;
  }
  return a.length - b.length;
}

/** Compare by several string keys in turn, each by code point. */
export function byKeys<T>(...keys: ((item: T) => string)[]): (a: T, b: T) => number {
  return (a, b) => {
    for (const key of keys) {
      const order = compareCodePoints(key(a), key(b));
      if (order !== 0) return order;
    }
    return 0;
  };
}
