// Regression: an unexpected exception in a handler was answered as ERR_IO ("a write failed, resend it"), which sends
// clients into retries for what is a bug. It is now 500 ERR_INTERNAL, with a fixed message and no path or stack.
import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { startWebStack } from '../helpers/web-fakes.js';
import type { WebStack } from '../helpers/web-fakes.js';

describe('unexpected exceptions', { timeout: 20_000 }, () => {
  let web: WebStack;
  before(async () => {
    web = await startWebStack({
      staticHandler: () => {
        throw new TypeError('cannot read properties of undefined at /srv/secret/path.js:12');
      },
    });
  });
  after(() => web.close());

  it('answer 500 ERR_INTERNAL with a fixed message, never ERR_IO, never the error text', async () => {
    const res = await fetch(`${web.url}/anything.txt`);
    assert.equal(res.status, 500);
    const text = await res.text();
    assert.deepEqual(JSON.parse(text), { error: { code: 'ERR_INTERNAL', message: 'internal error' } });
    assert.doesNotMatch(text, /secret|TypeError|\.js/);
  });
});
