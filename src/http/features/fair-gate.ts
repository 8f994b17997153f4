// A concurrency gate shared fairly between clients: a few slots, one bounded waiting queue per client, served round robin.
import { isIPv4 } from 'node:net';

/** Limits of a {@link FairGate}. */
export interface FairGateOptions {
  /** Most tasks running at once. */
  slots: number;
  /** Most tasks of one client waiting for a slot; past it that client is refused. */
  queuePerClient: number;
  /** Most clients waiting at once; past it a new client is refused. */
  clients: number;
}

/**
 * Lets at most `slots` tasks run; the rest wait in one queue per client, and a freed slot goes to the next client
 * in turn, whatever the others queued. So 400 requests from one address cost that address its own queue, while a
 * request from another address waits for one slot, not behind the 400.
 */
export class FairGate {
  private running = 0;
  /** Client → its waiting tasks; Map order is the round-robin order (a served client moves to the end). */
  private readonly waiting = new Map<string, Array<() => void>>();

  constructor(private readonly o: FairGateOptions) {}

  /** Tasks running now. */
  get active(): number {
    return this.running;
  }

  /** Tasks waiting for a slot, over every client. */
  get queued(): number {
    let n = 0;
    for (const q of this.waiting.values()) n += q.length;
    return n;
  }

  /** A promise that resolves when `client`'s task may run (then call {@link release} once), or null when refused. */
  acquire(client: string): Promise<void> | null {
    if (this.running < this.o.slots && this.waiting.size === 0) {
      this.running++;
      return Promise.resolve();
    }
    let queue = this.waiting.get(client);
    if (queue === undefined) {
      if (this.waiting.size >= this.o.clients) return null;
      queue = [];
      this.waiting.set(client, queue);
    }
    if (queue.length >= this.o.queuePerClient) return null;
    const q = queue;
    return new Promise((resolve) => q.push(resolve));
  }

  /** Ends a task: its slot passes to the first task of the next waiting client, or is freed. */
  release(): void {
    const next = this.waiting.entries().next();
    if (next.done === true) {
      this.running--;
      return;
    }
    const [client, queue] = next.value;
    const start = queue.shift()!;
    this.waiting.delete(client);
    if (queue.length > 0) this.waiting.set(client, queue);
    start();
  }
}

/**
 * The fairness key of a client address: the address itself for IPv4 (IPv4-mapped IPv6 included), its /64 network
 * for IPv6, since one host commonly holds a whole /64.
 */
export function clientKey(address: string | undefined): string {
  if (address === undefined) return '';
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (isIPv4(address) || !address.includes(':')) return address;
  const [head = '', tail] = address.toLowerCase().split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? left : [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
