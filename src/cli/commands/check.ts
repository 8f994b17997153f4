// `muxd check COMMAND …`: resolves a command's flags, MUXD_* variables and config file without running it, prints each setting with its source, and checks files and ports.
import { X509Certificate } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { constants } from 'node:fs';
import { access, stat } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../errors.js';
import { collectConfigFrom } from '../../collector/options.js';
import type { CollectConfig } from '../../collector/options.js';
import { resolveServeOptions } from '../../http/features/options.js';
import type { OptionValues } from '../../options.js';
import { explainOrigins, parseCommand, renderHelp } from '../args.js';
import type { CommandSpec, Origin, ParsedCommand } from '../args.js';
import { probePort } from '../probe.js';

/** The commands `check` knows, each with the module holding its spec. */
const CHECKED = ['serve', 'collect', 'up', 'send', 'tail', 'bench', 'hash-password'] as const;

/** Flags of `muxd check` itself (only help: everything after COMMAND belongs to that command). */
export const spec: CommandSpec = {
  name: 'check',
  summary:
    'Resolve COMMAND\'s flags, MUXD_* variables and config file as COMMAND would, without running it; print every setting and where it ' +
    'came from (flag, env, file or default) on stdout; then check that its folders, journal, certificates and ports are usable. ' +
    'Every problem is named on stderr; exit 0 when there is none, 2 otherwise.',
  usage: `check COMMAND [COMMAND's options and arguments]   (COMMAND: ${CHECKED.join(', ')})`,
  options: {},
  examples: ['muxd check serve public --port 8080', 'MUXD_COLLECT_PORT=7000 muxd check collect --config /etc/muxd.json', 'muxd check up site --tls-cert c.pem --tls-key k.pem'],
  maxPositionals: 0,
};

/** A value as shown: switches as true/false, unset as `-`, secrets masked. */
function shown(flag: string, v: OptionValues[string], type: 'string' | 'boolean'): string {
  if (v === undefined) return type === 'boolean' ? 'false' : '-';
  if (Array.isArray(v)) return v.length === 0 ? '-' : v.map((x) => JSON.stringify(x)).join(', ');
  if (flag === 'token' && typeof v === 'string') return '***';
  if (flag === 'auth' && typeof v === 'string') return `${v.slice(0, Math.max(0, v.indexOf(':')))}:***`;
  return typeof v === 'string' && (v === '' || /[\s"]/.test(v)) ? JSON.stringify(v) : String(v);
}

function source(origin: Origin | undefined): string {
  if (origin?.kind === 'env') return `env ${origin.name}`;
  if (origin?.kind === 'file') return `file ${origin.file}: ${origin.key}`;
  return origin?.kind ?? 'default';
}

/** The settings table: one line per flag, `--flag  value  source`. */
function renderSettings(name: string, parsed: ParsedCommand, specOf: CommandSpec): string {
  const rows: (readonly [string, string, string])[] = Object.entries(specOf.options).map(([flag, o]) => [`--${flag}`, shown(flag, parsed.values[flag], o.type), source(parsed.origins[flag])] as const);
  if (parsed.positionals.length > 0) rows.unshift(['(arguments)', parsed.positionals.map((p) => JSON.stringify(p)).join(' '), 'command line']);
  const w0 = Math.max(...rows.map((r) => r[0].length)) + 2;
  const w1 = Math.min(48, Math.max(...rows.map((r) => r[1].length)) + 2);
  const head = parsed.config === null ? 'no config file' : `config file ${parsed.config.path} (${parsed.config.discovered ? 'found in the working directory' : 'named'})`;
  return [`muxd ${name}: ${head}`, ...rows.map(([f, v, s]) => `  ${f.padEnd(w0)}${v.padEnd(w1)}${s}`), ''].join('\n');
}

/** A problem found by a check; `label` is what it is about. */
type Problem = string;

/** Runs one check, turning its error into a problem named by the value's source. */
async function attempt<T>(problems: Problem[], origins: Record<string, Origin>, fn: () => Promise<T> | T): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    problems.push(explainOrigins((err as Error).message, origins));
    return null;
  }
}

/** A certificate and key pair: usable together, and not expired. */
function checkCertificate(problems: Problem[], label: string, cert: Buffer | string, key: Buffer | string): void {
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    problems.push(`${label}: the certificate and key are not a usable pair (${(err as Error).message})`);
    return;
  }
  const validTo = new Date(new X509Certificate(cert).validTo);
  if (validTo.getTime() < Date.now()) problems.push(`${label}: the certificate expired on ${validTo.toISOString()}`);
}

/** A folder that must exist and be readable (and writable for uploads). */
async function checkFolder(problems: Problem[], what: string, dir: string, write: boolean): Promise<void> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a folder');
    await access(dir, constants.R_OK | (write ? constants.W_OK : 0));
  } catch (err) {
    problems.push(`${what} ${JSON.stringify(dir)} is not a ${write ? 'writable' : 'readable'} folder (${(err as NodeJS.ErrnoException).code ?? (err as Error).message})`);
  }
}

/** The journal file, or the nearest existing folder above it, must be writable: the collector creates the rest. */
async function checkJournal(problems: Problem[], label: string, file: string): Promise<void> {
  let target = path.resolve(file);
  for (;;) {
    try {
      await stat(target);
      break;
    } catch {
      const up = path.dirname(target);
      if (up === target) break;
      target = up;
    }
  }
  try {
    // Below the journal file itself, the nearest thing that exists must be a folder to create the rest in.
    if (target !== path.resolve(file) && !(await stat(target)).isDirectory()) throw Object.assign(new Error(), { code: 'ENOTDIR' });
    await access(target, constants.W_OK);
  } catch (err) {
    problems.push(`${label} ${JSON.stringify(file)}: ${target} is not a writable ${target === path.resolve(file) ? 'file' : 'folder'} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

/** A port flag's value when it is a valid port, else null (its own validation names it). */
function portValue(values: OptionValues, flag: string): number | null {
  const v = values[flag];
  return typeof v === 'string' && /^\d{1,5}$/.test(v) && Number(v) <= 65_535 ? Number(v) : null;
}

async function checkPort(problems: Problem[], label: string, host: unknown, port: number | null, kind: 'tcp' | 'udp'): Promise<void> {
  if (port === null || port === 0 || typeof host !== 'string' || host === '') return;
  const why = await probePort(host, port, kind);
  if (why !== null) problems.push(`${label}: ${kind.toUpperCase()} ${host}:${port} ${why}`);
}

/** serve's and up's HTTP side: flags, the folder, the certificate, the port. */
async function checkServe(problems: Problem[], parsed: ParsedCommand, dir: string | undefined): Promise<void> {
  const values = { ...parsed.values };
  // `--tls auto` makes its certificate at startup: check only what exists.
  if (values.tls === 'auto') values.tls = undefined;
  const resolved = await attempt(problems, parsed.origins, () => resolveServeOptions(values, dir ?? '.', parsed.structured));
  if (dir !== undefined || parsed.values.upload === true) await checkFolder(problems, 'the served folder', dir ?? '.', parsed.values.upload === true);
  const tls = resolved?.serverOptions.tls;
  if (tls !== undefined) checkCertificate(problems, explainOrigins('--tls-cert', parsed.origins), tls.cert, tls.key);
  // Checked from the flag values, so that one bad flag does not hide a busy port.
  await checkPort(problems, explainOrigins('--port', parsed.origins), parsed.values.host, portValue(parsed.values, 'port'), 'tcp');
}

/** collect's (and up's collector's) side: flags, the journal, the certificate, the ports. `prefix` is up's `collect-`. */
async function checkCollect(problems: Problem[], parsed: ParsedCommand, prefix: string): Promise<void> {
  const config: CollectConfig | null = await attempt(problems, parsed.origins, () => collectConfigFrom(parsed.values, prefix));
  const values = prefix === '' ? parsed.values : { ...parsed.values, host: parsed.values[`${prefix}host`], port: parsed.values[`${prefix}port`] };
  const flag = (name: string): string => explainOrigins(`--${name}`, parsed.origins);
  const tls = config?.collector.tls;
  if (tls) checkCertificate(problems, flag(`${prefix}tls-cert`), tls.cert, tls.key);
  // The journal and the ports are checked from the flag values, so that one bad flag does not hide another problem.
  if ((values.sink ?? 'file') === 'file' && typeof values.journal === 'string' && values.journal !== '') await checkJournal(problems, flag('journal'), values.journal);
  await checkPort(problems, flag(`${prefix}port`), values.host, portValue(values, 'port'), 'tcp');
  await checkPort(problems, flag('relp-port'), values.host, portValue(values, 'relp-port'), 'tcp');
  await checkPort(problems, flag('udp-port'), values.host, portValue(values, 'udp-port'), 'udp');
}

/** Runs `muxd check`. */
export async function run(argv: string[]): Promise<void> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '-h' || name === '--help') {
    process.stdout.write(renderHelp(spec));
    if (name === undefined) process.exitCode = 2;
    return;
  }
  if (!(CHECKED as readonly string[]).includes(name)) throw new UsageError(`cannot check ${JSON.stringify(name)}; one of ${CHECKED.join(', ')}`);
  const target = ((await import(`./${name}.js`)) as { spec: CommandSpec }).spec;
  const problems: Problem[] = [];
  let parsed: ParsedCommand | null = null;
  try {
    parsed = parseCommand(target, rest);
  } catch (err) {
    problems.push((err as Error).message);
  }
  if (parsed !== null) {
    process.stdout.write(renderSettings(name, parsed, target));
    const dir = parsed.positionals[0];
    if (name === 'serve') await checkServe(problems, parsed, dir ?? '.');
    if (name === 'up') await checkServe(problems, parsed, dir);
    if (name === 'collect') await checkCollect(problems, parsed, '');
    if (name === 'up' && parsed.values['no-collect'] !== true) await checkCollect(problems, parsed, 'collect-');
  }
  for (const p of problems) process.stderr.write(`muxd check ${name}: problem: ${p}\n`);
  process.stderr.write(problems.length === 0 ? `muxd check ${name}: ok\n` : `muxd check ${name}: ${problems.length} problem${problems.length === 1 ? '' : 's'}\n`);
  process.exitCode = problems.length === 0 ? 0 : 2;
}
