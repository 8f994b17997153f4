// For bench/ab.mjs: reads the numbers out of a bench script's printed tables (pure), and renders the A/B report.

const NUMBER = /^([-+]?\d+(?:\.\d+)?)\s*(?:×|x|%|ms|s)?$/;
const MISSING = new Set(['-', 'NaN', 'not run']);

function cellsOf(line) {
  const t = line.trim();
  if (t.startsWith('|')) {
    if (/^\|[\s|:-]+\|$/.test(t)) return null; // a markdown separator row
    return t.split('|').map((c) => c.trim()).filter((c) => c !== '');
  }
  return t.split(/\s{2,}/).filter((c) => c !== '');
}

/**
 * Every number in a table row or a `label:   value` line, keyed `label | column`. Cells are split on two or more
 * spaces (padded tables) or on `|` (markdown tables); a cell that is a plain number (with ×, %, ms or s after it) is a
 * value, the other cells before the first value are the row's label. The column is named by the last line without numbers that has
 * as many cells (the header), else by position (#1, #2 …). A key seen twice in one output gets " (2)" and so on.
 */
export function parseMetrics(text) {
  const out = new Map();
  let header = null;
  // eslint-disable-next-line no-control-regex -- colour codes, if a script prints any
  for (const raw of text.replace(/\x1b\[[0-9;]*m/g, '').split('\n')) {
    const cells = cellsOf(raw);
    if (cells === null || cells.length === 0) continue;
    const values = [];
    const label = [];
    cells.forEach((c, i) => {
      const m = NUMBER.exec(c);
      if (m) values.push([i, Number(m[1])]);
      // Text after the first number (a "landed 4000/4000" or a target column) may differ between builds: not the label.
      else if (!MISSING.has(c) && values.length === 0) label.push(c.replace(/:$/, ''));
    });
    if (values.length === 0) {
      if (cells.length >= 2) header = cells;
      continue;
    }
    if (label.length === 0) continue;
    values.forEach(([i, v], k) => {
      const column = header && header.length === cells.length ? header[i].replace(/\s*\(.*\)$/, '') : `#${k + 1}`;
      const base = `${label.join(' · ')} | ${column}`;
      let key = base;
      for (let n = 2; out.has(key); n++) key = `${base} (${n})`;
      out.set(key, v);
    });
  }
  return out;
}

function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** ± the largest distance from the median to min or max, as a percentage of the median. */
function spread(xs, med) {
  if (med === 0) return '';
  return `±${((Math.max(...xs.map((x) => Math.abs(x - med))) / Math.abs(med)) * 100).toFixed(0)}%`;
}

const fmt = (x) => (Math.abs(x) >= 100 ? x.toFixed(0) : Math.abs(x) >= 10 ? x.toFixed(1) : x.toFixed(2));

/** The report for one row: per metric, A's and B's median and spread over the rounds, and B/A of the medians. */
export function summarize(aRounds, bRounds) {
  const keys = [];
  for (const m of [...bRounds, ...aRounds]) for (const k of m.keys()) if (!keys.includes(k)) keys.push(k);
  const lines = [['metric', 'A median', 'A spread', 'B median', 'B spread', 'B/A']];
  for (const k of keys) {
    const a = aRounds.map((m) => m.get(k)).filter((v) => v !== undefined);
    const b = bRounds.map((m) => m.get(k)).filter((v) => v !== undefined);
    if (a.length === 0 || b.length === 0) {
      lines.push([k, a.length ? fmt(median(a)) : '-', '', b.length ? fmt(median(b)) : '-', '', 'one side only']);
      continue;
    }
    const ma = median(a);
    const mb = median(b);
    lines.push([k, fmt(ma), spread(a, ma), fmt(mb), spread(b, mb), ma === 0 ? '-' : `${(mb / ma).toFixed(2)}×`]);
  }
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  return lines.map((l) => l.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ')).join('\n');
}
