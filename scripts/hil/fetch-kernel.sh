#!/usr/bin/env bash
# Fetches the pinned Debian kernel packages with `apt-get download` and unpacks them with
# `dpkg-deb -x` (never installs them) into the cache, outside the clone. Idempotent: a second
# run finds $HIL_CACHE/.fetched and does nothing.
#   $HIL_CACHE/debs/      the .deb files as downloaded
#   $HIL_CACHE/root/      image + headers + kbuild unpacked (lib/modules/<abi>, boot/vmlinuz-<abi>,
#                         usr/src/linux-headers-<abi>)
#   $HIL_CACHE/src/       the few files of linux-source the out-of-tree gpio-sim needs
set -euo pipefail
. "$(dirname "$0")/versions.sh"
[ -e "$HIL_CACHE/.fetched" ] && exit 0
mkdir -p "$HIL_CACHE/debs" "$HIL_CACHE/root" "$HIL_CACHE/src"
cd "$HIL_CACHE/debs"
mapfile -t pkgs < <(hil_kernel_set "$HIL_KERNEL_ABI" "$HIL_KERNEL_DEB_VERSION")
missing=()
for p in "${pkgs[@]}"; do
  ls "${p%%=*}"_*.deb >/dev/null 2>&1 || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  # apt-get download needs the package lists; refresh them once if a version is unknown.
  apt-get download "${missing[@]}" 2>/dev/null || { apt-get update -qq; apt-get download "${missing[@]}"; }
fi
for p in "${pkgs[@]}"; do
  name=${p%%=*}
  [ "$name" = "$HIL_KERNEL_SOURCE" ] && continue
  dpkg-deb -x "$name"_*.deb "$HIL_CACHE/root"
done
# linux-source ships one big tarball; take only what gpio-sim needs.
tmp=$(mktemp -d)
dpkg-deb -x "$HIL_KERNEL_SOURCE"_*.deb "$tmp"
tarball=$(ls "$tmp"/usr/src/linux-source-*.tar.xz)
top=$(basename "$tarball" .tar.xz)
tar -xJf "$tarball" -C "$tmp" "$top/drivers/gpio/gpio-sim.c" "$top/drivers/gpio/gpiolib.h" "$top/kernel/irq/irq_sim.c"
cp "$tmp/$top/drivers/gpio/gpio-sim.c" "$tmp/$top/drivers/gpio/gpiolib.h" "$tmp/$top/kernel/irq/irq_sim.c" "$HIL_CACHE/src/"
rm -rf "$tmp"
touch "$HIL_CACHE/.fetched"
