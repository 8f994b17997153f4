// muxd serve --watch: reloads the page when a file under the served folder changes; a CSS change swaps stylesheets in place.
(() => {
  'use strict';
  if (window.__muxdLiveReload) return;
  window.__muxdLiveReload = true;
  const swapStylesheets = () => {
    const stamp = String(Date.now());
    for (const link of document.querySelectorAll('link[rel~="stylesheet"][href]')) {
      const url = new URL(link.href, location.href);
      if (url.origin !== location.origin) continue;
      url.searchParams.set('_muxd_reload', stamp);
      // The new sheet loads before the old one goes, so the page never shows unstyled.
      const next = link.cloneNode();
      next.href = url.href;
      const drop = () => link.remove();
      next.addEventListener('load', drop, { once: true });
      next.addEventListener('error', drop, { once: true });
      link.after(next);
    }
  };
  const events = new EventSource('/_muxd/reload');
  // Set for tests and curious people: the stream is connected, so changes from now on reach this page.
  events.addEventListener('open', () => {
    window.__muxdLiveReloadOpen = true;
  });
  events.addEventListener('message', (event) => {
    let change;
    try {
      change = JSON.parse(event.data);
    } catch {
      return;
    }
    if (change.msg === 'css') swapStylesheets();
    else location.reload();
  });
})();
