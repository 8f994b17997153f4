// The access log never prints a `token` query value, whatever the spelling of its name (regression: the page's ?token=).
import { it } from 'node:test';
import assert from 'node:assert/strict';
import { redactSecrets } from '../../src/http/core/access-log.js';

it('redactSecrets hides every token parameter value and leaves everything else byte for byte', () => {
  const cases: Array<[string | undefined, string | undefined]> = [
    [undefined, undefined],
    ['/index.html', '/index.html'],
    ['/_muxd/events?token=abc', '/_muxd/events?token=REDACTED'],
    ['/_muxd/journal?limit=5&token=abc&before=9', '/_muxd/journal?limit=5&token=REDACTED&before=9'],
    ['/x?TOKEN=abc', '/x?TOKEN=REDACTED'],
    ['/x?tok%65n=abc', '/x?tok%65n=REDACTED'],
    ['/x?token=a&token=b', '/x?token=REDACTED&token=REDACTED'],
    ['/x?mytoken=abc&token_type=x', '/x?mytoken=abc&token_type=x'],
    ['/x?token=abc#frag', '/x?token=REDACTED#frag'],
    ['http://127.0.0.1:8000/_muxd/?token=s3cret', 'http://127.0.0.1:8000/_muxd/?token=REDACTED'],
    ['/x?%E0%A4%A=1&token=abc', '/x?%E0%A4%A=1&token=REDACTED'],
  ];
  for (const [input, want] of cases) assert.equal(redactSecrets(input), want, String(input));
});
