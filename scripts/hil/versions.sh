# Pinned versions of the real-kernel test tier (sourced by the other scripts in scripts/hil/).
# The cache is keyed by these, so bumping one fetches and builds afresh in a new folder.
HIL_KERNEL_ABI=6.1.0-56-amd64          # uname -r inside the guest
HIL_KERNEL_DEB_VERSION=6.1.192-2       # Debian 12 package version of every kernel .deb
HIL_KERNEL_SOURCE=linux-source-6.1
HIL_KBUILD=linux-kbuild-6.1
HIL_CACHE_ROOT=${SENSOR_AGENT_HIL_CACHE:-/var/cache/sensor-agent-hil}
HIL_CACHE=$HIL_CACHE_ROOT/${HIL_KERNEL_ABI}_${HIL_KERNEL_DEB_VERSION}
