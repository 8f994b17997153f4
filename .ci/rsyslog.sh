#!/usr/bin/env bash
# Prints the path of an rsyslogd for the tests: the system one, or the private copy (rsyslog + rsyslog-relp) that
# test/helpers/rsyslog-relp.sh unpacks once with dpkg -x (rsyslog conflicts with syslog-ng as a Debian package).
# Idempotent; `.ci/run` calls it, and test/helpers/rsyslog.ts calls it when no rsyslogd is found.
set -euo pipefail
if command -v rsyslogd >/dev/null; then command -v rsyslogd; exit 0; fi
root=$("$(dirname "$0")/../test/helpers/rsyslog-relp.sh" | tail -n 1)
echo "$root/usr/sbin/rsyslogd"
