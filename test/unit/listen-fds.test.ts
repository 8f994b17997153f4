// systemd socket activation's environment, parsed as sd_listen_fds_with_names(3) reads it, and descriptors handed out once by name.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ListenFds, parseListenFds } from '../../src/systemd/listen-fds.js';

test('LISTEN_FDS/LISTEN_FDNAMES map names to descriptors from 3 on; unnamed ones are "unknown"', () => {
  const m = parseListenFds({ LISTEN_PID: '42', LISTEN_FDS: '4', LISTEN_FDNAMES: 'http:collect::udp' }, 42);
  assert.deepEqual([...m], [['http', [3]], ['collect', [4]], ['unknown', [5]], ['udp', [6]]]);
  assert.deepEqual([...parseListenFds({ LISTEN_PID: '42', LISTEN_FDS: '2' }, 42)], [['unknown', [3, 4]]]);
});

test('variables meant for another process (LISTEN_PID differs), or malformed, pass nothing', () => {
  assert.equal(parseListenFds({ LISTEN_PID: '41', LISTEN_FDS: '1', LISTEN_FDNAMES: 'http' }, 42).size, 0);
  assert.equal(parseListenFds({ LISTEN_FDS: '1' }, 42).size, 0);
  assert.equal(parseListenFds({ LISTEN_PID: '42', LISTEN_FDS: 'x' }, 42).size, 0);
  assert.equal(parseListenFds({ LISTEN_PID: '42', LISTEN_FDS: '0' }, 42).size, 0);
});

test('each descriptor is taken once, by its name only; what nobody took is reported', () => {
  const fds = new ListenFds(parseListenFds({ LISTEN_PID: '1', LISTEN_FDS: '3', LISTEN_FDNAMES: 'collect:syslog:relpx' }, 1));
  assert.equal(fds.active, true);
  assert.equal(fds.take('collect'), 3);
  assert.equal(fds.take('collect'), null, 'not handed out twice');
  assert.equal(fds.take('http'), null);
  assert.equal(fds.take('syslog'), 4);
  assert.deepEqual(fds.unused(), ['relpx (fd 5)']);
});
