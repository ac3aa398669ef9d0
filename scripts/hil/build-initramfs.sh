#!/usr/bin/env bash
# Builds the tier's initramfs: busybox-static, scripts/hil/guest-init.sh as /init, and the
# kernel modules needed before the host root is mounted (9p over virtio-pci, virtio-net), in
# dependency order. Everything else is loaded later from $HIL_CACHE/modroot over 9p.
# Rebuilt when guest-init.sh changes (the cache key includes its hash).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
"$here/build-gpio-sim.sh"
hash=$(cat "$here/guest-init.sh" "$here/build-initramfs.sh" | sha256sum | cut -c1-12)
out=$HIL_CACHE/initramfs-$hash.cpio.gz
if [ ! -e "$out" ]; then
  busybox=$(command -v busybox || true)
  [ -n "$busybox" ] && file -L "$busybox" | grep -q 'statically linked' || { echo "busybox-static is not installed (apt-get install busybox-static)" >&2; exit 1; }
  t=$(mktemp -d)
  mkdir -p "$t"/{bin,proc,sys,dev,modules,newroot}
  cp "$busybox" "$t/bin/busybox"
  cp "$here/guest-init.sh" "$t/init"; chmod +x "$t/init"
  : > "$t/modules.order"
  for m in virtio_pci 9pnet_virtio 9p virtio_net; do
    modprobe -d "$HIL_CACHE/modroot" -S "$HIL_KERNEL_ABI" --show-depends "$m" | awk '$1=="insmod"{print $2}'
  done | awk '!seen[$0]++' | while read -r ko; do
    cp "$ko" "$t/modules/"; basename "$ko" >> "$t/modules.order"
  done
  (cd "$t" && find . | cpio -o -H newc --quiet | gzip -1) > "$out.tmp"
  mv "$out.tmp" "$out"
  rm -rf "$t"
fi
echo "$out"
