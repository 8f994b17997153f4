// GET /_muxd/health: a small JSON status for load balancers and people.

/** What health reports; every source is read at request time. */
export interface HealthSources {
  version: string;
  startedAt: number;
  lastSeq: () => number;
  sseClients: () => number;
  connections?: () => number;
  stopping?: () => boolean;
}

/** The health body: `{"status":"ok"|"stopping",…}`. */
export function healthBody(src: HealthSources): Record<string, unknown> {
  return {
    status: src.stopping?.() === true ? 'stopping' : 'ok',
    version: src.version,
    uptimeSeconds: Math.round((Date.now() - src.startedAt) / 1000),
    lastSeq: src.lastSeq(),
    sseClients: src.sseClients(),
    ...(src.connections ? { connections: src.connections() } : {}),
  };
}
