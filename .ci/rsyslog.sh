#!/usr/bin/env bash
# Prints the path of an rsyslogd for the tests: the system one, or a private copy unpacked (once) into a cache folder.
# rsyslog conflicts with syslog-ng as a Debian package, so it is never installed: `apt-get download` + `dpkg -x` instead.
# Idempotent; `.ci/run` calls it, and test/helpers/rsyslog.ts calls it when no rsyslogd is found.
set -euo pipefail
if command -v rsyslogd >/dev/null; then command -v rsyslogd; exit 0; fi
cache=${MUXD_BENCH_CACHE:-/tmp/muxd-bench}
if [ ! -x "$cache/rsyslog/usr/sbin/rsyslogd" ]; then
  mkdir -p "$cache"
  # Its shared libraries do not conflict with anything: install them (needs root, as .ci/run has).
  if ! dpkg -s libestr0 libfastjson4 liblognorm5 >/dev/null 2>&1; then
    apt-get update -qq >&2
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq libestr0 libfastjson4 liblognorm5 >/dev/null
  fi
  tmp=$(mktemp -d "$cache/rsyslog-dl.XXXXXX")
  (cd "$tmp" && apt-get download rsyslog >/dev/null 2>&1 || { apt-get update -qq >&2 && apt-get download rsyslog >/dev/null; })
  rm -rf "$cache/rsyslog.new" && dpkg -x "$tmp"/rsyslog_*.deb "$cache/rsyslog.new"
  rm -rf "$tmp" "$cache/rsyslog" && mv "$cache/rsyslog.new" "$cache/rsyslog"
fi
echo "$cache/rsyslog/usr/sbin/rsyslogd"
