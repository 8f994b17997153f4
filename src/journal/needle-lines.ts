// Pure: the lines of a buffer that contain one of some byte needles, found by native indexOf over the whole buffer, not line by line.

const LF = 0x0a;

/**
 * The lines of `data[start, end)` (complete lines: `start` is a line start, `data[end - 1]` an LF) that contain at
 * least one of `needles` (none may contain an LF), as `[lineStart, lineEnd)` pairs without the LF, in ascending
 * order or, with `desc`, descending. With `needles` null every line is yielded. The search runs over the buffer
 * with `indexOf`/`lastIndexOf`, so lines without a hit cost no JavaScript at all: a rare needle is found at memchr
 * speed, and a consumer may stop early (the newest matches of a common term read only the end of a chunk).
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
  // Per needle, the hit found by the last search: -2 not searched yet, -1 none left in this direction.
  const hits = needles.map(() => -2);
  if (desc) {
    for (let pos = end - 1; pos >= start; ) {
      let best = -1;
      for (let k = 0; k < needles.length; k++) {
        let h = hits[k] as number;
        if (h === -2 || h > pos) hits[k] = h = data.lastIndexOf(needles[k] as Buffer, pos);
        if (h >= start && h > best) best = h;
      }
      if (best < start) return;
      const ls = best > start ? Math.max(data.lastIndexOf(LF, best - 1) + 1, start) : start;
      const le = data.indexOf(LF, best);
      yield [ls, le];
      // The next hit must start before this line's start (byte ls - 1 is the LF before it).
      pos = ls - 2;
    }
    return;
  }
  for (let pos = start; pos < end; ) {
    let best = -1;
    for (let k = 0; k < needles.length; k++) {
      let h = hits[k] as number;
      if (h === -2 || (h >= 0 && h < pos)) hits[k] = h = data.indexOf(needles[k] as Buffer, pos);
      if (h >= 0 && h < end && (best < 0 || h < best)) best = h;
    }
    if (best < 0) return;
    const ls = best > start ? Math.max(data.lastIndexOf(LF, best - 1) + 1, start) : start;
    const le = data.indexOf(LF, best);
    yield [ls, le];
    pos = le + 1;
  }
}
