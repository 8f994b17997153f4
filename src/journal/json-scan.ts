// Pure byte scans of the record codec's fast path: which bytes of a message can go into a JSON string as they are.

/*
 * Byte classes of the fast scan, ORed over a whole line: 0 for bytes that go into a JSON string as they are
 * (printable ASCII except `"` and `\`), ESCAPE for `"`, `\` and control characters, HIGH for bytes of multi-byte UTF-8.
 */
/** The class of `"`, `\` and control characters: the message takes the escaping path. */
export const ESCAPE = 1;
/** The class of bytes >= 0x80: copied as they are if the whole message is valid UTF-8. */
export const HIGH = 2;
const CLASS = new Uint8Array(256);
for (let b = 0; b < 0x20; b++) CLASS[b] = ESCAPE;
CLASS[0x22] = ESCAPE;
CLASS[0x5c] = ESCAPE;
for (let b = 0x80; b < 0x100; b++) CLASS[b] = HIGH;

/**
 * The fast scan: one pass over `msg` that ORs the byte classes, four bytes per step and without a branch
 * per byte. 0 means "copy as is"; HIGH alone means "copy as is if valid UTF-8"; ESCAPE means the slow path.
 */
export function scanMessage(msg: Uint8Array): number {
  const n = msg.length;
  let bad = 0;
  let i = 0;
  for (; i + 4 <= n; i += 4) bad |= CLASS[msg[i]!]! | CLASS[msg[i + 1]!]! | CLASS[msg[i + 2]!]! | CLASS[msg[i + 3]!]!;
  for (; i < n; i++) bad |= CLASS[msg[i]!]!;
  return bad;
}

/**
 * The fast scan fused with the copy: copies `src[start, end)` to `out` at `at` while ORing the byte classes, so a
 * message that needs no escaping is read once and needs no view of its own. Returns the classes, as scanMessage.
 */
export function scanCopy(src: Uint8Array, start: number, end: number, out: Uint8Array, at: number): number {
  let bad = 0;
  let i = start;
  let o = at;
  for (; i + 4 <= end; i += 4, o += 4) {
    const a = src[i]!;
    const b = src[i + 1]!;
    const c = src[i + 2]!;
    const d = src[i + 3]!;
    out[o] = a;
    out[o + 1] = b;
    out[o + 2] = c;
    out[o + 3] = d;
    bad |= CLASS[a]! | CLASS[b]! | CLASS[c]! | CLASS[d]!;
  }
  for (; i < end; i++, o++) {
    const a = src[i]!;
    out[o] = a;
    bad |= CLASS[a]!;
  }
  return bad;
}
