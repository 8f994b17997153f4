// The page's DOM helpers: element lookup and creation, change-only text, the toast, and the scrolling list.
/** The element with this id. */
export const $ = (id) => document.getElementById(id);

/** The list of journal rows. */
export const list = $('messages');

/** The scrolling box around the list. */
export const scroller = $('scroller');

/** Numbers with the browser's grouping. */
export const nf = new Intl.NumberFormat();

/** A new element with an optional class and text. */
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}

/** Writes only changes: the banner is a live region, and a rewrite of the same text would be announced again. */
export function setText(node, text) {
  if (node.textContent !== text) node.textContent = text;
}

/** True when the list is scrolled (nearly) to its end. */
export const atBottom = () => scroller.scrollHeight - scroller.scrollTop - scroller.clientHeight < 40;

let toastTimer = 0;

/** A short note in the banner that clears itself. */
export function toast(text) {
  const t = $('toast');
  t.textContent = text;
  clearTimeout(toastTimer);
  toastTimer = setTimeout(() => (t.textContent = ''), 2500);
}
