// The page's shared state: what the list shows (the view) and how far the live stream has come, with the page's limits.
import { EMPTY_QUERY } from './query.js';

/** Rows kept while following the tail. */
export const MAX_ROWS = 2000;
/** Rows kept even while reading older history or search results. */
export const HARD_MAX_ROWS = 10000;
/** Records per page of history. */
export const PAGE = 200;
/** Records on each side of a permalinked record. */
export const CONTEXT = 100;
/** Extra requests a search makes on its own when the server's budget ran out. */
export const AUTO_CONTINUE = 4;

/** What the list shows. Every new view bumps `gen` and aborts the old one's requests; late answers are dropped. */
export const view = {
  mode: 'following', // 'following' | 'search' | 'context'
  gen: 0,
  abort: new AbortController(),
  query: EMPTY_QUERY,
  target: 0, // context: the permalinked seq
  before: null, // "Load older" continues below this seq (the answer's `next`); null with hasOlder false: the start
  hasOlder: false,
  after: null, // newer records continue above this seq (context: "Load newer"; search: new matches)
  busy: false,
  scanned: { records: 0, bytes: 0 },
  complete: true, // false: the server's budget ran out before a page was full
  pending: 0, // search and context: live records that arrived since
  error: null,
  note: '',
};

/** The live stream: the newest seq the page knows of (history and events), and, while following, the live records that arrive while the newest page loads. */
export const live = { seq: 0, buffer: null };
