#!/bin/busybox sh
# /init of the arm64 real-kernel check (scripts/hil/prepare-arm64.sh puts it in base.cpio). The
# initramfs is the whole arm64 root: busybox-static, glibc and libstdc++ from Debian's arm64
# packages, systemd, and what the test appended (the unpacked .deb, the scenario). It loads the
# network modules and brings up qemu's user-mode network (the host's loopback is 10.0.2.2). Then
# systemd becomes PID 1 when the test appended hil-scenario.service (which runs the scenario and
# powers off); otherwise /hil/test-script.sh runs here, `hil-exit: <code>` is printed and the
# guest powers off.
/bin/busybox --install -s /bin
export PATH=/usr/sbin:/usr/bin:/sbin:/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
mkdir -p /dev/pts /dev/shm
mount -t devpts devpts /dev/pts
mount -t tmpfs -o mode=1777 tmpfs /tmp
mount -t tmpfs tmpfs /run

. /lib/hil.sh
hil_load net || echo "hil-init: the network modules did not load"
ip link set lo up
if ip link set eth0 up 2>/dev/null; then
  ip addr add 10.0.2.15/24 dev eth0
  ip route add default via 10.0.2.2
fi
hostname hil-arm64

echo "hil-init: ready after $(cut -d' ' -f1 /proc/uptime) s ($(uname -m) $(uname -r))"
# systemd as PID 1 (exec keeps the pid) when the test appended the scenario's unit; the network
# stays as set up here.
if [ -x /lib/systemd/systemd ] && [ -e /etc/systemd/system/hil-scenario.service ]; then
  exec /lib/systemd/systemd --log-level=warning --show-status=false
fi
cd /
( . /hil/test-script.sh ) < /dev/console > /dev/console 2>&1
echo "hil-exit: $?"
sync
poweroff -f
