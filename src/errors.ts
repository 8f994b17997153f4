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

/** Base class: every muxd error has a stable `code` and an optional `cause`; the message defaults to the code's row of {@link ERROR_TABLE}. */
export class MuxdError extends Error {
  readonly code: ErrorCodeValue;
  constructor(code: ErrorCodeValue, message: string = ERROR_TABLE[code].message, options?: { cause?: unknown }) {
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
  constructor(message?: string) {
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
  constructor(message?: string) {
    super(ErrorCode.BAD_PATH, message);
  }
}

/** Nothing to serve at this path (also used for paths outside the root and hidden files). HTTP 404. */
export class NotFoundError extends MuxdError {
  constructor(message?: string) {
    super(ErrorCode.NOT_FOUND, message);
  }
}

/** HTTP method not supported by this resource. HTTP 405. */
export class MethodNotAllowedError extends MuxdError {
  constructor(readonly allow: string) {
    super(ErrorCode.METHOD_NOT_ALLOWED);
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
  constructor(message?: string) {
    super(ErrorCode.UNSUPPORTED_MEDIA_TYPE, message);
  }
}

/** A request that is malformed in any other way. HTTP 400. */
export class BadRequestError extends MuxdError {
  constructor(message?: string) {
    super(ErrorCode.BAD_REQUEST, message);
  }
}

/** A request without the required `--token`. HTTP 401. */
export class UnauthorizedError extends MuxdError {
  constructor() {
    super(ErrorCode.UNAUTHORIZED);
  }
}

/** An upload whose target exists (without `--overwrite`), or is a folder. HTTP 409. */
export class FileExistsError extends MuxdError {
  constructor(message?: string) {
    super(ErrorCode.FILE_EXISTS, message);
  }
}

/** A state-changing request whose `Origin` is not this server's own. HTTP 403. */
export class ForbiddenOriginError extends MuxdError {
  constructor() {
    super(ErrorCode.FORBIDDEN_ORIGIN);
  }
}

/** A request whose `Host` / `:authority` is not this machine or an `--allowed-hosts` name (DNS rebinding). HTTP 403. */
export class HostNotAllowedError extends MuxdError {
  constructor() {
    super(ErrorCode.HOST_NOT_ALLOWED);
  }
}

/** The peer closed the connection before every reply arrived. */
export class ConnectionClosedError extends MuxdError {
  constructor(message?: string, options?: { cause?: unknown }) {
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
  constructor(message?: string, options?: { cause?: unknown }) {
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
  constructor(message?: string, options?: { cause?: unknown }) {
    super(ErrorCode.BAD_GATEWAY, message, options);
  }
}

/** `--proxy`: the upstream sent no response headers within `--proxy-timeout` (HTTP 504). */
export class GatewayTimeoutError extends MuxdError {
  constructor(message?: string) {
    super(ErrorCode.GATEWAY_TIMEOUT, message);
  }
}

/** The remote sink (NATS JetStream) did not acknowledge a batch within `--sink-timeout`: nothing of it was acknowledged. */
export class SinkUnavailableError extends MuxdError {
  constructor(message?: string, options?: { cause?: unknown }) {
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

/** One row of {@link ERROR_TABLE}: a code's HTTP status and its default message. */
export interface ErrorSpec {
  /** The HTTP status (docs/errors.md, column "HTTP"); absent for a code that never reaches an HTTP client. */
  readonly status?: number;
  /** The message of an error of this code when its raiser gives none (classes take theirs from here). */
  readonly message: string;
}

/**
 * Every code's HTTP status and default message, in one table: the error classes, the static server's error pages,
 * `/_muxd/*` JSON errors and the collector's refusals all read it. docs/errors.md follows it (a test checks).
 */
export const ERROR_TABLE: Readonly<Record<ErrorCodeValue, ErrorSpec>> = {
  [ErrorCode.USAGE]: { message: 'bad command line' },
  [ErrorCode.INVALID_OPTION]: { message: 'invalid option value' },
  [ErrorCode.MESSAGE_TOO_LONG]: { status: 413, message: 'message too long' },
  [ErrorCode.BAD_FRAME]: { message: 'malformed frame length' },
  [ErrorCode.IO]: { status: 500, message: 'i/o error' },
  [ErrorCode.BUSY]: { status: 503, message: 'server busy, try again later' },
  [ErrorCode.IDLE_TIMEOUT]: { message: 'idle timeout' },
  [ErrorCode.SHUTTING_DOWN]: { status: 503, message: 'server is shutting down' },
  [ErrorCode.JOURNAL_CORRUPT]: { message: 'journal corrupt' },
  [ErrorCode.NOT_A_JOURNAL]: { message: 'not a muxd journal' },
  [ErrorCode.BAD_PATH]: { status: 400, message: 'bad request path' },
  [ErrorCode.NOT_FOUND]: { status: 404, message: 'not found' },
  [ErrorCode.METHOD_NOT_ALLOWED]: { status: 405, message: 'method not allowed' },
  [ErrorCode.PRECONDITION_FAILED]: { status: 412, message: 'precondition failed' },
  [ErrorCode.RANGE_NOT_SATISFIABLE]: { status: 416, message: 'range not satisfiable' },
  [ErrorCode.REQUEST_TIMEOUT]: { status: 408, message: 'request timeout' },
  [ErrorCode.HEADERS_TOO_LARGE]: { status: 431, message: 'request header fields too large' },
  [ErrorCode.PAYLOAD_TOO_LARGE]: { status: 413, message: 'body too large' },
  [ErrorCode.UNSUPPORTED_MEDIA_TYPE]: { status: 415, message: 'unsupported media type' },
  [ErrorCode.BAD_REQUEST]: { status: 400, message: 'bad request' },
  [ErrorCode.UNAUTHORIZED]: { status: 401, message: 'missing or wrong token' },
  [ErrorCode.AUTH_FAILED]: { status: 401, message: 'missing or wrong credentials' },
  [ErrorCode.FILE_EXISTS]: { status: 409, message: 'a file or folder exists at this path' },
  [ErrorCode.FORBIDDEN_ORIGIN]: { status: 403, message: 'cross-origin request refused' },
  [ErrorCode.HOST_NOT_ALLOWED]: { status: 403, message: 'host not allowed: start muxd with --allowed-hosts NAME to serve this name' },
  [ErrorCode.CONNECTION_CLOSED]: { message: 'connection closed by peer' },
  [ErrorCode.REPLY_TIMEOUT]: { message: 'no reply in time' },
  [ErrorCode.PROTOCOL]: { message: 'reply does not follow the protocol' },
  [ErrorCode.CONNECT_FAILED]: { message: 'cannot connect' },
  [ErrorCode.RELP_FRAME]: { message: 'bad RELP frame' },
  [ErrorCode.INTERNAL]: { status: 500, message: 'internal error' },
  [ErrorCode.BAD_GATEWAY]: { status: 502, message: 'the upstream server cannot be reached' },
  [ErrorCode.GATEWAY_TIMEOUT]: { status: 504, message: 'the upstream server did not answer in time' },
  [ErrorCode.SINK_UNAVAILABLE]: { status: 503, message: 'the sink did not acknowledge in time' },
  [ErrorCode.SINK_MISMATCH]: { message: 'the sink exists with another configuration' },
  [ErrorCode.BAD_QUERY]: { status: 400, message: 'bad search parameter' },
  [ErrorCode.TOO_MANY_SEARCHES]: { status: 429, message: 'too many searches at once' },
};

/** The HTTP status for a code; a code with no HTTP meaning (or unknown) counts as an internal error (500). */
export function httpStatusOf(code: string): number {
  return ERROR_TABLE[code as ErrorCodeValue]?.status ?? 500;
}

/** The default message of a code (from {@link ERROR_TABLE}); an unknown code gets the internal error's. */
export function defaultMessageOf(code: string): string {
  return (ERROR_TABLE[code as ErrorCodeValue] ?? ERROR_TABLE[ErrorCode.INTERNAL]).message;
}

/** Maps any thrown value to a stable code; anything that is not a MuxdError is an unexpected exception (`ERR_INTERNAL`). */
export function codeOf(err: unknown): ErrorCodeValue {
  if (err instanceof MuxdError) return err.code;
  return ErrorCode.INTERNAL;
}
