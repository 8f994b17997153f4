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
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?(Z|[+-]\d{2}:\d{2})$/;
const BSD_TIME = /^[A-Z][a-z]{2} [ 0-3]\d \d{2}:\d{2}:\d{2}$/;
/** RFC 3164 TAG (here: up to 48 chars, as RFC 5424's APP-NAME), an optional `[pid]`, then `:`. */
const BSD_TAG = /^([^\s[\]:]{1,48})(?:\[([^\s\]]{1,128})\])?:/;

/**
 * Parses one syslog message (without framing). Tries RFC 5424 first, then RFC 3164. Returns null when the
 * input does not start with a valid PRI (`<0>` to `<191>`): it is not syslog. A valid PRI followed by no
 * recognisable RFC 3164 header still parses, with only facility and severity, and MSG after the PRI.
 */
export function parseSyslog(bytes: Uint8Array): ParsedSyslog | null {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);
  const pri = parsePri(buf);
  if (pri === null) return null;
  const fields: SyslogFields = { facility: FACILITIES[pri.value >> 3]!, severity: SEVERITIES[pri.value & 7]! };
  const at5424 = parse5424(buf, pri.end, fields);
  if (at5424 >= 0) return { fields, msgStart: skipBom(buf, at5424) };
  return { fields, msgStart: parse3164(buf, pri.end, fields) };
}

function parsePri(buf: Buffer): { value: number; end: number } | null {
  if (buf.length < 3 || buf[0] !== 0x3c) return null;
  let value = 0;
  let i = 1;
  for (; i < buf.length && i <= 4; i++) {
    const b = buf[i]!;
    if (b === 0x3e) break;
    if (b < 0x30 || b > 0x39) return null;
    value = value * 10 + (b - 0x30);
  }
  if (i === 1 || i > 4 || buf[i] !== 0x3e || value > 191) return null;
  return { value, end: i + 1 };
}

/** The next SP-terminated token from `at` (printable ASCII, at most `max` bytes), or null. */
function token(buf: Buffer, at: number, max: number): { text: string; end: number } | null {
  let i = at;
  while (i < buf.length && buf[i] !== SP) {
    const b = buf[i]!;
    if (b < 33 || b > 126) return null;
    i++;
  }
  if (i === at || i - at > max || i >= buf.length) return null;
  return { text: buf.toString('latin1', at, i), end: i + 1 };
}

/** RFC 5424 from after the PRI: fills `fields` and returns where MSG starts, or -1 when it is not RFC 5424. */
function parse5424(buf: Buffer, at: number, fields: SyslogFields): number {
  const version = token(buf, at, 3);
  if (version === null || !/^[1-9]\d{0,2}$/.test(version.text)) return -1;
  const time = token(buf, version.end, 64);
  if (time === null || (time.text !== '-' && !RFC3339.test(time.text))) return -1;
  const host = token(buf, time.end, 255);
  const app = host && token(buf, host.end, 48);
  const procid = app && token(buf, app.end, 128);
  const msgid = procid && token(buf, procid.end, 32);
  if (!msgid) return -1;
  const sd = parseSd(buf, msgid.end);
  if (sd === null) return -1;
  if (sd.end < buf.length && buf[sd.end] !== SP) return -1;
  if (time.text !== '-') fields.time = time.text;
  if (host!.text !== '-') fields.host = host!.text;
  if (app!.text !== '-') fields.app = app!.text;
  if (procid!.text !== '-') fields.procid = procid!.text;
  if (msgid.text !== '-') fields.msgid = msgid.text;
  if (sd.data !== null) fields.sd = sd.data;
  return sd.end < buf.length ? sd.end + 1 : buf.length;
}

/** STRUCTURED-DATA: `-` or one or more `[SD-ID *(SP NAME="VALUE")]`; values unescape `\"`, `\\` and `\]`. */
function parseSd(buf: Buffer, at: number): { data: StructuredData | null; end: number } | null {
  if (buf[at] === 0x2d) return { data: null, end: at + 1 };
  const data: StructuredData = Object.create(null) as StructuredData;
  let i = at;
  if (buf[i] !== 0x5b) return null;
  while (buf[i] === 0x5b) {
    const id = sdName(buf, i + 1);
    if (id === null || id.text in data) return null;
    const params: Record<string, string | string[]> = Object.create(null) as Record<string, string | string[]>;
    i = id.end;
    while (buf[i] === SP) {
      const name = sdName(buf, i + 1);
      if (name === null || buf[name.end] !== 0x3d || buf[name.end + 1] !== 0x22) return null;
      const value = sdValue(buf, name.end + 2);
      if (value === null) return null;
      const prev = params[name.text];
      params[name.text] = prev === undefined ? value.text : Array.isArray(prev) ? [...prev, value.text] : [prev, value.text];
      i = value.end;
    }
    if (buf[i] !== 0x5d) return null;
    data[id.text] = params;
    i++;
  }
  return { data, end: i };
}

/** SD-NAME: 1-32 printable ASCII except `=`, SP, `]` and `"`. */
function sdName(buf: Buffer, at: number): { text: string; end: number } | null {
  let i = at;
  for (; i < buf.length; i++) {
    const b = buf[i]!;
    if (b < 33 || b > 126 || b === 0x3d || b === 0x5d || b === 0x22) break;
  }
  if (i === at || i - at > 32) return null;
  return { text: buf.toString('latin1', at, i), end: i };
}

/** PARAM-VALUE from after its opening quote to after its closing quote (UTF-8). */
function sdValue(buf: Buffer, at: number): { text: string; end: number } | null {
  let i = at;
  let escaped = false;
  for (; i < buf.length; i++) {
    const b = buf[i]!;
    if (b === 0x22) break;
    if (b === 0x5c) {
      escaped = true;
      i++;
    }
  }
  if (i >= buf.length) return null;
  let text = buf.toString('utf8', at, i);
  // Only `\"`, `\\` and `\]` are escapes; a backslash before anything else stays (RFC 5424 §6.3.3).
  if (escaped) text = text.replace(/\\(["\\\]])/g, '$1');
  return { text, end: i + 1 };
}

/** RFC 3164 from after the PRI: fills `fields` and returns where MSG (the CONTENT, after a TAG) starts. */
function parse3164(buf: Buffer, at: number, fields: SyslogFields): number {
  const head = buf.toString('latin1', at, Math.min(buf.length, at + 48));
  let p = at;
  let time: string | null = null;
  if (BSD_TIME.test(head.slice(0, 15)) && MONTHS.includes(head.slice(0, 3)) && head.charCodeAt(15) === SP) time = head.slice(0, 15);
  else {
    const iso = token(buf, at, 64);
    if (iso !== null && RFC3339.test(iso.text)) time = iso.text;
  }
  // No TIMESTAMP: RFC 3164 §4.3.3 takes everything after the PRI as the message.
  if (time === null) return at;
  fields.time = time;
  p = at + time.length + 1;
  const word = token(buf, p, 255);
  // A word ending in ':' or holding '[' is a TAG: the HOSTNAME was left out (as local senders do).
  if (word !== null && !word.text.endsWith(':') && !word.text.includes('[')) {
    fields.host = word.text;
    p = word.end;
  }
  const tag = BSD_TAG.exec(buf.toString('latin1', p, Math.min(buf.length, p + 200)));
  if (tag === null) return p;
  fields.app = tag[1]!;
  if (tag[2] !== undefined) fields.procid = tag[2];
  p += tag[0].length;
  return buf[p] === SP ? p + 1 : p;
}

function skipBom(buf: Buffer, at: number): number {
  return buf[at] === 0xef && buf[at + 1] === 0xbb && buf[at + 2] === 0xbf ? at + 3 : at;
}
