// GET /_muxd/health: a small JSON status for load balancers and people; 503 while the journal cannot write.

/** `ok`; `stopping` during shutdown; `failing` while journal writes fail (answered with 503). */
export type HealthStatus = 'ok' | 'stopping' | 'failing';

/** The health body: its status plus informational counters. */
export type HealthReport = { status: HealthStatus } & Record<string, unknown>;

/** What health reports; every source is read at request time. */
export interface HealthSources {
  version: string;
  startedAt: number;
  /** The last durable seq; absent for serve, which journals nothing. */
  lastSeq?: () => number;
  /** Live-page viewers (`up`); absent for collect and serve. */
  sseClients?: () => number;
  connections?: () => number;
  stopping?: () => boolean;
  /** True while the journal refuses writes (a failed write or fdatasync not yet retried successfully). */
  failing?: () => boolean;
}

/** The health body: `{"status":"ok"|"stopping"|"failing",…}`. */
export function healthBody(src: HealthSources): HealthReport {
  const status: HealthStatus = src.failing?.() === true ? 'failing' : src.stopping?.() === true ? 'stopping' : 'ok';
  return {
    status,
    version: src.version,
    uptimeSeconds: Math.round((Date.now() - src.startedAt) / 1000),
    ...(src.lastSeq ? { lastSeq: src.lastSeq() } : {}),
    ...(src.sseClients ? { sseClients: src.sseClients() } : {}),
    ...(src.connections ? { connections: src.connections() } : {}),
  };
}

/** The HTTP status for a report: 503 while failing, so a load balancer takes the instance out; 200 otherwise. */
export function healthHttpStatus(report: HealthReport): number {
  return report.status === 'failing' ? 503 : 200;
}
