// Collector reply lines: `ok <seq>` once a message is durable, `error <CODE> <short reason>` otherwise (docs/protocol.md).
import { ProtocolError } from '../errors.js';

/** `ok <seq>\n`. */
export function okLine(seq: number): string {
  return `ok ${seq}\n`;
}

/** `error <CODE> <reason>\n`; the reason is flattened to one line and capped at 200 characters. */
export function errorLine(code: string, reason: string): string {
  const flat = reason.replace(/[\r\n]+/g, ' ').slice(0, 200);
  return `error ${code} ${flat}\n`;
}

/** `ok a\nok a+1\n…` for `count` consecutive sequence numbers. */
export function okLines(first: number, count: number): string {
  let s = '';
  for (let i = 0; i < count; i++) s += `ok ${first + i}\n`;
  return s;
}

/** The two kinds of reply a collector sends. */
export const ReplyKind = { OK: 'ok', ERROR: 'error' } as const;

/** One parsed reply line. */
export type Reply = { kind: typeof ReplyKind.OK; seq: number } | { kind: typeof ReplyKind.ERROR; code: string; reason: string };

const O = 0x6f;
const K = 0x6b;
const SPACE = 0x20;
const ZERO = 0x30;
const CODE_RE = /^ERR_[A-Z0-9_]+$/;

/**
 * Parses one reply line (without its LF). `ok` lines take a fast path over the bytes because
 * a benchmark parses hundreds of thousands of them. Throws ProtocolError for anything else,
 * including seq 0 and leading zeros (seqs start at 1).
 */
export function parseReply(line: Buffer): Reply {
  const n = line.length;
  if (n >= 4 && line[0] === O && line[1] === K && line[2] === SPACE) {
    if (n - 3 > 16) throw new ProtocolError('sequence number too long');
    if (line[3] === ZERO) throw new ProtocolError('malformed ok reply');
    let seq = 0;
    for (let i = 3; i < n; i++) {
      const d = (line[i] as number) - ZERO;
      if (d < 0 || d > 9) throw new ProtocolError('malformed ok reply');
      seq = seq * 10 + d;
    }
    if (!Number.isSafeInteger(seq)) throw new ProtocolError('sequence number too large');
    return { kind: ReplyKind.OK, seq };
  }
  const text = line.toString('utf8');
  if (text.startsWith('error ')) {
    const rest = text.slice(6);
    const sp = rest.indexOf(' ');
    const code = sp === -1 ? rest : rest.slice(0, sp);
    if (!CODE_RE.test(code)) throw new ProtocolError('malformed error code in reply');
    return { kind: ReplyKind.ERROR, code, reason: sp === -1 ? '' : rest.slice(sp + 1) };
  }
  throw new ProtocolError('unexpected reply line');
}

/** Renders a reply back to its wire text (for printing). */
export function formatReply(reply: Reply): string {
  if (reply.kind === ReplyKind.OK) return `ok ${reply.seq}`;
  return reply.reason ? `error ${reply.code} ${reply.reason}` : `error ${reply.code}`;
}
