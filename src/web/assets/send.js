// The send box: a message typed on the page is posted to /_muxd/messages (one record per line); Enter sends.
import { postMessages } from './api.js';
import { $ } from './dom.js';

async function send(ev) {
  ev.preventDefault();
  const box = $('send-text');
  const text = box.value;
  const out = $('send-status');
  if (!text.trim()) return;
  $('send-button').disabled = true;
  out.dataset.state = '';
  out.textContent = 'sending…';
  try {
    const { res, body } = await postMessages(text);
    if (res.ok) {
      out.dataset.state = 'ok';
      out.textContent = body.seq !== undefined ? `ok ${body.seq}` : `ok ${body.seqs.length} messages (${body.seqs[0]}–${body.seqs.at(-1)})`;
      box.value = '';
      autosize();
    } else {
      out.dataset.state = 'error';
      out.textContent = `error ${body.error?.code ?? res.status} ${body.error?.message ?? ''}`;
    }
  } catch (err) {
    out.dataset.state = 'error';
    out.textContent = `error ${err.message}`;
  } finally {
    $('send-button').disabled = false;
    box.focus();
  }
}

function autosize() {
  const box = $('send-text');
  box.style.height = 'auto';
  box.style.height = `${Math.min(box.scrollHeight, 160)}px`;
}

/** Wires the send box. */
export function wireSendBox() {
  $('send').addEventListener('submit', send);
  $('send-text').addEventListener('input', autosize);
  $('send-text').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter' && !ev.shiftKey && !ev.isComposing) {
      ev.preventDefault();
      $('send').requestSubmit();
    }
  });
}
