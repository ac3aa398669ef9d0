# Shell helpers of the arm64 guest (scripts/hil/prepare-arm64.sh copies this file to /lib/hil.sh
# in the base archive; /init and the scenario source it).

# hil_load FEATURE [PARAMS]: insmod the feature's modules (/modules/FEATURE.order, dependency
# order; the last one is the feature's own module and gets PARAMS). Modules already loaded are
# skipped.
hil_load() {
  last=$(tail -1 "/modules/$1.order")
  for m in $(cat "/modules/$1.order"); do
    if [ "$m" = "$last" ]; then insmod "/modules/$m" ${2:-} || return 1
    else insmod "/modules/$m" 2>/dev/null; fi
  done
  return 0
}
