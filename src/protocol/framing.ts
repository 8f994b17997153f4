// Pure per-connection framing choice: LF lines (or syslog's LF/NUL trailers) or RFC 6587 octet counting, fixed by a flag or detected from the first bytes.
import { Delimiters, LineDecoder } from './line-decoder.js';
import type { DelimitersValue } from './line-decoder.js';
import { OctetDecoder } from './octet-decoder.js';
import type { FrameSink } from './octet-decoder.js';

/** The `--framing` values. */
export const Framing = { AUTO: 'auto', LF: 'lf', OCTET: 'octet' } as const;
/** `auto`, `lf` or `octet`. */
export type FramingValue = (typeof Framing)[keyof typeof Framing];

/**
 * The one stream-decoder interface: a byte-stream framing decoder, as the collector's LineSource drives it.
 * `push` returns how many bytes it consumed: it stops early when the sink returns false, and the rest of the chunk
 * is fed again later. LineDecoder, OctetDecoder and {@link AutoFrameDecoder} are three; a RELP session is another.
 */
export interface FrameDecoder {
  push(chunk: Buffer, sink: FrameSink): number;
  /** End of input: the bytes of an unfinished frame (journaled as partial), or null. */
  end(sink: FrameSink): Buffer | null;
}

/** Longest prefix that can still be undecided: nine digits, a space, then the `<`. */
const MAX_PREFIX = 11;

/**
 * What the first bytes say, per RFC 6587 detection as syslog-ng's `transport(auto)` and rsyslog's imtcp
 * do it: `^[1-9][0-9]{0,8} <` means octet counting, anything else LF lines. Requiring the `<` keeps plain
 * lines that start with digits intact. Returns null while `prefix` is too short to tell.
 */
export function detectFraming(prefix: Uint8Array): 'lf' | 'octet' | null {
  const n = prefix.length;
  if (n === 0) return null;
  const first = prefix[0]!;
  if (first < 0x31 || first > 0x39) return Framing.LF;
  let i = 1;
  while (i < n && i < 10 && prefix[i]! >= 0x30 && prefix[i]! <= 0x39) i++;
  if (i === 10) return Framing.LF;
  if (i === n) return null;
  if (prefix[i] !== 0x20) return Framing.LF;
  if (i + 1 === n) return null;
  return prefix[i + 1] === 0x3c ? Framing.OCTET : Framing.LF;
}

/**
 * Decides the framing from a connection's first bytes, then hands everything (those bytes included) to the
 * chosen decoder. Until then it holds at most {@link MAX_PREFIX} bytes, copied.
 */
export class AutoFrameDecoder implements FrameDecoder {
  private inner: FrameDecoder | null = null;
  /** Bytes from earlier chunks that the decision waited for; fed to the inner decoder first. */
  private pending: Buffer = Buffer.alloc(0);

  /**
   * @param delimiters what ends a message when the stream is not octet-counted (`syslog` adds NUL trailers)
   * @param onDecide told once, when the first bytes have chosen the framing
   */
  constructor(
    readonly maxMessageBytes: number,
    private readonly delimiters: DelimitersValue = Delimiters.LF,
    private readonly onDecide?: (framing: 'lf' | 'octet') => void,
  ) {}

  private decide(kind: 'lf' | 'octet'): FrameDecoder {
    const inner = kind === Framing.OCTET ? new OctetDecoder(this.maxMessageBytes) : new LineDecoder(this.maxMessageBytes, this.delimiters);
    this.inner = inner;
    this.onDecide?.(kind);
    return inner;
  }

  /** The framing chosen, or null while undecided. */
  get framing(): 'lf' | 'octet' | null {
    if (this.inner === null) return null;
    return this.inner instanceof OctetDecoder ? Framing.OCTET : Framing.LF;
  }

  /** {@inheritDoc FrameDecoder.push} */
  push(chunk: Buffer, sink: FrameSink): number {
    let inner = this.inner;
    if (inner === null) {
      const look = this.pending.length === 0 ? chunk : Buffer.concat([this.pending, chunk.subarray(0, MAX_PREFIX)]);
      const kind = detectFraming(look.subarray(0, MAX_PREFIX));
      if (kind === null) {
        this.pending = Buffer.from(look);
        return chunk.length;
      }
      inner = this.decide(kind);
    }
    if (this.pending.length > 0) {
      // Our own copy: spans into it may be kept.
      const used = inner.push(this.pending, sink);
      this.pending = this.pending.subarray(used);
      if (this.pending.length > 0) return 0;
    }
    return inner.push(chunk, sink);
  }

  /** {@inheritDoc FrameDecoder.end} */
  end(sink: FrameSink): Buffer | null {
    let inner = this.inner;
    if (inner === null) {
      // Too short to tell (a few digits, say): it is the start of a line.
      if (this.pending.length === 0) return null;
      inner = this.decide(Framing.LF);
    }
    if (this.pending.length > 0) {
      const pending = this.pending;
      this.pending = Buffer.alloc(0);
      inner.push(pending, sink);
    }
    return inner.end(sink);
  }
}

/**
 * The decoder for one connection under `--framing`; `onDecide` hears the framing once it is known (at once
 * unless `auto`). `delimiters` says what ends a message that is not octet-counted.
 */
export function createFrameDecoder(
  framing: FramingValue,
  maxMessageBytes: number,
  delimiters: DelimitersValue = Delimiters.LF,
  onDecide?: (framing: 'lf' | 'octet') => void,
): FrameDecoder {
  if (framing === Framing.AUTO) return new AutoFrameDecoder(maxMessageBytes, delimiters, onDecide);
  onDecide?.(framing);
  return framing === Framing.OCTET ? new OctetDecoder(maxMessageBytes) : new LineDecoder(maxMessageBytes, delimiters);
}
