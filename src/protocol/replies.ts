// Collector reply lines: `ok <seq>` once a message is durable, `error <CODE> <short reason>` otherwise (docs/protocol.md).
import { ProtocolError } from '../errors.js';

/** One parsed reply. */
export type Reply = { seq: number } | { code: string; message: string };

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

/** Parses one reply line (without its LF). Throws ProtocolError for anything else. */
export function parseReply(line: string): Reply {
  if (line.startsWith('ok ')) {
    const rest = line.slice(3);
    if (/^[1-9]\d*$/.test(rest)) {
      const seq = Number(rest);
      if (Number.isSafeInteger(seq)) return { seq };
    }
  } else if (line.startsWith('error ')) {
    const m = /^error (ERR_[A-Z_]+)(?: (.*))?$/.exec(line);
    if (m) return { code: m[1]!, message: m[2] ?? '' };
  }
  throw new ProtocolError(`unexpected reply line ${JSON.stringify(line.slice(0, 80))}`);
}
