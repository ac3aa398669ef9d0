#!/bin/busybox sh
# /init of the real-kernel test tier's initramfs (busybox-static only). It loads the modules
# for 9p and the network, mounts the host's root read-only over 9p, a tmpfs on /tmp, the
# read-write 9p results folder on /tmp/hil, and runs /tmp/hil/run.sh chrooted into the host
# root (so the guest runs the host's Node and the checkout as they are). The script's exit
# code goes to /tmp/hil/exit-code, then the guest powers off.
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
for m in $(cat /modules.order); do insmod "/modules/$m" 2>/dev/null || echo "hil-init: insmod $m failed"; done

r=/newroot
mkdir -p $r
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000,cache=loose,ro hostroot $r || { echo "hil-init: cannot mount the host root"; poweroff -f; }
mount -t proc proc $r/proc
mount -t sysfs sysfs $r/sys
mount -t devtmpfs devtmpfs $r/dev
mkdir -p $r/dev/pts $r/dev/shm
mount -t devpts devpts $r/dev/pts
mount -t tmpfs tmpfs $r/dev/shm
# A checkout under the host's /tmp (a CI clone, say) would be hidden by the guest's tmpfs on /tmp:
# the harness names it on the kernel command line (hil.repo=), and it is moved back on top.
repo=$(sed -n 's/.*hil\.repo=\([^ ]*\).*/\1/p' /proc/cmdline)
case "$repo" in
  /tmp/?*) mkdir -p /keep-repo && mount -o bind "$r$repo" /keep-repo || repo= ;;
  *) repo= ;;
esac
mount -t tmpfs -o mode=1777 tmpfs $r/tmp
if [ -n "$repo" ]; then mkdir -p "$r$repo" && mount -o move /keep-repo "$r$repo"; fi
mount -t tmpfs tmpfs $r/run
mkdir -p $r/tmp/hil
mount -t 9p -o trans=virtio,version=9p2000.L,msize=512000 results $r/tmp/hil || { echo "hil-init: cannot mount the results folder"; poweroff -f; }

# qemu's user-mode network: the guest is 10.0.2.15, the host's loopback is 10.0.2.2.
ip link set lo up
if ip link set eth0 up 2>/dev/null; then
  ip addr add 10.0.2.15/24 dev eth0
  ip route add default via 10.0.2.2
fi
hostname hil-guest

echo "hil-init: ready after $(cut -d' ' -f1 /proc/uptime) s"
chroot $r /usr/bin/env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root TERM=dumb \
  /bin/sh /tmp/hil/run.sh < /dev/console > /dev/console 2>&1
echo $? > $r/tmp/hil/exit-code
sync
umount $r/tmp/hil 2>/dev/null
echo "hil-init: done"
poweroff -f
