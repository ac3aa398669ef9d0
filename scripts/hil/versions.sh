# Kernel versions of the real-kernel test tier (sourced by the other scripts in scripts/hil/).
# The cache is keyed by the resolved ABI and version, so a new kernel fetches and builds afresh in
# a new folder.
#
# The preferred kernel is pinned below. Debian's security archive keeps only some old versions of
# some packages (linux-kbuild-6.1 keeps just the newest), so a pin goes stale within weeks. When
# the pinned set cannot be downloaded, the newest Debian 12 kernel whose whole set (image, headers,
# common headers, kbuild, source at one version) is in the package lists is used instead, and
# one line on stderr says so. SENSOR_AGENT_HIL_KERNEL=<abi>=<version> forces a choice.
HIL_KERNEL_PINNED_ABI=6.1.0-57-amd64          # uname -r inside the guest
HIL_KERNEL_PINNED_DEB_VERSION=6.1.192-3       # Debian 12 package version of every kernel .deb
HIL_KERNEL_SOURCE=linux-source-6.1
HIL_KBUILD=linux-kbuild-6.1
HIL_CACHE_ROOT=${SENSOR_AGENT_HIL_CACHE:-/var/cache/sensor-agent-hil}

# hil_kernel_set ABI VERSION: the five packages, as name=version.
hil_kernel_set() {
  printf '%s\n' "linux-image-$1=$2" "linux-headers-$1=$2" "linux-headers-${1%-amd64}-common=$2" \
    "$HIL_KBUILD=$2" "$HIL_KERNEL_SOURCE=$2"
}

# hil_kernel_set_available ABI VERSION: every package of the set is in the package lists (or its
# cache folder is already built, which needs no download at all).
hil_kernel_set_available() {
  [ -e "$HIL_CACHE_ROOT/${1}_${2}/.fetched" ] && return 0
  local p
  for p in $(hil_kernel_set "$1" "$2"); do
    # apt-cache show exits 0 for an unknown version (it only prints "E: ..."): count the records
    # (grep -c reads to the end: grep -q would SIGPIPE apt-cache and fail under pipefail).
    [ "$(apt-cache show "$p" 2>/dev/null | grep -c '^Package:')" -gt 0 ] || return 1
  done
}

# hil_kernel_newest: "ABI VERSION" of the newest complete set in the package lists.
hil_kernel_newest() {
  local abi v
  for abi in $(apt-cache pkgnames linux-image-6.1.0- 2>/dev/null | grep -E '^linux-image-6\.1\.0-[0-9]+-amd64$' \
      | sed 's/^linux-image-//' | sort -t- -k2,2nr); do
    for v in $(apt-cache madison "linux-image-$abi" 2>/dev/null | awk '{print $3}' | sort -rV); do
      hil_kernel_set_available "$abi" "$v" && { echo "$abi $v"; return 0; }
    done
  done
  return 1
}

hil_resolve_kernel() {
  if [ -n "${SENSOR_AGENT_HIL_KERNEL:-}" ]; then
    HIL_KERNEL_ABI=${SENSOR_AGENT_HIL_KERNEL%%=*}
    HIL_KERNEL_DEB_VERSION=${SENSOR_AGENT_HIL_KERNEL#*=}
    return 0
  fi
  HIL_KERNEL_ABI=$HIL_KERNEL_PINNED_ABI
  HIL_KERNEL_DEB_VERSION=$HIL_KERNEL_PINNED_DEB_VERSION
  hil_kernel_set_available "$HIL_KERNEL_ABI" "$HIL_KERNEL_DEB_VERSION" && return 0
  # The lists may just be old: refresh them once before giving up on the pin.
  if [ -z "${HIL_APT_UPDATED:-}" ]; then
    apt-get update -qq >/dev/null 2>&1 || true
    export HIL_APT_UPDATED=1
    hil_kernel_set_available "$HIL_KERNEL_ABI" "$HIL_KERNEL_DEB_VERSION" && return 0
  fi
  local newest
  newest=$(hil_kernel_newest) || {
    echo "hil: the pinned kernel $HIL_KERNEL_ABI=$HIL_KERNEL_DEB_VERSION is not in the package lists and no complete Debian 12 kernel set is" >&2
    return 1
  }
  echo "hil: the pinned kernel $HIL_KERNEL_ABI=$HIL_KERNEL_DEB_VERSION is gone from the archive; using ${newest% *}=${newest#* } (the newest complete set)" >&2
  HIL_KERNEL_ABI=${newest% *}
  HIL_KERNEL_DEB_VERSION=${newest#* }
}

if [ -z "${HIL_KERNEL_ABI:-}" ] || [ -z "${HIL_KERNEL_DEB_VERSION:-}" ]; then
  hil_resolve_kernel || exit 1
  # The scripts prepare.sh calls source this file again: resolve once.
  export HIL_KERNEL_ABI HIL_KERNEL_DEB_VERSION
fi
HIL_CACHE=$HIL_CACHE_ROOT/${HIL_KERNEL_ABI}_${HIL_KERNEL_DEB_VERSION}
