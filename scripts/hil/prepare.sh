#!/usr/bin/env bash
# One entry for the real-kernel test tier's assets: fetch + unpack the pinned kernel debs, build
# gpio-sim.ko, lay out the module tree, build the initramfs. Cached under
# ${SENSOR_AGENT_HIL_CACHE:-/var/cache/sensor-agent-hil}/<abi>_<deb version>/; a second run fetches
# and builds nothing. Prints one JSON line with the paths the harness needs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
initramfs=$("$here/build-initramfs.sh" | tail -1)
printf '{"kernel":"%s","initramfs":"%s","modroot":"%s","abi":"%s","cache":"%s"}\n' \
  "$HIL_CACHE/root/boot/vmlinuz-$HIL_KERNEL_ABI" "$initramfs" "$HIL_CACHE/modroot" "$HIL_KERNEL_ABI" "$HIL_CACHE"
