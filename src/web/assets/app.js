// The muxd journal page's entry module: follows the journal live (history over fetch, records over EventSource,
// batched rendering), searches the whole journal on the server (query bar kept in the URL), opens a record's
// surroundings (#seq=N), and draws the per-second rate and the counts per source. Each concern is its own module.
import { startSession } from './api.js';
import { connect, setStatus } from './live.js';
import { wireQueryBar } from './query-bar.js';
import { drawRates, seedRates, startRateTicker } from './rates.js';
import { wireSendBox } from './send.js';
import { view } from './state.js';
import { applyLocation, fetchHead } from './views.js';

startRateTicker();
wireQueryBar();
wireSendBox();

(async () => {
  try {
    await startSession();
  } catch (err) {
    setStatus('down', String(err.message));
  }
  await seedRates();
  drawRates();
  // Not following: the newest seq first, so a search then counts only the records written after it as new.
  if (location.search || /(^#|&)seq=/.test(location.hash)) await fetchHead();
  const first = applyLocation();
  // Following resumes the event stream from its newest record; the other views only count what comes.
  if (view.mode === 'following') await first;
  connect();
})();
