// Pure syslog message parser: RFC 5424, else RFC 3164 (BSD), into named fields plus where the MSG part starts.

/** Facility names by code (0-23), as syslog-ng and rsyslog spell them. */
export const FACILITIES = [
  'kern', 'user', 'mail', 'daemon', 'auth', 'syslog', 'lpr', 'news', 'uucp', 'cron', 'authpriv', 'ftp',
  'ntp', 'security', 'console', 'solaris-cron', 'local0', 'local1', 'local2', 'local3', 'local4', 'local5', 'local6', 'local7',
] as const;

/** Severity names by code (0 = most severe). */
export const SEVERITIES = ['emerg', 'alert', 'crit', 'err', 'warning', 'notice', 'info', 'debug'] as const;

/** A severity name. */
export type SeverityName = (typeof SEVERITIES)[number];

/** Other spellings accepted where a severity is asked for (`tail --severity`). */
const SEVERITY_ALIASES: Record<string, SeverityName> = { panic: 'emerg', emergency: 'emerg', critical: 'crit', error: 'err', warn: 'warning', informational: 'info' };

/** The code (0-7) of a severity name or alias, or -1 when it is none. */
export function severityCode(name: string): number {
  const n = name.toLowerCase();
  return SEVERITIES.indexOf((SEVERITY_ALIASES[n] ?? n) as SeverityName);
}

/** Structured data: SD-ID → PARAM-NAME → value (an array when the name repeats, as RFC 5424 allows). */
export type StructuredData = Record<string, Record<string, string | string[]>>;

/** The fields of a syslog header. Absent ones (`-` in RFC 5424, missing in RFC 3164) are left out. */
export interface SyslogFields {
  facility: string;
  severity: SeverityName;
  /** RFC 5424: the RFC 3339 TIMESTAMP as sent. RFC 3164: `Mmm dd hh:mm:ss` as sent (it has no year or zone). */
  time?: string;
  host?: string;
  app?: string;
  procid?: string;
  msgid?: string;
  sd?: StructuredData;
}

/** A parsed message: its fields, and the offset of the MSG part in the input (after a UTF-8 BOM, if any). */
export interface ParsedSyslog {
  fields: SyslogFields;
  msgStart: number;
}

const SP = 0x20;
const MONTHS = 'JanFebMarAprMayJunJulAugSepOctNovDec';
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;
const BSD_TIME = /^[A-Z][a-z]{2} [ 0-3]\d \d{2}:\d{2}:\d{2} /;
/** RFC 3164 TAG (here: up to 48 chars, as RFC 5424's APP-NAME), an optional `[pid]`, then `:`. */
const BSD_TAG = /^([^\s[\]:]{1,48})(?:\[([^\s\]]{1,128})\])?:/;
/** Bytes decoded for the header at first; a header that runs past them is parsed again over the whole message. */
const HEAD_BYTES = 1024;

/**
 * Parses one syslog message (without framing). Tries RFC 5424 first, then RFC 3164. Returns null when the
 * input does not start with a valid PRI (`<0>` to `<191>`): it is not syslog. A valid PRI followed by no
 * recognisable RFC 3164 header still parses, with only facility and severity, and MSG after the PRI.
 */
export function parseSyslog(bytes: Uint8Array): ParsedSyslog | null {
  if (bytes.length < 3 || bytes[0] !== 0x3c) return null;
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  // One latin1 decode (a byte per char, so string indices are byte offsets) instead of one per field.
  let text = buf.toString('latin1', 0, Math.min(buf.length, HEAD_BYTES));
  const pri = parsePri(text);
  if (pri === null) return null;
  const fields: SyslogFields = { facility: FACILITIES[pri.value >> 3]!, severity: SEVERITIES[pri.value & 7]! };
  let at5424 = parse5424(text, buf, pri.end, fields);
  if (at5424 === OUT_OF_TEXT) {
    text = buf.toString('latin1');
    at5424 = parse5424(text, buf, pri.end, fields);
  }
  if (at5424 >= 0) return { fields, msgStart: skipBom(buf, at5424) };
  return { fields, msgStart: parse3164(text, pri.end, fields) };
}

/** Longest TIMESTAMP, HOSTNAME, APP-NAME, PROCID and MSGID (RFC 5424 §6). */
const TOKEN_MAX = [64, 255, 48, 128, 32] as const;
/** Where VERSION and the five header tokens end, reused by every parse. */
const ENDS = new Int32Array(6);

/** parse5424 ran into the end of a shortened header text: try again over the whole message. */
const OUT_OF_TEXT = -2;

function parsePri(text: string): { value: number; end: number } | null {
  let value = 0;
  let i = 1;
  for (; i < text.length && i <= 4; i++) {
    const b = text.charCodeAt(i);
    if (b === 0x3e) break;
    if (b < 0x30 || b > 0x39) return null;
    value = value * 10 + (b - 0x30);
  }
  if (i === 1 || i > 4 || text.charCodeAt(i) !== 0x3e || value > 191) return null;
  return { value, end: i + 1 };
}

/** Where the SP-terminated token from `at` ends (printable ASCII, 1 to `max` chars); -1 when there is none. */
function tokenEnd(text: string, at: number, max: number): number {
  let i = at;
  const n = text.length;
  while (i < n) {
    const b = text.charCodeAt(i);
    if (b === SP) break;
    if (b < 33 || b > 126) return -1;
    i++;
  }
  if (i === at || i - at > max || i >= n) return -1;
  return i;
}

/** A 5424 field: undefined for the nil value `-`. */
function field(text: string, from: number, to: number): string | undefined {
  return to - from === 1 && text.charCodeAt(from) === 0x2d ? undefined : text.slice(from, to);
}

/**
 * RFC 5424 from after the PRI: fills `fields` and returns where MSG starts, -1 when it is not RFC 5424, or
 * OUT_OF_TEXT when `text` (a prefix of the message) ended first.
 */
function parse5424(text: string, buf: Buffer, at: number, fields: SyslogFields): number {
  const short = text.length < buf.length;
  const v = tokenEnd(text, at, 3);
  if (v < 0) return short && text.length - at < 4 ? OUT_OF_TEXT : -1;
  const c0 = text.charCodeAt(at);
  if (c0 < 0x31 || c0 > 0x39) return -1;
  for (let i = at + 1; i < v; i++) if (text.charCodeAt(i) < 0x30 || text.charCodeAt(i) > 0x39) return -1;
  // A scratch array (the parser is synchronous), not two arrays per message.
  const ends = ENDS;
  ends[0] = v;
  for (let k = 0; k < 5; k++) {
    const e = tokenEnd(text, ends[k]! + 1, TOKEN_MAX[k]!);
    if (e < 0) return short ? OUT_OF_TEXT : -1;
    ends[k + 1] = e;
  }
  const time = field(text, v + 1, ends[1]!);
  if (time !== undefined && !RFC3339.test(time)) return -1;
  const sd = parseSd(text, buf, ends[5]! + 1);
  if (sd === null) return short ? OUT_OF_TEXT : -1;
  if (sd.end < text.length && text.charCodeAt(sd.end) !== SP) return -1;
  if (sd.end >= text.length && short) return OUT_OF_TEXT;
  if (time !== undefined) fields.time = time;
  const host = field(text, ends[1]! + 1, ends[2]!);
  if (host !== undefined) fields.host = host;
  const app = field(text, ends[2]! + 1, ends[3]!);
  if (app !== undefined) fields.app = app;
  const procid = field(text, ends[3]! + 1, ends[4]!);
  if (procid !== undefined) fields.procid = procid;
  const msgid = field(text, ends[4]! + 1, ends[5]!);
  if (msgid !== undefined) fields.msgid = msgid;
  if (sd.data !== null) fields.sd = sd.data;
  return sd.end < text.length ? sd.end + 1 : text.length;
}

/** Sets `obj[key]`, also for the key `__proto__` (as an own property, never the prototype). */
function put<T>(obj: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__') Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  else obj[key] = value;
}

/** STRUCTURED-DATA: `-` or one or more `[SD-ID *(SP NAME="VALUE")]`; values unescape `\"`, `\\` and `\]`. */
function parseSd(text: string, buf: Buffer, at: number): { data: StructuredData | null; end: number } | null {
  const c = text.charCodeAt(at);
  if (c === 0x2d) return { data: null, end: at + 1 };
  if (c !== 0x5b) return null;
  const data: StructuredData = {};
  let i = at;
  while (text.charCodeAt(i) === 0x5b) {
    const idEnd = sdNameEnd(text, i + 1);
    if (idEnd < 0) return null;
    const id = text.slice(i + 1, idEnd);
    if (Object.hasOwn(data, id)) return null;
    const params: Record<string, string | string[]> = {};
    i = idEnd;
    while (text.charCodeAt(i) === SP) {
      const nameEnd = sdNameEnd(text, i + 1);
      if (nameEnd < 0 || text.charCodeAt(nameEnd) !== 0x3d || text.charCodeAt(nameEnd + 1) !== 0x22) return null;
      const name = text.slice(i + 1, nameEnd);
      const valueEnd = sdValueEnd(text, nameEnd + 2);
      if (valueEnd < 0) return null;
      const value = sdValue(text, buf, nameEnd + 2, valueEnd, sdValueFlags);
      const prev = Object.hasOwn(params, name) ? params[name] : undefined;
      put(params, name, prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value]);
      i = valueEnd + 1;
    }
    if (text.charCodeAt(i) !== 0x5d) return null;
    put(data, id, params);
    i++;
  }
  return { data, end: i };
}

/** End of an SD-NAME from `at`: 1-32 printable ASCII except `=`, SP, `]` and `"`; -1 when there is none. */
function sdNameEnd(text: string, at: number): number {
  let i = at;
  for (; i < text.length; i++) {
    const b = text.charCodeAt(i);
    if (b < 33 || b > 126 || b === 0x3d || b === 0x5d || b === 0x22) break;
  }
  return i === at || i - at > 32 ? -1 : i;
}

/** What sdValueEnd saw in the value it scanned: NON_ASCII and ESCAPED bits (the parser is synchronous). */
let sdValueFlags = 0;
const NON_ASCII = 1;
const ESCAPED = 2;

/**
 * Index of the closing quote of a PARAM-VALUE starting at `at` (after its opening quote), or -1; notes in
 * `sdValueFlags` whether the value holds bytes >= 0x80 or backslashes, so sdValue needs no second pass.
 */
function sdValueEnd(text: string, at: number): number {
  let flags = 0;
  for (let i = at; i < text.length; i++) {
    const b = text.charCodeAt(i);
    if (b === 0x22) {
      sdValueFlags = flags;
      return i;
    }
    if (b >= 0x80) flags |= NON_ASCII;
    else if (b === 0x5c) {
      flags |= ESCAPED;
      // The escaped character: a quote does not end the value, and a high byte is still one.
      if (++i < text.length && text.charCodeAt(i) >= 0x80) flags |= NON_ASCII;
    }
  }
  return -1;
}

/** A PARAM-VALUE, decoded as UTF-8, with `\"`, `\\` and `\]` unescaped (a backslash before anything else stays). */
function sdValue(text: string, buf: Buffer, from: number, to: number, flags: number): string {
  const value = (flags & NON_ASCII) === 0 ? text.slice(from, to) : buf.toString('utf8', from, to);
  return (flags & ESCAPED) !== 0 ? value.replace(/\\(["\\\]])/g, '$1') : value;
}

/** RFC 3164 from after the PRI: fills `fields` and returns where MSG (the CONTENT, after a TAG) starts. */
function parse3164(text: string, at: number, fields: SyslogFields): number {
  let time: string | null = null;
  const head = text.slice(at, at + 16);
  if (BSD_TIME.test(head) && MONTHS.includes(head.slice(0, 3)) && MONTHS.indexOf(head.slice(0, 3)) % 3 === 0) time = head.slice(0, 15);
  else {
    const e = tokenEnd(text, at, 64);
    if (e > 0 && RFC3339.test(text.slice(at, e))) time = text.slice(at, e);
  }
  // No TIMESTAMP: RFC 3164 §4.3.3 takes everything after the PRI as the message.
  if (time === null) return at;
  fields.time = time;
  let p = at + time.length + 1;
  const e = tokenEnd(text, p, 255);
  // A word ending in ':' or holding '[' is a TAG: the HOSTNAME was left out (as local senders do).
  if (e > 0 && text.charCodeAt(e - 1) !== 0x3a && text.lastIndexOf('[', e) < p) {
    fields.host = text.slice(p, e);
    p = e + 1;
  }
  const tag = BSD_TAG.exec(text.slice(p, p + 200));
  if (tag === null) return p;
  fields.app = tag[1]!;
  if (tag[2] !== undefined) fields.procid = tag[2];
  p += tag[0].length;
  return text.charCodeAt(p) === SP ? p + 1 : p;
}

function skipBom(buf: Buffer, at: number): number {
  return buf[at] === 0xef && buf[at + 1] === 0xbb && buf[at + 2] === 0xbf ? at + 3 : at;
}
