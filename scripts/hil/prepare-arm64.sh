#!/usr/bin/env bash
# The arm64 real-kernel check's assets (test/package/arm64-kernel.test.ts, run by
# `npm run test:package`): Debian's arm64 kernel at the same ABI and version as the amd64 tier's,
# booted under qemu-system-aarch64 (virt, TCG) from an initramfs that is a whole arm64 root.
#   - the arm64 .debs come from Debian's apt, through a private apt state (arm64 package lists in
#     the cache; the host's dpkg architectures and lists are not touched);
#   - i2c-stub and gpio-sim are not built into Debian's arm64 6.1 (CONFIG_I2C_STUB and
#     CONFIG_GPIO_SIM are unset): both are cross-built out of tree (gcc-aarch64-linux-gnu) from
#     linux-source against the arm64 headers, with the amd64 linux-kbuild's host tools (fixdep,
#     modpost); gpio-sim with the same irq_sim patch as scripts/hil/build-gpio-sim.sh;
#   - base.cpio: the arm64 packages the .deb depends on (glibc, libstdc++, libgcc, adduser,
#     systemd) with their dependencies as apt resolves them, dpkg and busybox-static, unpacked and
#     recorded in /var/lib/dpkg/status (dpkg -i checks the .deb's Depends against them),
#     scripts/hil/arm64-init.sh as /init, scripts/hil/arm64-lib.sh as /lib/hil.sh, and the
#     modules in /modules with one load order per feature (net, i2c, gpio).
# Cached in ${SENSOR_AGENT_HIL_CACHE:-/var/cache/sensor-agent-hil}/<abi>_<version>/; a second run
# fetches and builds nothing. Prints one JSON line with the paths the test needs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/versions.sh"
"$here/fetch-kernel.sh" # the amd64 set: linux-kbuild (host tools), the common headers, linux-source
AMD64_CACHE=$HIL_CACHE
ABI=${HIL_KERNEL_ABI%-amd64}-arm64
C=$HIL_CACHE_ROOT/${ABI}_$HIL_KERNEL_DEB_VERSION
mkdir -p "$C"

if [ ! -e "$C/.fetched-5" ]; then
  apt_dir=$C/apt
  mkdir -p "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$C/debs"
  : > "$apt_dir/status"
  A=(-o "Dir::State=$apt_dir/state" -o "Dir::State::status=$apt_dir/status" -o "Dir::Cache=$apt_dir/cache"
     -o APT::Architecture=arm64 -o APT::Architectures::=arm64)
  apt-get "${A[@]}" update -qq
  # The root's packages: what the .deb depends on (libc6, libstdc++6, libgcc-s1, adduser, systemd)
  # with their dependencies as apt resolves them (no recommends), dpkg to install it, busybox for
  # the other tools; perl-base (adduser is perl), login (/usr/sbin/nologin), libpam-runtime
  # (chfn's PAM stack) and dash (/bin/sh, for maintainer scripts: busybox's sh would run its own
  # applets first, its dpkg among them) are Essential or required, so apt does not pull them in.
  mapfile -t root_set < <(apt-get "${A[@]}" install -s --no-install-recommends libc6 libstdc++6 libgcc-s1 adduser systemd dpkg \
    perl-base login libpam-runtime dash busybox-static libc-bin | awk '$1=="Inst"{print $2}')
  rm -f "$C/debs/"*.deb
  (cd "$C/debs" && apt-get "${A[@]}" download "linux-image-$ABI=$HIL_KERNEL_DEB_VERSION" "linux-headers-$ABI=$HIL_KERNEL_DEB_VERSION" \
    "${root_set[@]}" 2>&1 | grep -v '^W: Download is performed unsandboxed' || true)
  printf '%s\n' "${root_set[@]}" > "$C/debs/root-set"
  rm -rf "$C/root" "$C/userland" "$C/.built"; mkdir -p "$C/root" "$C/userland/var/lib/dpkg/info" "$C/userland/var/lib/dpkg/updates"
  for p in linux-image linux-headers; do dpkg-deb -x "$C/debs/$p-${ABI}_"*.deb "$C/root"; done
  for p in "linux-headers-${HIL_KERNEL_ABI%-amd64}-common" "$HIL_KBUILD"; do dpkg-deb -x "$AMD64_CACHE/debs/${p}_"*.deb "$C/root"; done
  # Unpacked, not configured (their maintainer scripts would need the root running), and
  # recorded as installed in dpkg's database, as debootstrap leaves a root: dpkg -i in the guest
  # then checks the .deb's Depends against them.
  : > "$C/userland/var/lib/dpkg/status"
  for p in "${root_set[@]}"; do
    deb=$(ls "$C/debs/${p}_"*.deb)
    dpkg-deb -x "$deb" "$C/userland"
    dpkg-deb -c "$deb" | awk '{ sub(/^\.\/?/, "/", $6); print ($6 == "/" ? "/." : $6) }' | sed 's#/$##' > "$C/userland/var/lib/dpkg/info/$p.list"
    dpkg-deb -f "$deb" | sed '/^Package:/a Status: install ok installed' >> "$C/userland/var/lib/dpkg/status"
    echo >> "$C/userland/var/lib/dpkg/status"
  done
  : > "$C/userland/var/lib/dpkg/available"
  # What libpam-runtime's postinst (pam-auth-update, with pam_unix the only profile: Debian's
  # default) writes; adduser's chfn reads them.
  p=$C/userland/etc/pam.d
  printf 'auth\t[success=1 default=ignore]\tpam_unix.so nullok\nauth\trequisite\t\t\tpam_deny.so\nauth\trequired\t\t\tpam_permit.so\n' > "$p/common-auth"
  printf 'account\t[success=1 new_authtok_reqd=done default=ignore]\tpam_unix.so\naccount\trequisite\t\t\tpam_deny.so\naccount\trequired\t\t\tpam_permit.so\n' > "$p/common-account"
  printf 'password\t[success=1 default=ignore]\tpam_unix.so obscure yescrypt\npassword\trequisite\t\t\tpam_deny.so\npassword\trequired\t\t\tpam_permit.so\n' > "$p/common-password"
  printf 'session\t[default=1]\t\t\tpam_permit.so\nsession\trequisite\t\t\tpam_deny.so\nsession\trequired\t\t\tpam_permit.so\nsession\trequired\tpam_unix.so\n' > "$p/common-session"
  cp "$p/common-session" "$p/common-session-noninteractive"
  # linux-source ships one big tarball; take only the two drivers.
  t=$(mktemp -d)
  dpkg-deb --fsys-tarfile "$AMD64_CACHE/debs/${HIL_KERNEL_SOURCE}_"*.deb | tar -x -C "$t" --wildcards './usr/src/linux-source-*.tar.xz'
  tarball=$(ls "$t"/usr/src/linux-source-*.tar.xz); top=$(basename "$tarball" .tar.xz)
  tar -xJf "$tarball" -C "$t" "$top/drivers/i2c/i2c-stub.c"
  mkdir -p "$C/src" && cp "$t/$top/drivers/i2c/i2c-stub.c" "$AMD64_CACHE/src/"{gpio-sim.c,gpiolib.h,irq_sim.c} "$C/src/"
  rm -rf "$t"
  touch "$C/.fetched-5"
fi

if [ ! -e "$C/.built" ]; then
  hdr=$C/root/usr/src/linux-headers-$ABI
  # The headers' Makefile includes the common one by absolute path (/usr/src/...): point it at the cache.
  sed -i "s#^include /usr/src/#include $C/root/usr/src/#" "$hdr/Makefile"
  b=$C/build; rm -rf "$b"; mkdir -p "$b"
  cp "$C/src/gpiolib.h" "$C/src/i2c-stub.c" "$b/"
  cp "$C/src/gpio-sim.c" "$b/gpio-sim-main.c"
  sed 's/handle_simple_irq(irq_to_desc(irqnum));/generic_handle_irq(irqnum);/' "$C/src/irq_sim.c" > "$b/irq_sim.c"
  grep -q 'generic_handle_irq(irqnum);' "$b/irq_sim.c" || { echo "irq_sim.c: dispatch line not found, cannot patch" >&2; exit 1; }
  printf 'obj-m := gpio-sim.o i2c-stub.o\ngpio-sim-y := gpio-sim-main.o irq_sim.o\n' > "$b/Makefile"
  make -s -C "$hdr" M="$b" ARCH=arm64 CROSS_COMPILE=aarch64-linux-gnu- modules 2>&1 | grep -v '^Skipping BTF generation' || true
  modinfo "$b/gpio-sim.ko" | grep -q "^vermagic: *$ABI .*aarch64" || { echo "gpio-sim.ko: wrong vermagic" >&2; exit 1; }
  mr=$C/modroot; rm -rf "$mr"; mkdir -p "$mr/lib/modules"
  cp -al "$C/root/lib/modules/$ABI" "$mr/lib/modules/"
  rm -f "$mr/lib/modules/$ABI/build" "$mr/lib/modules/$ABI/source"
  mkdir -p "$mr/lib/modules/$ABI/extra" && cp "$b/gpio-sim.ko" "$b/i2c-stub.ko" "$mr/lib/modules/$ABI/extra/"
  depmod -b "$mr" "$ABI"
  touch "$C/.built"
fi

hash=$(cat "$here/arm64-init.sh" "$here/arm64-lib.sh" "$0" | sha256sum | cut -c1-12)
base=$C/base-$hash.cpio
if [ ! -e "$base" ]; then
  rm -f "$C"/base-*.cpio # an older /init or list
  t=$(mktemp -d)
  mkdir -p "$t"/{bin,sbin,usr/bin,usr/sbin,proc,sys,dev,tmp,run,etc,var/lib,modules}
  cp -a "$C/userland/." "$t/"
  cp "$here/arm64-init.sh" "$t/init" && chmod +x "$t/init"
  ln -sf dash "$t/bin/sh" # as dash's postinst would; busybox --install -s leaves it
  cp "$here/arm64-lib.sh" "$t/lib/hil.sh"
  : > "$t/etc/machine-id" # systemd makes a transient one
  printf 'PRETTY_NAME="sensor-agent arm64 test root"\nID=debian\nVERSION_ID=12\n' > "$t/etc/os-release"
  printf 'root:x:0:0:root:/root:/bin/sh\n' > "$t/etc/passwd"
  printf 'root:x:0:\n' > "$t/etc/group"
  printf 'root:*:20000:0:99999:7:::\n' > "$t/etc/shadow"
  printf 'root:*::\n' > "$t/etc/gshadow"
  chmod 0640 "$t/etc/shadow" "$t/etc/gshadow"
  printf 'passwd: files\ngroup: files\nshadow: files\n' > "$t/etc/nsswitch.conf"
  for feature in net:virtio_pci,virtio_net i2c:i2c-dev,i2c-stub gpio:gpio-sim; do
    name=${feature%%:*}
    for m in $(echo "${feature#*:}" | tr , ' '); do
      modprobe -d "$C/modroot" -S "$ABI" --show-depends "$m" | awk '$1=="insmod"{print $2}'
    done | awk '!seen[$0]++' | while read -r ko; do
      cp "$ko" "$t/modules/"; basename "$ko" >> "$t/modules/$name.order"
    done
  done
  (cd "$t" && find . | cpio -o -H newc --quiet) > "$base.tmp"
  mv "$base.tmp" "$base"
  rm -rf "$t"
fi
printf '{"kernel":"%s","base":"%s","abi":"%s","cache":"%s"}\n' "$C/root/boot/vmlinuz-$ABI" "$base" "$ABI" "$C"
