#!/usr/bin/env bash
# One entry for the real-kernel test tier's assets: fetch + unpack the pinned kernel debs, build
# gpio-sim.ko, lay out the module tree, build the initramfs. Cached under
# ${SENSOR_AGENT_HIL_CACHE:-/var/cache/sensor-agent-hil}/<abi>_<deb version>/; a second run fetches
# and builds nothing. Prints one JSON line with the paths the harness needs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
initramfs=$("$here/build-initramfs.sh" | tail -1)
# The uncompressed kernel (an ELF with a PVH entry): qemu boots it directly, which saves the
# several seconds TCG spends decompressing the xz bzImage on every boot.
vmlinux=$HIL_CACHE/vmlinux-$HIL_KERNEL_ABI
if [ ! -e "$vmlinux" ]; then
  python3 - "$HIL_CACHE/root/boot/vmlinuz-$HIL_KERNEL_ABI" "$vmlinux.tmp" <<'PY'
import lzma, sys
image = open(sys.argv[1], 'rb').read()
start = image.find(b'\xfd7zXZ\x00')
if start < 0:
    sys.exit('no xz stream in the bzImage')
open(sys.argv[2], 'wb').write(lzma.LZMADecompressor().decompress(image[start:]))
PY
  head -c 4 "$vmlinux.tmp" | grep -q ELF || { echo "extracted kernel is not an ELF file" >&2; exit 1; }
  mv "$vmlinux.tmp" "$vmlinux"
fi
printf '{"kernel":"%s","initramfs":"%s","modroot":"%s","abi":"%s","cache":"%s"}\n' \
  "$vmlinux" "$initramfs" "$HIL_CACHE/modroot" "$HIL_KERNEL_ABI" "$HIL_CACHE"
