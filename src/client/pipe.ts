// Pipe mode of muxd send: stream lines from a readable (stdin, a file) through a windowed sender, then report.
import type { Readable, Writable } from 'node:stream';
import type { Socket } from 'node:net';
import { ErrorCode, IoError } from '../errors.js';
import { LineDecoder } from '../protocol/line-decoder.js';
import { WindowedSender } from './client.js';
import type { SendSummary, SenderOptions } from './client.js';
import { formatReply } from './reply-parser.js';
import type { Reply } from './reply-parser.js';

/** Options for {@link sendLines}. */
export interface PipeOptions extends SenderOptions {
  /** Input lines longer than this are not sent and count as failed with ERR_MESSAGE_TOO_LONG. Default 1 MiB. */
  maxLineBytes?: number;
  /** Print every reply line here (`--print-acks`); a full buffer there pauses sending. */
  printTo?: Writable;
}

/** Default cap on one input line held by the client. */
export const DEFAULT_CLIENT_MAX_LINE = 1_048_576;

/**
 * Sends every non-empty line of `input` (CR before LF stripped, a last line without LF included),
 * keeping at most `window` unanswered, then waits for every reply. Empty lines are skipped because
 * the server would not answer them. Stops reading input as soon as the connection is lost.
 */
export async function sendLines(input: Readable, socket: Socket, options: PipeOptions = {}): Promise<SendSummary> {
  let printBlocked: Promise<void> | null = null;
  const printTo = options.printTo;
  const onReply = printTo
    ? (reply: Reply, latencyMs: number): void => {
        options.onReply?.(reply, latencyMs);
        if (!printTo.write(`${formatReply(reply)}\n`) && !printBlocked) {
          printBlocked = new Promise((resolve) => {
            const done = (): void => {
              printTo.removeListener('drain', done);
              printTo.removeListener('close', done);
              printBlocked = null;
              resolve();
            };
            printTo.once('drain', done);
            printTo.once('close', done);
          });
        }
      }
    : options.onReply;
  const sender = new WindowedSender(socket, { ...options, ...(onReply ? { onReply } : {}) });
  const decoder = new LineDecoder(options.maxLineBytes ?? DEFAULT_CLIENT_MAX_LINE);
  let tooLong = 0;
  const lines: Buffer[] = [];
  const sink = { line: (b: Buffer) => void lines.push(b), tooLong: () => void tooLong++ };

  const drainLines = async (): Promise<boolean> => {
    for (const line of lines) {
      if (printBlocked) await printBlocked;
      if (!sender.writable && !(await sender.waitWritable())) return false;
      sender.send(line);
    }
    lines.length = 0;
    return true;
  };

  // A connection lost while we wait for input (`tail -F log | muxd send`) must not wait for the next line.
  let inputEnded = false;
  let inputCut = false;
  const socketOnClose = (): void => {
    if (inputEnded) return;
    inputCut = true;
    input.destroy();
  };
  socket.once('close', socketOnClose);
  let alive = true;
  try {
    for await (const chunk of input) {
      decoder.push(chunk as Buffer, sink);
      if (!(await drainLines())) {
        alive = false;
        break;
      }
    }
  } catch (err) {
    if (!sender.stopped) {
      // The input failed (EISDIR, EIO): nothing more will come, and the connection must not keep the process alive.
      const code = (err as NodeJS.ErrnoException).code ?? 'error';
      const ioError = new IoError(`cannot read the input: ${code}`, { cause: err });
      sender.abort(ioError);
      throw ioError;
    }
    alive = false;
  }
  inputEnded = true;
  socket.removeListener('close', socketOnClose);
  if (alive && !sender.stopped) {
    const rest = decoder.end(sink);
    if (rest) lines.push(rest);
    await drainLines();
  }
  const summary = await sender.finish();
  if (!alive || inputCut) summary.inputLeft = true;
  if (tooLong > 0) {
    summary.failed += tooLong;
    summary.sent += tooLong;
    summary.errors[ErrorCode.MESSAGE_TOO_LONG] = (summary.errors[ErrorCode.MESSAGE_TOO_LONG] ?? 0) + tooLong;
  }
  return summary;
}

/** True when every message got `ok` and nothing stopped the sender. */
export function allAcknowledged(summary: SendSummary): boolean {
  return summary.stoppedBy === null && summary.failed === 0 && summary.unanswered === 0;
}

/** One summary line: `sent N, ok N, failed N (ERR_X N), unanswered N`. */
export function formatSummary(summary: SendSummary): string {
  const codes = Object.entries(summary.errors)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([code, n]) => `${code} ${n}`)
    .join(', ');
  const left = summary.inputLeft ? '; stopped before the end of the input' : '';
  if (!summary.acks) return `sent ${summary.sent} without acknowledgements (--no-ack)${left}`;
  return `sent ${summary.sent}, ok ${summary.ok}, failed ${summary.failed}${codes ? ` (${codes})` : ''}, unanswered ${summary.unanswered}${left}`;
}
