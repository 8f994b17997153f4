#!/usr/bin/env bash
# Unpacks a private rsyslog with omrelp/imrelp (Debian's rsyslog + rsyslog-relp, dpkg -x) for the RELP tests; idempotent.
# rsyslog conflicts with syslog-ng as a system package, so it is never installed: only its files are unpacked.
# Usage: test/helpers/rsyslog-relp.sh [CACHE_DIR]   (default /tmp/muxd-rsyslog-relp); prints the unpacked root.
set -euo pipefail
cache="${1:-${MUXD_RSYSLOG_RELP_DIR:-/tmp/muxd-rsyslog-relp}}"
root="$cache/root"
moddir="$root/usr/lib/x86_64-linux-gnu/rsyslog"
if [ -x "$root/usr/sbin/rsyslogd" ] && [ -f "$moddir/omrelp.so" ] && [ -f "$moddir/imrelp.so" ]; then
  echo "$root"
  exit 0
fi
export DEBIAN_FRONTEND=noninteractive
need=()
for lib in librelp0 libestr0 libfastjson4 liblognorm5; do
  dpkg -s "$lib" >/dev/null 2>&1 || need+=("$lib")
done
updated=0
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq
  updated=1
  apt-get install -y -qq "${need[@]}" >/dev/null
fi
mkdir -p "$cache"
tmp="$(mktemp -d "$cache/dl.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if ! (cd "$tmp" && apt-get download rsyslog rsyslog-relp >/dev/null 2>&1); then
  [ "$updated" = 1 ] || apt-get update -qq
  (cd "$tmp" && apt-get download rsyslog rsyslog-relp >/dev/null)
fi
rm -rf "$root.new"
mkdir -p "$root.new"
for deb in "$tmp"/*.deb; do dpkg -x "$deb" "$root.new"; done
rm -rf "$root"
mv "$root.new" "$root"
echo "$root"
