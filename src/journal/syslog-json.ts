// Writes a record's syslog field as JSON.stringify would, straight into the record buffer, when every string in it is plain ASCII.
import type { StructuredData, SyslogFields } from '../protocol/syslog.js';

/**
 * Room writeSyslogJson may need for the fields of a message of `messageBytes` bytes: every string it writes is
 * plain ASCII taken byte for byte from the header (anything else bails out), and the JSON around a field is at
 * most twice what separates it in the header, plus the fixed keys.
 */
export function syslogJsonBound(messageBytes: number): number {
  return 2 * messageBytes + 256;
}

/**
 * Writes `fields` to `out` at `o` (room for syslogJsonBound of the message ensured) exactly as JSON.stringify
 * would, without building the string: facility and severity from a per-pair cache, the header tokens and
 * structured data copied as they are checked. Returns the offset after it, or -1 (the bytes written are to be
 * discarded) when a string needs escaping or is not plain ASCII, or an SD name repeats: then take JSON.stringify.
 */
export function writeSyslogJson(out: Buffer, o: number, fields: SyslogFields): number {
  const head = syslogHead(fields.facility, fields.severity);
  out.set(head, o);
  o += head.length;
  // The order the parser sets them in, which is the order JSON.stringify writes them in.
  if (fields.time !== undefined) o = putToken(out, o, TIME_KEY, fields.time);
  if (o >= 0 && fields.host !== undefined) o = putToken(out, o, HOST_KEY, fields.host);
  if (o >= 0 && fields.app !== undefined) o = putToken(out, o, APP_KEY, fields.app);
  if (o >= 0 && fields.procid !== undefined) o = putToken(out, o, PROCID_KEY, fields.procid);
  if (o >= 0 && fields.msgid !== undefined) o = putToken(out, o, MSGID_KEY, fields.msgid);
  if (o >= 0 && fields.sd !== undefined) o = putSd(out, o, fields.sd);
  if (o < 0) return -1;
  out[o++] = 0x7d;
  return o;
}

const TIME_KEY = Buffer.from(',"time":"', 'latin1');
const HOST_KEY = Buffer.from(',"host":"', 'latin1');
const APP_KEY = Buffer.from(',"app":"', 'latin1');
const PROCID_KEY = Buffer.from(',"procid":"', 'latin1');
const MSGID_KEY = Buffer.from(',"msgid":"', 'latin1');

/** `,"key":"value"` for a plain value; -1 as putPlain. */
function putToken(out: Buffer, o: number, key: Buffer, v: string): number {
  out.set(key, o);
  o = putPlain(out, o + key.length, v);
  if (o < 0) return -1;
  out[o++] = 0x22;
  return o;
}

/**
 * Copies `v` to `out` at `o` if it is printable ASCII without `"` and `\\` (JSON writes it as it is); returns the
 * new offset, or -1 (having written some bytes to be discarded) when it is not.
 */
function putPlain(out: Buffer, o: number, v: string): number {
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c < 0x20 || c > 0x7e || c === 0x22 || c === 0x5c) return -1;
    out[o++] = c;
  }
  return o;
}

/**
 * `,"sd":{"ID":{"NAME":"VALUE",…},…}` for plain strings; -1 as putPlain. Keys come in the order JSON.stringify
 * takes them (Object.keys and for-in follow the same own-key order: array indexes first, then insertion order).
 */
function putSd(out: Buffer, o: number, sd: StructuredData): number {
  const ids = Object.keys(sd);
  out.set(SD_KEY, o);
  o += SD_KEY.length;
  for (let k = 0; k < ids.length; k++) {
    const id = ids[k]!;
    if (k > 0) out[o++] = 0x2c;
    o = putKey(out, o, id);
    if (o < 0) return -1;
    out[o++] = 0x7b;
    const params = sd[id]!;
    let first = true;
    for (const name in params) {
      const v = params[name]!;
      // Repeated names (arrays) are rare: JSON.stringify writes those.
      if (typeof v !== 'string') return -1;
      if (!first) out[o++] = 0x2c;
      first = false;
      o = putKey(out, o, name);
      if (o < 0) return -1;
      out[o++] = 0x22;
      o = putPlain(out, o, v);
      if (o < 0) return -1;
      out[o++] = 0x22;
    }
    out[o++] = 0x7d;
  }
  out[o++] = 0x7d;
  return o;
}

/** `"KEY":` for a plain key; -1 as putPlain. */
function putKey(out: Buffer, o: number, key: string): number {
  out[o++] = 0x22;
  o = putPlain(out, o, key);
  if (o < 0) return -1;
  out[o++] = 0x22;
  out[o++] = 0x3a;
  return o;
}

const SD_KEY = Buffer.from(',"sd":{', 'latin1');

/** `{"facility":"…","severity":"…"` per pair (24 × 8 at most), made once; the last pair is checked first. */
const SYSLOG_HEADS = new Map<string, Buffer>();
let lastFacility = '';
let lastSeverity = '';
let lastHead: Buffer = Buffer.alloc(0);
function syslogHead(facility: string, severity: string): Buffer {
  if (facility === lastFacility && severity === lastSeverity) return lastHead;
  const key = `${facility}.${severity}`;
  let head = SYSLOG_HEADS.get(key);
  if (head === undefined) {
    head = Buffer.from(JSON.stringify({ facility, severity }).slice(0, -1), 'utf8');
    if (SYSLOG_HEADS.size < 1024) SYSLOG_HEADS.set(key, head);
  }
  lastFacility = facility;
  lastSeverity = severity;
  lastHead = head;
  return head;
}
