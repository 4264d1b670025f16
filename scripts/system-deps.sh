#!/usr/bin/env bash
# Make sure the system packages Tanji needs are present: libzbar0 (pyzbar's decoder),
# nodejs/npm (npm installs the front-end libraries the app serves, pinned by package-lock.json),
# and a CJK font (label.png draws Chinese; WenQuanYi Micro Hei is 1.6 MB, Noto CJK 56 MB).
# Installs them with apt when missing and we are root; otherwise says what to install.
# Servers of the multi-node topology (postgresql, redis-server, nginx: deploy/start-local.sh and its tests)
# are installed too when missing and we are root; otherwise their tests skip, saying why.
set -euo pipefail

missing=()
# grep without -q reads all of ldconfig's output: with pipefail, an early exit would fail the pipe.
PATH="$PATH:/sbin:/usr/sbin" ldconfig -p 2>/dev/null | grep 'libzbar\.so\.0' >/dev/null || missing+=(libzbar0)
command -v npm >/dev/null || missing+=(nodejs npm)
[ -e /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ] || missing+=(fonts-wqy-microhei)
for tool in "$@"; do            # optional extra Debian packages, e.g. wrk, chromium
  dpkg -s "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
servers=()
for server in postgresql redis-server nginx; do
  dpkg -s "$server" >/dev/null 2>&1 || servers+=("$server")
done
root=false
[ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null && root=true
[ ${#missing[@]} -eq 0 ] && { [ ${#servers[@]} -eq 0 ] || [ "$root" = false ]; } && exit 0

if [ "$root" = true ]; then
  echo "Installing system packages: ${missing[*]} ${servers[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq "${missing[@]}" "${servers[@]}" >/dev/null
else
  echo "Missing system packages: ${missing[*]}" >&2
  echo "Install them, e.g.: sudo apt-get install ${missing[*]}" >&2
  exit 1
fi
