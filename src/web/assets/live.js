// Follows the journal live over EventSource (/_muxd/events, resumed from the newest seq shown) and shows the
// connection state; live records are rendered while following and counted as new in the other views.
import { $ } from './dom.js';
import { countLive } from './rates.js';
import { showSoon } from './show.js';
import { live, view } from './state.js';
import { enqueue } from './tail.js';

/** A live record or gap: rendered while following, counted as new otherwise. */
function onLive(item) {
  if (view.mode === 'following') {
    if (live.buffer) live.buffer.push(item);
    else enqueue(item);
    return;
  }
  view.pending += item.gap ? item.to - item.from + 1 : 1;
  showSoon();
}

/** The connection pill: its state (a CSS hook) and text. */
export function setStatus(state, text) {
  const s = $('status');
  s.dataset.state = state;
  s.textContent = text;
}

/** Opens the event stream after the newest seq the page knows of. */
export function connect() {
  const q = live.seq ? `?lastEventId=${live.seq}` : '';
  const es = new EventSource(`/_muxd/events${q}`);
  es.addEventListener('open', () => setStatus('live', 'live'));
  es.addEventListener('error', () => setStatus('down', es.readyState === EventSource.CLOSED ? 'disconnected' : 'reconnecting'));
  es.addEventListener('message', (ev) => {
    const rec = JSON.parse(ev.data);
    if (rec.seq <= live.seq) return;
    live.seq = rec.seq;
    countLive(rec);
    onLive(rec);
  });
  es.addEventListener('gap', (ev) => {
    const gap = JSON.parse(ev.data);
    if (gap.to <= live.seq) return;
    live.seq = gap.to;
    onLive({ gap: true, from: Math.max(gap.from, 1), to: gap.to });
  });
}
