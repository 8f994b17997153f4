// systemd socket activation: the listening sockets passed as LISTEN_FDS/LISTEN_PID/LISTEN_FDNAMES, matched to muxd's listeners by name.

/** The first descriptor systemd passes (SD_LISTEN_FDS_START). */
export const LISTEN_FDS_START = 3;

/** The `FileDescriptorName=` each listener takes: the HTTP port, the muxd port, the syslog port, RELP, UDP. */
export const FdName = { HTTP: 'http', COLLECT: 'collect', SYSLOG: 'syslog', RELP: 'relp', UDP: 'udp' } as const;
/** One of {@link FdName}'s values. */
export type FdNameValue = (typeof FdName)[keyof typeof FdName];

/**
 * Reads the descriptors systemd passed, by name, as sd_listen_fds_with_names(3) does. Pure: nothing is read but
 * `env`. Returns an empty map unless `LISTEN_PID` is `pid` (the variables were meant for another process). A
 * descriptor without a name is named `unknown`, as systemd itself does.
 */
export function parseListenFds(env: NodeJS.ProcessEnv, pid: number): Map<string, number[]> {
  const out = new Map<string, number[]>();
  if (env.LISTEN_PID === undefined || Number(env.LISTEN_PID) !== pid) return out;
  const count = Number(env.LISTEN_FDS);
  if (!Number.isInteger(count) || count <= 0) return out;
  const names = (env.LISTEN_FDNAMES ?? '').split(':');
  for (let i = 0; i < count; i++) {
    const name = names[i] !== undefined && names[i] !== '' ? names[i]! : 'unknown';
    out.set(name, [...(out.get(name) ?? []), LISTEN_FDS_START + i]);
  }
  return out;
}

/** The passed descriptors of this process, handed out once each. */
export class ListenFds {
  private readonly taken = new Set<number>();

  constructor(private readonly byName: Map<string, number[]>) {}

  /** True when systemd passed any descriptor. */
  get active(): boolean {
    return this.byName.size > 0;
  }

  /**
   * The descriptor named `name` (`FileDescriptorName=`), or null: the listener then binds its own port. Unnamed
   * descriptors are never guessed at: `up` has two stream ports, and a wrong guess would swap them.
   */
  take(name: FdNameValue): number | null {
    const fd = this.byName.get(name)?.find((x) => !this.taken.has(x));
    if (fd === undefined) return null;
    this.taken.add(fd);
    return fd;
  }

  /** Names of the descriptors nobody took (a .socket unit with a name muxd does not use). */
  unused(): string[] {
    const out: string[] = [];
    for (const [name, fds] of this.byName) for (const fd of fds) if (!this.taken.has(fd)) out.push(`${name} (fd ${fd})`);
    return out;
  }
}

let processFds: ListenFds | null = null;

/**
 * This process's passed descriptors, read from the environment once; the variables are then removed so that a
 * child process does not take them for its own (sd_listen_fds(unset_environment=1)).
 */
export function processListenFds(): ListenFds {
  if (processFds === null) {
    processFds = new ListenFds(parseListenFds(process.env, process.pid));
    delete process.env.LISTEN_PID;
    delete process.env.LISTEN_FDS;
    delete process.env.LISTEN_FDNAMES;
  }
  return processFds;
}
