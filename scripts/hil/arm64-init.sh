#!/bin/busybox sh
# /init of the arm64 real-kernel check (scripts/hil/prepare-arm64.sh puts it in base.cpio). The
# initramfs is the whole arm64 root: busybox-static, glibc and libstdc++ from Debian's arm64
# packages, and what the test appended (the unpacked .deb, /hil/test-script.sh). It loads the
# network modules, brings up qemu's user-mode network (the host's loopback is 10.0.2.2), runs
# the script, prints `hil-exit: <code>` and powers off.
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs tmpfs /run

# hil_load FEATURE [PARAMS]: insmod the feature's modules in dependency order (the last one is the
# feature's own module, and gets PARAMS).
hil_load() {
  last=$(tail -1 "/modules/$1.order")
  for m in $(cat "/modules/$1.order"); do
    if [ "$m" = "$last" ]; then insmod "/modules/$m" ${2:-} || return 1
    else insmod "/modules/$m" 2>/dev/null; fi
  done
  return 0
}
hil_load net || echo "hil-init: the network modules did not load"
ip link set lo up
if ip link set eth0 up 2>/dev/null; then
  ip addr add 10.0.2.15/24 dev eth0
  ip route add default via 10.0.2.2
fi
hostname hil-arm64

echo "hil-init: ready after $(cut -d' ' -f1 /proc/uptime) s ($(uname -m) $(uname -r))"
cd /
( . /hil/test-script.sh ) < /dev/console > /dev/console 2>&1
echo "hil-exit: $?"
sync
poweroff -f
