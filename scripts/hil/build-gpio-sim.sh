#!/usr/bin/env bash
# Builds gpio-sim.ko out of tree for the pinned kernel (which has neither GPIO_SIM nor IRQ_SIM):
# drivers/gpio/gpio-sim.c and kernel/irq/irq_sim.c from linux-source, compiled into one module
# against the unpacked linux-headers. 6.1 does not export irq_to_desc() to modules, so the
# simulated interrupt is dispatched with generic_handle_irq() (same flow handler,
# handle_simple_irq, which irq_sim sets on every mapping).
# Then lays out a module tree the guest's modprobe can use (`modprobe -d $HIL_CACHE/modroot`):
# the kernel's modules plus extra/gpio-sim.ko, with depmod run over it.
set -euo pipefail
. "$(dirname "$0")/versions.sh"
[ -e "$HIL_CACHE/.gpio-sim-built" ] && exit 0
"$(dirname "$0")/fetch-kernel.sh"
hdr_amd64=$HIL_CACHE/root/usr/src/linux-headers-$HIL_KERNEL_ABI
hdr_common=$HIL_CACHE/root/usr/src/linux-headers-${HIL_KERNEL_ABI%-amd64}-common
# The headers' Makefile includes the common one by absolute path (/usr/src/...): point it at the cache.
sed -i "s#^include /usr/src/#include $HIL_CACHE/root/usr/src/#" "$hdr_amd64/Makefile"

b=$HIL_CACHE/gpio-sim-build
rm -rf "$b"; mkdir -p "$b"
cp "$HIL_CACHE/src/gpiolib.h" "$b/"
cp "$HIL_CACHE/src/gpio-sim.c" "$b/gpio-sim-main.c"
sed 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$HIL_CACHE/src/irq_sim.c" > "$b/irq_sim.c"
grep -q 'generic_handle_irq(irqnum);' "$b/irq_sim.c" || { echo "irq_sim.c: dispatch line not found, cannot patch" >&2; exit 1; }
cat > "$b/Makefile" <<'MK'
obj-m := gpio-sim.o
gpio-sim-y := gpio-sim-main.o irq_sim.o
MK
make -s -C "$hdr_amd64" M="$b" modules
modinfo "$b/gpio-sim.ko" | grep -E '^(vermagic|depends)'

mr=$HIL_CACHE/modroot
rm -rf "$mr"; mkdir -p "$mr/lib/modules"
cp -al "$HIL_CACHE/root/lib/modules/$HIL_KERNEL_ABI" "$mr/lib/modules/" # hard links, not a second copy
rm -f "$mr/lib/modules/$HIL_KERNEL_ABI/build" "$mr/lib/modules/$HIL_KERNEL_ABI/source"
mkdir -p "$mr/lib/modules/$HIL_KERNEL_ABI/extra"
cp "$b/gpio-sim.ko" "$mr/lib/modules/$HIL_KERNEL_ABI/extra/"
depmod -b "$mr" "$HIL_KERNEL_ABI"
touch "$HIL_CACHE/.gpio-sim-built"
