// The traffic panel: the per-second rate chart (seeded from /_muxd/stats), the msg/s counter and the counts per source.
import { getJson } from './api.js';
import { $, el, list } from './dom.js';
import { srcChip } from './rows.js';

const RATE_SECONDS = 300; // the sparkline's window: one bar per second
const SOURCE_ROWS = 8; // sources listed in the counts panel

/** Records per second, oldest first; the last slot is the current second. */
const rates = new Array(RATE_SECONDS).fill(0);
/** Records seen per source (the first page while following, then live), for the counts panel. */
const perSource = new Map();
let countedHistory = false;
let received = 0;
let seededUntil = -Infinity;

/** Fills the chart with the server's per-second counts of the last 5 minutes, so a reload does not start empty. */
export async function seedRates() {
  try {
    const s = await getJson('/_muxd/stats', { since: '5m' });
    if (!Array.isArray(s?.counts)) return;
    const step = s.step || 1000;
    for (let i = 0; i < s.counts.length; i++) {
      const slot = RATE_SECONDS - 1 - Math.floor((s.now - (s.start + i * step)) / 1000);
      if (slot >= 0 && slot < RATE_SECONDS) rates[slot] += s.counts[i];
    }
    seededUntil = s.now;
  } catch {
    // a server without /_muxd/stats: the chart counts from now on
  }
}

/** Counts one live record: this second's rate, its source. */
export function countLive(rec) {
  received++;
  // Records older than the stats snapshot are already in its counts.
  if (!(Date.parse(rec.ts) < seededUntil)) rates[RATE_SECONDS - 1]++;
  perSource.set(rec.src, (perSource.get(rec.src) ?? 0) + 1);
}

/** Counts the sources of the rows shown, once: the first page of history while following. */
export function countShownOnce() {
  if (countedHistory) return;
  countedHistory = true;
  for (const row of list.querySelectorAll('.row[data-seq]')) perSource.set(row.dataset.src, (perSource.get(row.dataset.src) ?? 0) + 1);
  drawSourceCounts();
}

/** Draws the per-second rate of the last RATE_SECONDS seconds as bars, scaled to the peak. */
export function drawRates() {
  const canvas = $('rate-chart');
  const ratio = window.devicePixelRatio || 1;
  const w = Math.max(1, Math.round(canvas.clientWidth * ratio));
  const h = Math.max(1, Math.round(canvas.clientHeight * ratio));
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
  const ctx = canvas.getContext('2d');
  ctx.clearRect(0, 0, w, h);
  const peak = Math.max(1, ...rates);
  const bar = w / RATE_SECONDS;
  ctx.fillStyle = getComputedStyle(canvas).color;
  for (let i = 0; i < RATE_SECONDS; i++) {
    if (rates[i] === 0) continue;
    const bh = Math.max(ratio, (rates[i] / peak) * (h - ratio));
    ctx.fillRect(i * bar, h - bh, Math.max(ratio, bar - ratio * 0.25), bh);
  }
  canvas.dataset.peak = String(Math.max(...rates));
  canvas.dataset.total = String(rates.reduce((a, b) => a + b, 0));
  $('rate-peak').textContent = String(Math.max(...rates));
}

/** The busiest sources first, with their record counts; a click searches that source. */
function drawSourceCounts() {
  const top = [...perSource].sort((a, b) => b[1] - a[1]).slice(0, SOURCE_ROWS);
  const frag = document.createDocumentFragment();
  for (const [src, n] of top) {
    const li = el('li');
    li.dataset.src = src;
    li.append(srcChip(src), el('b', 'count', String(n)));
    frag.append(li);
  }
  $('source-counts').replaceChildren(frag);
}

/** Once a second: the msg/s counter, the chart and the source counts, then the chart moves on a second. */
export function startRateTicker() {
  setInterval(() => {
    $('stat-rate').textContent = String(received);
    received = 0;
    drawRates();
    drawSourceCounts();
    rates.shift();
    rates.push(0);
  }, 1000);
}
