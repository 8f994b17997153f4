// Every error muxd raises or reports, each a class with a stable code; docs/errors.md lists them all.

/** Stable error codes. Wire replies (`error <CODE> …`), HTTP error bodies and logs use these strings. */
export const ErrorCode = {
  USAGE: 'ERR_USAGE',
  INVALID_OPTION: 'ERR_INVALID_OPTION',
  MESSAGE_TOO_LONG: 'ERR_MESSAGE_TOO_LONG',
  BAD_FRAME: 'ERR_BAD_FRAME',
  IO: 'ERR_IO',
  BUSY: 'ERR_BUSY',
  IDLE_TIMEOUT: 'ERR_IDLE_TIMEOUT',
  SHUTTING_DOWN: 'ERR_SHUTTING_DOWN',
  JOURNAL_CORRUPT: 'ERR_JOURNAL_CORRUPT',
  NOT_A_JOURNAL: 'ERR_NOT_A_JOURNAL',
  BAD_PATH: 'ERR_BAD_PATH',
  NOT_FOUND: 'ERR_NOT_FOUND',
  METHOD_NOT_ALLOWED: 'ERR_METHOD_NOT_ALLOWED',
  PRECONDITION_FAILED: 'ERR_PRECONDITION_FAILED',
  RANGE_NOT_SATISFIABLE: 'ERR_RANGE_NOT_SATISFIABLE',
  REQUEST_TIMEOUT: 'ERR_REQUEST_TIMEOUT',
  HEADERS_TOO_LARGE: 'ERR_HEADERS_TOO_LARGE',
  PAYLOAD_TOO_LARGE: 'ERR_PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'ERR_UNSUPPORTED_MEDIA_TYPE',
  BAD_REQUEST: 'ERR_BAD_REQUEST',
  UNAUTHORIZED: 'ERR_UNAUTHORIZED',
  AUTH_FAILED: 'ERR_AUTH_FAILED',
  FILE_EXISTS: 'ERR_FILE_EXISTS',
  FORBIDDEN_ORIGIN: 'ERR_FORBIDDEN_ORIGIN',
  HOST_NOT_ALLOWED: 'ERR_HOST_NOT_ALLOWED',
  CONNECTION_CLOSED: 'ERR_CONNECTION_CLOSED',
  REPLY_TIMEOUT: 'ERR_REPLY_TIMEOUT',
  PROTOCOL: 'ERR_PROTOCOL',
  CONNECT_FAILED: 'ERR_CONNECT_FAILED',
  RELP_FRAME: 'ERR_RELP_FRAME',
  INTERNAL: 'ERR_INTERNAL',
  BAD_GATEWAY: 'ERR_BAD_GATEWAY',
  GATEWAY_TIMEOUT: 'ERR_GATEWAY_TIMEOUT',
  SINK_UNAVAILABLE: 'ERR_SINK_UNAVAILABLE',
  SINK_MISMATCH: 'ERR_SINK_MISMATCH',
  BAD_QUERY: 'ERR_BAD_QUERY',
  TOO_MANY_SEARCHES: 'ERR_TOO_MANY_SEARCHES',
} as const;

/** One of the stable error code strings. */
export type ErrorCodeValue = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Base class: every muxd error has a stable `code` and an optional `cause`. */
export class MuxdError extends Error {
  readonly code: ErrorCodeValue;
  constructor(code: ErrorCodeValue, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.code = code;
    this.name = new.target.name;
  }
}

/** A command line that cannot be understood (exit code 2). */
export class UsageError extends MuxdError {
  constructor(message: string) {
    super(ErrorCode.USAGE, message);
  }
}

/** A flag, environment variable or config value that is out of range or malformed (exit code 2). */
export class InvalidOptionError extends MuxdError {
  constructor(message: string) {
    super(ErrorCode.INVALID_OPTION, message);
  }
}

/** A collector message longer than `--max-message` bytes. */
export class MessageTooLongError extends MuxdError {
  constructor(limit: number) {
    super(ErrorCode.MESSAGE_TOO_LONG, `message longer than ${limit} bytes`);
  }
}

/** A write, fsync or read that failed on disk (EIO, ENOSPC, …). */
export class IoError extends MuxdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.IO, message, options);
  }
}

/** A connection refused because a limit (`--max-conns`, a memory cap) is reached. */
export class BusyError extends MuxdError {
  constructor(message = 'server busy, try again later') {
    super(ErrorCode.BUSY, message);
  }
}

/** A connection closed because it stayed idle past `--idle-timeout`. */
export class IdleTimeoutError extends MuxdError {
  constructor(seconds: number) {
    super(ErrorCode.IDLE_TIMEOUT, `idle for ${seconds}s`);
  }
}

/** A journal file whose content cannot be parsed beyond what recovery repairs. */
export class JournalCorruptError extends MuxdError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(ErrorCode.JOURNAL_CORRUPT, message, options);
  }
}

/** `--journal` names an existing file that holds no muxd records (a typo for `app.log`, say): it is left untouched. */
export class NotAJournalError extends MuxdError {
  constructor(file: string, why: string) {
    super(ErrorCode.NOT_A_JOURNAL, `${file} is not a muxd journal (${why}); refusing to touch it: name a new file with --journal`);
  }
}

/** A request path that is malformed (bad percent-encoding, NUL byte, encoded slash). HTTP 400. */
export class BadPathError extends MuxdError {
  constructor(message = 'bad request path') {
    super(ErrorCode.BAD_PATH, message);
  }
}

/** Nothing to serve at this path (also used for paths outside the root and hidden files). HTTP 404. */
export class NotFoundError extends MuxdError {
  constructor(message = 'not found') {
    super(ErrorCode.NOT_FOUND, message);
  }
}

/** HTTP method not supported by this resource. HTTP 405. */
export class MethodNotAllowedError extends MuxdError {
  constructor(readonly allow: string) {
    super(ErrorCode.METHOD_NOT_ALLOWED, 'method not allowed');
  }
}

/** Headers or body did not arrive within the request timeouts. HTTP 408. */
export class RequestTimeoutError extends MuxdError {
  constructor() {
    super(ErrorCode.REQUEST_TIMEOUT, 'request timeout');
  }
}

/** Request headers larger than `--max-header-size`. HTTP 431. */
export class HeadersTooLargeError extends MuxdError {
  constructor() {
    super(ErrorCode.HEADERS_TOO_LARGE, 'request header fields too large');
  }
}

/** A request body larger than the endpoint accepts. HTTP 413. */
export class PayloadTooLargeError extends MuxdError {
  constructor(limit: number) {
    super(ErrorCode.PAYLOAD_TOO_LARGE, `body larger than ${limit} bytes`);
  }
}

/** A request body whose media type the endpoint does not take. HTTP 415. */
export class UnsupportedMediaTypeError extends MuxdError {
  constructor(message = 'unsupported media type') {
    super(ErrorCode.UNSUPPORTED_MEDIA_TYPE, message);
  }
}

/** A request that is malformed in any other way. HTTP 400. */
export class BadRequestError extends MuxdError {
  constructor(message = 'bad request') {
    super(ErrorCode.BAD_REQUEST, message);
  }
}

/** A request without the required `--token`. HTTP 401. */
export class UnauthorizedError extends MuxdError {
  constructor() {
    super(ErrorCode.UNAUTHORIZED, 'missing or wrong token');
  }
}

/** An upload whose target exists (without `--overwrite`), or is a folder. HTTP 409. */
export class FileExistsError extends MuxdError {
  constructor(message = 'a file or folder exists at this path') {
    super(ErrorCode.FILE_EXISTS, message);
  }
}

/** A state-changing request whose `Origin` is not this server's own. HTTP 403. */
export class ForbiddenOriginError extends MuxdError {
  constructor() {
    super(ErrorCode.FORBIDDEN_ORIGIN, 'cross-origin request refused');
  }
}

/** A request whose `Host` / `:authority` is not this machine or an `--allowed-hosts` name (DNS rebinding). HTTP 403. */
export class HostNotAllowedError extends MuxdError {
  constructor() {
    super(ErrorCode.HOST_NOT_ALLOWED, 'host not allowed: start muxd with --allowed-hosts NAME to serve this name');
  }
}

/** The peer closed the connection before every reply arrived. */
export class ConnectionClosedError extends MuxdError {
  constructor(message = 'connection closed by peer', options?: { cause?: unknown }) {
    super(ErrorCode.CONNECTION_CLOSED, message, options);
  }
}

/** No reply arrived within the client's reply timeout. */
export class ReplyTimeoutError extends MuxdError {
  constructor(seconds: number) {
    super(ErrorCode.REPLY_TIMEOUT, `no reply within ${seconds}s`);
  }
}

/** A reply line that does not follow docs/protocol.md. */
export class ProtocolError extends MuxdError {
  constructor(message: string) {
    super(ErrorCode.PROTOCOL, message);
  }
}

/** A client could not reach the server (connection refused, unreachable, unknown host). */
export class ConnectFailedError extends MuxdError {
  constructor(message = 'cannot connect', options?: { cause?: unknown }) {
    super(ErrorCode.CONNECT_FAILED, message, options);
  }
}

/** Why a RELP frame was refused: the part of the frame at fault. */
export const RelpFault = {
  TXNR: 'txnr',
  COMMAND: 'command',
  DATALEN: 'datalen',
  TRAILER: 'trailer',
  TOO_LONG: 'too-long',
  SESSION: 'session',
} as const;

/**
 * A RELP frame that breaks the protocol (bad transaction number, command or length, no LF after the data,
 * data over the cap, a command out of place). The session cannot be resynchronised: it is closed.
 */
export class RelpFrameError extends MuxdError {
  constructor(
    message: string,
    readonly fault: (typeof RelpFault)[keyof typeof RelpFault],
    /** The frame's transaction number when it was read whole, else null. */
    readonly txnr: number | null = null,
  ) {
    super(ErrorCode.RELP_FRAME, message);
  }
}

/** `--proxy`: the upstream could not be reached, or broke off before its response headers (HTTP 502). */
export class BadGatewayError extends MuxdError {
  constructor(message = 'the upstream server cannot be reached', options?: { cause?: unknown }) {
    super(ErrorCode.BAD_GATEWAY, message, options);
  }
}

/** `--proxy`: the upstream sent no response headers within `--proxy-timeout` (HTTP 504). */
export class GatewayTimeoutError extends MuxdError {
  constructor(message = 'the upstream server did not answer in time') {
    super(ErrorCode.GATEWAY_TIMEOUT, message);
  }
}

/** The remote sink (NATS JetStream) did not acknowledge a batch within `--sink-timeout`: nothing of it was acknowledged. */
export class SinkUnavailableError extends MuxdError {
  constructor(message = 'the sink did not acknowledge in time', options?: { cause?: unknown }) {
    super(ErrorCode.SINK_UNAVAILABLE, message, options);
  }
}

/** The remote sink exists with a configuration muxd will not alter (a JetStream stream with other subjects). */
export class SinkMismatchError extends MuxdError {
  constructor(message: string) {
    super(ErrorCode.SINK_MISMATCH, message);
  }
}

/** A search parameter of `/_muxd/journal` (or its `.jsonl` and `/_muxd/stats`) that cannot be understood. HTTP 400. */
export class BadQueryError extends MuxdError {
  /** The parameter at fault (`grep`, `since`, `limit`…). */
  readonly param: string;
  constructor(param: string, message = `${param} is not valid`) {
    super(ErrorCode.BAD_QUERY, message.startsWith(String(param)) ? message : `${param}: ${message}`);
    this.param = String(param);
  }
}

/** More searches at once than `up --max-searches` allows. HTTP 429 with `Retry-After`. */
export class TooManySearchesError extends MuxdError {
  constructor(max: number) {
    super(ErrorCode.TOO_MANY_SEARCHES, `too many searches at once (at most ${max}); try again shortly`);
  }
}

/**
 * HTTP status of every code that an HTTP response can carry (docs/errors.md, column "HTTP"). The one table used by
 * the static server and `/_muxd/*` alike; codes absent here never reach an HTTP client.
 */
export const HTTP_STATUS_BY_CODE: Readonly<Partial<Record<ErrorCodeValue, number>>> = {
  [ErrorCode.MESSAGE_TOO_LONG]: 413,
  [ErrorCode.IO]: 500,
  [ErrorCode.BUSY]: 503,
  [ErrorCode.SHUTTING_DOWN]: 503,
  [ErrorCode.BAD_PATH]: 400,
  [ErrorCode.NOT_FOUND]: 404,
  [ErrorCode.METHOD_NOT_ALLOWED]: 405,
  [ErrorCode.PRECONDITION_FAILED]: 412,
  [ErrorCode.RANGE_NOT_SATISFIABLE]: 416,
  [ErrorCode.REQUEST_TIMEOUT]: 408,
  [ErrorCode.HEADERS_TOO_LARGE]: 431,
  [ErrorCode.PAYLOAD_TOO_LARGE]: 413,
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: 415,
  [ErrorCode.BAD_REQUEST]: 400,
  [ErrorCode.UNAUTHORIZED]: 401,
  [ErrorCode.AUTH_FAILED]: 401,
  [ErrorCode.FILE_EXISTS]: 409,
  [ErrorCode.FORBIDDEN_ORIGIN]: 403,
  [ErrorCode.HOST_NOT_ALLOWED]: 403,
  [ErrorCode.INTERNAL]: 500,
  [ErrorCode.BAD_GATEWAY]: 502,
  [ErrorCode.GATEWAY_TIMEOUT]: 504,
  [ErrorCode.SINK_UNAVAILABLE]: 503,
  [ErrorCode.BAD_QUERY]: 400,
  [ErrorCode.TOO_MANY_SEARCHES]: 429,
};

/** The HTTP status for a code; a code with no HTTP meaning counts as an internal error (500). */
export function httpStatusOf(code: string): number {
  return HTTP_STATUS_BY_CODE[code as ErrorCodeValue] ?? 500;
}

/** Maps any thrown value to a stable code; anything that is not a MuxdError is an unexpected exception (`ERR_INTERNAL`). */
export function codeOf(err: unknown): ErrorCodeValue {
  if (err instanceof MuxdError) return err.code;
  return ErrorCode.INTERNAL;
}
