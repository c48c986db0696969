#!/usr/bin/env bash
# Install the Debian/Ubuntu packages named as arguments when they are missing.
# As root this uses apt-get; otherwise it prints the command to run and fails.
# Usage: scripts/system-deps.sh [--optional] PACKAGE...
set -euo pipefail
optional=0
if [ "${1:-}" = "--optional" ]; then optional=1; shift; fi

missing=()
for package in "$@"; do
  if [ "$package" = chromium ] && { command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1 || [ -n "${NIANBAO_CHROMIUM:-}" ]; }; then
    continue
  fi
  if dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
    continue
  fi
  missing+=("$package")
done
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
  echo "nianbao: installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
  exit 0
fi
echo "nianbao: missing system packages: ${missing[*]}" >&2
echo "         install them with: sudo apt-get install ${missing[*]}" >&2
[ "$optional" -eq 1 ] && exit 0
exit 1
