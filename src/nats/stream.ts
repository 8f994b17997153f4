// Opens a NATS connection for muxd, makes sure the JetStream stream exists with muxd's subjects, and reads a collector's last seq.
import { connect } from '@nats-io/transport-node';
import type { NatsConnection } from '@nats-io/transport-node';
import { JetStreamApiCodes, JetStreamApiError, jetstreamManager, StorageType } from '@nats-io/jetstream';
import type { JetStreamManager } from '@nats-io/jetstream';
import { ConnectFailedError, SinkMismatchError } from '../errors.js';
import { batchSubject, BatchHeader, lastSeqOfBatch } from './batch.js';

/** How long the first connection may take before startup fails. */
export const NATS_CONNECT_TIMEOUT_MS = 5000;

/** Connects to the first reachable server, and keeps reconnecting forever after that (the sink decides when to give up on a batch). */
export async function connectNats(servers: string[], name: string, timeoutMs = NATS_CONNECT_TIMEOUT_MS): Promise<NatsConnection> {
  try {
    return await connect({
      servers,
      name,
      timeout: timeoutMs,
      maxReconnectAttempts: -1,
      reconnectTimeWait: 250,
      reconnectJitter: 100,
      pingInterval: 10_000,
    });
  } catch (err) {
    throw new ConnectFailedError(`cannot reach NATS at ${servers.join(',')}: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
}

/** What the stream must look like. */
export interface StreamSpec {
  stream: string;
  /** Subject prefix; the stream holds `<prefix>.>`. */
  prefix: string;
  replicas: number;
}

/**
 * Creates the stream with file storage if it is missing; refuses (SinkMismatchError) if it exists with another
 * subject set, since altering a stream others may use is not muxd's call. Returns the manager, whose requests wait
 * up to `timeoutMs` for an answer.
 */
export async function ensureStream(nc: NatsConnection, spec: StreamSpec, timeoutMs?: number): Promise<JetStreamManager> {
  const jsm = await jetstreamManager(nc, timeoutMs === undefined ? {} : { timeout: timeoutMs });
  const want = `${spec.prefix}.>`;
  let subjects: string[] | null = null;
  try {
    subjects = (await jsm.streams.info(spec.stream)).config.subjects ?? [];
  } catch (err) {
    if (!(err instanceof JetStreamApiError) || err.code !== JetStreamApiCodes.StreamNotFound) throw err;
  }
  if (subjects === null) {
    try {
      await jsm.streams.add({ name: spec.stream, subjects: [want], storage: StorageType.File, num_replicas: spec.replicas });
    } catch (err) {
      // "no suitable peers for placement": fewer servers than --nats-replicas (or a cluster still forming).
      throw new ConnectFailedError(`cannot create stream ${spec.stream} (R${spec.replicas}): ${err instanceof Error ? err.message : String(err)}`, { cause: err });
    }
    return jsm;
  }
  if (subjects.length !== 1 || subjects[0] !== want) {
    throw new SinkMismatchError(
      `stream ${spec.stream} exists with subjects ${JSON.stringify(subjects)}, not ["${want}"]; muxd does not alter it (use another --nats-stream or --nats-subject)`,
    );
  }
  return jsm;
}

/** The last seq this collector published, from the last message on its subject (0 when there is none). */
export async function lastCollectorSeq(jsm: JetStreamManager, stream: string, prefix: string, collectorId: string): Promise<number> {
  const last = await jsm.streams.getMessage(stream, { last_by_subj: batchSubject(prefix, collectorId) });
  if (last === null) return 0;
  const seq = lastSeqOfBatch(last.header.get(BatchHeader.MSG_ID), last.header.get(BatchHeader.COUNT));
  if (seq === null) throw new SinkMismatchError(`the last message on ${batchSubject(prefix, collectorId)} in stream ${stream} is not a muxd batch`);
  return seq;
}
