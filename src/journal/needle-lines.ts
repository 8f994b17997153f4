// Pure: the lines of a buffer that contain one of some byte needles, found by native indexOf over the whole buffer, not line by line.

const LF = 0x0a;

/**
 * The lines of `data[start, end)` (complete lines: `start` is a line start, `data[end - 1]` an LF) that contain at
 * least one of `needles` (none may contain an LF), as `[lineStart, lineEnd)` pairs without the LF, in ascending
 * order or, with `desc`, descending. With `needles` null every line is yielded. The search runs over the buffer
 * with `indexOf` (forwards in both orders: newest first, the region's hits are gathered, then yielded in reverse), so
 * lines without a hit cost no JavaScript at all and a rare needle is found at memchr speed.
 */
export function* needleLines(data: Buffer, start: number, end: number, needles: readonly Buffer[] | null, desc: boolean): Generator<[number, number]> {
  if (end <= start) return;
  if (needles === null) {
    if (desc) {
      for (let le = end - 1; le >= start; ) {
        const prev = le > start ? data.lastIndexOf(LF, le - 1) : start - 1;
        const ls = Math.max(prev + 1, start);
        yield [ls, le];
        le = ls - 1;
      }
    } else {
      for (let ls = start; ls < end; ) {
        const le = data.indexOf(LF, ls);
        if (le < 0 || le >= end) return;
        yield [ls, le];
        ls = le + 1;
      }
    }
    return;
  }
  if (desc) {
    // Backwards, `lastIndexOf` has no memchr fast path (a short needle scanned at a quarter of `indexOf`'s speed):
    // the hits are found forwards and the lines yielded in reverse.
    const found = [...hitLines(data, start, end, needles)];
    for (let i = found.length - 1; i >= 0; i--) yield found[i] as [number, number];
    return;
  }
  yield* hitLines(data, start, end, needles);
}

/** The lines holding a hit of any needle, ascending, each once. */
function* hitLines(data: Buffer, start: number, end: number, needles: readonly Buffer[]): Generator<[number, number]> {
  // Per needle, the hit found by the last search: -2 not searched yet, -1 none left. The view ends at `end`, so a
  // search never runs on into bytes after the region (a reused read buffer holds stale bytes there).
  const view = data.subarray(0, end);
  const hits = needles.map(() => -2);
  for (let pos = start; pos < end; ) {
    let best = -1;
    for (let k = 0; k < needles.length; k++) {
      let h = hits[k] as number;
      if (h === -2 || (h >= 0 && h < pos)) hits[k] = h = view.indexOf(needles[k] as Buffer, pos);
      if (h >= 0 && (best < 0 || h < best)) best = h;
    }
    if (best < 0) return;
    const ls = best > start ? Math.max(view.lastIndexOf(LF, best - 1) + 1, start) : start;
    const le = view.indexOf(LF, best);
    yield [ls, le];
    pos = le + 1;
  }
}
