// `--qr`: finds the first LAN URL of a listener and renders it as a terminal QR code (uqr's compact Unicode blocks).
import os from 'node:os';
import { renderUnicodeCompact } from 'uqr';
import { isLoopbackHost } from '../http/core/host-check.js';
import { urlHost } from './output.js';

/** The network interfaces as `os.networkInterfaces()` returns them (injectable for tests). */
export type Interfaces = ReturnType<typeof os.networkInterfaces>;

/** The first LAN URL of a listener, or the reason there is none (for `--qr`). */
export type LanUrl = { ok: true; url: string } | { ok: false; reason: string };

/**
 * Picks the URL a phone on the same network can open: the bound address itself, or for a wildcard bind (`0.0.0.0`,
 * `::`) the first non-internal IPv4 address (IPv6 only when no IPv4 one exists and the bind is `::`).
 */
export function lanUrl(proto: 'http' | 'https', host: string, port: number, interfaces: Interfaces = os.networkInterfaces()): LanUrl {
  if (isLoopbackHost(host)) {
    return { ok: false, reason: `--qr needs a LAN address, but --host ${host} is loopback: only this machine can reach it (use --host 0.0.0.0)` };
  }
  const wildcard = host === '0.0.0.0' || host === '::' || host === '[::]';
  if (!wildcard) return { ok: true, url: `${proto}://${urlHost(host)}:${port}/` };
  const addrs = Object.values(interfaces).flatMap((list) => list ?? []).filter((a) => !a.internal);
  const v4 = addrs.find((a) => a.family === 'IPv4');
  const v6 = host === '0.0.0.0' ? undefined : addrs.find((a) => a.family === 'IPv6' && !a.address.toLowerCase().startsWith('fe80:'));
  const pick = v4 ?? v6;
  if (pick === undefined) return { ok: false, reason: '--qr: this machine has no LAN address (no network interface besides loopback)' };
  return { ok: true, url: `${proto}://${urlHost(pick.address)}:${port}/` };
}

/** The QR block for a URL followed by the URL itself, ready to print. */
export function renderQr(url: string): string {
  return `${renderUnicodeCompact(url, { border: 1 })}\n${url}\n`;
}
