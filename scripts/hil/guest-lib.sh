# Shell helpers for scripts run inside the real-kernel test guest; run.sh sources this file before
# the test's own script. The guest runs the host's root read-only (chroot over 9p): / is not
# writable, /tmp is a tmpfs, /tmp/hil is the test's read-write results folder on the host.
# `modprobe` in PATH already points at the pinned kernel's module tree ($HIL_MODROOT), which
# includes the out-of-tree gpio-sim.

# hil_gpio_chip NAME LABEL LINES: creates and enables a gpio-sim chip via configfs; prints its
# sysfs base (e.g. 966 for the first 58-line chip on 6.1).
hil_gpio_chip() {
  modprobe gpio-sim || return 1
  [ -d /sys/kernel/config/gpio-sim ] || mount -t configfs none /sys/kernel/config || return 1
  c=/sys/kernel/config/gpio-sim/$1
  mkdir "$c" "$c/bank0" && echo "$3" > "$c/bank0/num_lines" && echo "$2" > "$c/bank0/label" && echo 1 > "$c/live" || return 1
  for g in /sys/class/gpio/gpiochip*; do
    [ "$(cat "$g/label")" = "$2" ] && { cat "$g/base"; return 0; }
  done
  return 1
}

# hil_gpio_sim_dir NAME: the sysfs folder holding sim_gpioN/{pull,value} of the chip that
# hil_gpio_chip made as NAME (e.g. /sys/devices/platform/gpio-sim.0/gpiochip0). Writing
# pull-up/pull-down to sim_gpioK/pull drives input K; sim_gpioK/value reads back an output.
hil_gpio_sim_dir() {
  c=/sys/kernel/config/gpio-sim/$1
  echo "/sys/devices/platform/$(cat "$c/dev_name")/$(cat "$c/bank0/chip_name")"
}

# hil_i2c_stub ADDR[,ADDR...]: loads i2c-stub with those chips and i2c-dev; prints /dev/i2c-N.
hil_i2c_stub() {
  modprobe i2c-stub "chip_addr=$1" && modprobe i2c-dev || return 1
  for d in /sys/bus/i2c/devices/i2c-*; do
    grep -q 'SMBus stub' "$d/name" 2>/dev/null && { echo "/dev/$(basename "$d")"; return 0; }
  done
  return 1
}

# hil_mount_store DIR: mounts the virtio-blk disk (/dev/vda, ext4) on DIR.
hil_mount_store() {
  modprobe virtio_blk && modprobe ext4 && mkdir -p "$1" && mount -t ext4 /dev/vda "$1"
}
