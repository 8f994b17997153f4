// The one ingest path for byte streams: decoder → queue under caps (checked per line) → ordered replies, with pause reasons and held input.
import { ErrorCode, MessageTooLongError } from '../errors.js';
import { LineDecoder } from '../protocol/line-decoder.js';
import type { FrameDecoder } from '../protocol/framing.js';
import type { FrameSink } from '../protocol/octet-decoder.js';
import { ReplyEncoder } from '../protocol/replies.js';
import type { Ingest } from './ingest.js';
import { countRefused } from './input-counters.js';
import type { InputCounters } from './input-counters.js';
import type { Source, SourceHandler } from './source.js';

/** Why reading is paused; reading resumes only when no reason is left (and no held input waits). */
const Pause = { CAPS: 1, WRITE: 2, STOP: 4 } as const;

/** Reasons that also hold back decoding the input already read (STOP does not: what was read is journaled). */
const HOLD = Pause.CAPS | Pause.WRITE;

/** The transport under a LineSource: a stream connection (muxd port, syslog port, RELP) or the terminal. */
export interface LineInput {
  /** Stop delivering chunks. */
  pause(): void;
  /** Deliver chunks again. */
  resume(): void;
  /** Sends reply bytes; false asks to wait: the transport calls `LineSource.writable()` on its next 'drain'. */
  write(replies: Buffer): boolean;
  /** Everything decoded so far is answered (or journaled, with acks off) and no input is held back. */
  settled(): void;
  /**
   * The framing broke (ERR_BAD_FRAME, already counted and, with acks on, queued among the answers): stop reading
   * and close once what was read is journaled and answered.
   */
  abort?(reason: string): void;
}

/** Per-source settings taken from the collector options. */
export interface LineSourceOptions {
  /** `--max-message`: longer lines are answered ERR_MESSAGE_TOO_LONG. */
  maxMessage: number;
  /** Send `ok`/`error` replies. */
  ack: boolean;
  /** How answers are put on the wire; default the line protocol's `ok <seq>` / `error <CODE> …` (RELP brings its own). */
  replies?: ReplyWriter;
  /** The input's counters this source adds to (messages, bytes, refusals); none: not counted per input. */
  counters?: InputCounters;
}

/** Encodes a source's answers; `take()` hands out the bytes of one settled batch. ReplyEncoder is one. */
export interface ReplyWriter {
  /** `count` messages are stored, with the consecutive seqs from `first`. */
  ok(first: number, count: number): void;
  /** `count` messages (or one queued refusal) are not stored. */
  error(code: string, reason: string, count: number): void;
  /** Bytes encoded and not taken yet. */
  readonly length: number;
  take(): Buffer;
}

/**
 * Turns a byte stream into queued messages. The caps are checked after every line: when one is reached,
 * decoding stops mid-chunk, the input is paused, and the unread rest of the chunk is held (a view, not a
 * copy) until the caps ease. Replies of one settled batch go out in one write.
 */
export class LineSource implements FrameSink, SourceHandler {
  private readonly source: Source;
  private readonly replies: ReplyWriter;
  private readonly tooLongReason: string;
  private mask = 0;
  private inputPaused = false;
  /** The unconsumed bytes of the last chunk, decoded first once the caps allow. */
  private held: Buffer | null = null;
  /** End of input (end, close or stop): the partial line is journaled once nothing is held. */
  private inputDone = false;
  private gone = false;
  /** Set by the decoder's `badFrame`: handled once the decoder has returned. */
  private badFrameReason: string | null = null;
  private readonly counters: InputCounters | null;

  constructor(
    private readonly batcher: Ingest,
    readonly src: string,
    private readonly input: LineInput,
    opts: LineSourceOptions,
    private readonly decoder: FrameDecoder = new LineDecoder(opts.maxMessage),
  ) {
    this.replies = opts.replies ?? new ReplyEncoder();
    this.counters = opts.counters ?? null;
    this.source = batcher.createSource(src, this, opts.ack);
    this.tooLongReason = new MessageTooLongError(opts.maxMessage).message;
  }

  /** True while answers are sent. */
  get acking(): boolean {
    return this.source.ack;
  }

  /** From now on nothing is answered: see {@link Source.silence}. */
  silence(): void {
    this.source.silence();
  }

  /** True while replies are owed, input is held back, or reading is paused. */
  get busy(): boolean {
    return this.source.outstanding > 0 || this.held !== null || this.mask !== 0;
  }

  /** Feeds one chunk read from the input. */
  data(chunk: Buffer): void {
    if (this.held !== null) {
      // Only a transport that ignores pause() gets here; keep the order.
      this.held = Buffer.concat([this.held, chunk]);
      return;
    }
    this.decode(chunk);
    this.sync();
  }

  /** The peer ended its input: a cut-off line is journaled as partial once everything before it is. */
  end(): void {
    this.inputDone = true;
    this.pump();
  }

  /** The peer is gone: replies are dropped, but every line it sent is still journaled. */
  close(): void {
    this.gone = true;
    this.inputDone = true;
    this.source.close();
    this.mask &= ~Pause.WRITE;
    this.pump();
  }

  /** Shutdown: stop reading; what was read is journaled (a cut-off line as partial) and answered. */
  stop(): void {
    this.pause(Pause.STOP);
    this.inputDone = true;
    this.pump();
  }

  /** The transport's 'drain': replies can be written again. */
  writable(): void {
    this.unpause(Pause.WRITE);
  }

  /** {@inheritDoc FrameSink.line} */
  line(bytes: Buffer): boolean {
    if (this.counters !== null) {
      this.counters.messages++;
      this.counters.bytes += bytes.length;
    }
    return this.source.push(bytes);
  }

  /** {@inheritDoc FrameSink.span} */
  span(buf: Buffer, start: number, end: number): boolean {
    if (this.counters !== null) {
      this.counters.messages++;
      this.counters.bytes += end - start;
    }
    return this.source.pushSpan(buf, start, end);
  }

  /** {@inheritDoc FrameSink.tooLong} */
  tooLong(_length: number): boolean {
    if (this.counters !== null) countRefused(this.counters, ErrorCode.MESSAGE_TOO_LONG);
    return this.source.refuse(ErrorCode.MESSAGE_TOO_LONG, this.tooLongReason);
  }

  /** {@inheritDoc FrameSink.badFrame} */
  badFrame(reason: string): boolean {
    this.badFrameReason = reason;
    return false;
  }

  /** {@inheritDoc SourceHandler.ok} */
  ok(first: number, count: number): void {
    this.replies.ok(first, count);
  }

  /** {@inheritDoc SourceHandler.error} */
  error(code: string, reason: string, count: number): void {
    this.replies.error(code, reason, count);
  }

  /** {@inheritDoc SourceHandler.flush} */
  flush(): void {
    if (this.replies.length === 0) return;
    const bytes = this.replies.take();
    if (this.gone) return;
    if (!this.input.write(bytes)) this.pause(Pause.WRITE);
  }

  /** {@inheritDoc SourceHandler.pause} */
  pause(reason: number = Pause.CAPS): void {
    this.mask |= reason;
    this.sync();
  }

  /** {@inheritDoc SourceHandler.resume} */
  resume(): void {
    this.unpause(Pause.CAPS);
  }

  /** {@inheritDoc SourceHandler.settled} */
  settled(): void {
    if (this.held === null) this.input.settled();
  }

  private unpause(reason: number): void {
    if ((this.mask & reason) === 0) return;
    this.mask &= ~reason;
    this.pump();
  }

  /** Decodes held input if the caps allow, journals the partial line at the end of input, resumes reading. */
  private pump(): void {
    if (this.held !== null && (this.mask & HOLD) === 0) {
      const held = this.held;
      this.held = null;
      this.decode(held);
    }
    if (this.held === null && this.inputDone) {
      const rest = this.decoder.end(this);
      if (rest !== null) {
        if (this.counters !== null) {
          this.counters.messages++;
          this.counters.bytes += rest.length;
        }
        this.source.pushPartial(rest);
      }
      this.batcher.kick();
      if (this.source.outstanding === 0) this.input.settled();
    }
    this.sync();
  }

  private decode(chunk: Buffer): void {
    const used = this.decoder.push(chunk, this);
    if (used < chunk.length) this.held = chunk.subarray(used);
    this.batcher.kick();
    if (this.badFrameReason !== null) this.broken(this.badFrameReason);
  }

  /** The framing broke: answer ERR_BAD_FRAME after the replies owed, then the transport closes. */
  private broken(reason: string): void {
    this.badFrameReason = null;
    if (this.counters !== null) countRefused(this.counters, ErrorCode.BAD_FRAME);
    this.source.refuse(ErrorCode.BAD_FRAME, reason);
    this.batcher.kick();
    this.input.abort?.(reason);
  }

  /** Pauses the input while any reason or held input is left; resumes it otherwise. */
  private sync(): void {
    const paused = this.mask !== 0 || this.held !== null;
    if (paused === this.inputPaused || this.inputDone) return;
    this.inputPaused = paused;
    if (paused) this.input.pause();
    else this.input.resume();
  }
}
