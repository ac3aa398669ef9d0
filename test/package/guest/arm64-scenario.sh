# The arm64 guest's script (test/package/arm64-kernel.test.ts appends it to the initramfs as
# /hil/test-script.sh; scripts/hil/arm64-init.sh runs it as root after the network is up).
# The .deb was unpacked into this root on the host (dpkg-deb -x, as dpkg's unpack phase does) with
# its control scripts in /var/lib/dpkg/info/; here it is configured as dpkg would, then the agent
# runs as the unit says, against i2c-stub (the BME280 map, /hil/stub-writes) and gpio-sim.
# Console lines the host reads: `hil-step NAME`, `hil-json NAME {...}`, the agent's JSON log.
set -eu
unit=/usr/lib/systemd/system/sensor-agent.service
unit_value() { sed -n "s/^$1=//p" "$unit" | tail -1; }
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

echo "hil-step configure"
/var/lib/dpkg/info/sensor-agent.postinst configure
echo "hil-json account {\"passwd\":$(json_string "$(getent passwd sensor-agent)"),\"groups\":$(json_string "$(id -nG sensor-agent)"),\"config\":$(json_string "$(stat -c %U:%G:%a /etc/sensor-agent/config.yaml)")}"

# i2c-stub with one chip at 0x76, filled from the register map (written by the host from
# test/fixtures/regmaps/bme280.yaml through test/hil/guest/i2c-stub-load.ts's stubWrites).
hil_load i2c chip_addr=0x76
bus=
for d in /sys/bus/i2c/devices/i2c-*; do
  grep -q 'SMBus stub' "$d/name" && bus=${d##*-}
done
[ -n "$bus" ] || { echo "hil: no i2c-stub adapter"; exit 1; }
while read -r reg value kind; do i2cset -y "$bus" 0x76 "$reg" "$value" "$kind"; done < /hil/stub-writes

# gpio-sim: one bank labelled as a Pi 4's main controller, so `pin: 17` is line 17 of it.
hil_load gpio
mount -t configfs none /sys/kernel/config
c=/sys/kernel/config/gpio-sim/pi4
mkdir "$c" "$c/bank0"
echo 58 > "$c/bank0/num_lines"; echo pinctrl-bcm2711 > "$c/bank0/label"; echo 1 > "$c/live"
sim=/sys/devices/platform/$(cat "$c/dev_name")/$(cat "$c/bank0/chip_name")

# What Raspberry Pi OS's udev rules do: the buses and GPIO chips belong to the i2c and gpio groups.
chgrp i2c /dev/i2c-*; chmod 0660 /dev/i2c-*
chgrp gpio /dev/gpiochip*; chmod 0660 /dev/gpiochip*

# The edited conffile (the shipped one is the pristine default): keeps postinst's owner and mode.
sed "s/@BUS@/$bus/" /hil/config.yaml > /etc/sensor-agent/config.yaml

# The unit, as systemd would start it: StateDirectory= with its mode and owner, UMask=, User=,
# Group= (start-stop-daemon -c: setgid, initgroups, setuid), the environment systemd sets, and
# ExecStart= word for word.
user=$(unit_value User); group=$(unit_value Group)
state=/var/lib/$(unit_value StateDirectory)
mkdir -p "$state"; chown "$user:$group" "$state"; chmod "$(unit_value StateDirectoryMode)" "$state"
set -- $(unit_value ExecStart)
program=$1; shift
# Created before the agent and tail start: `tail -f` on a file not there yet would miss its start.
: > /tmp/agent.log
echo "hil-step agent-start"
(
  umask "$(unit_value UMask)"
  cd /
  exec env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 \
    STATE_DIRECTORY="$state" CONFIGURATION_DIRECTORY=/etc/sensor-agent \
    start-stop-daemon -S -c "$user:$group" -x "$program" -- "$@"
) >> /tmp/agent.log 2>&1 &
agent=$!
tail -f /tmp/agent.log &
tail_pid=$!
i=0
until grep -q '"msg":"sensor-agent running"' /tmp/agent.log; do
  kill -0 "$agent" 2>/dev/null || { echo "hil: the agent exited"; kill "$tail_pid"; exit 1; }
  i=$((i + 1)); [ "$i" -lt 1200 ] || { echo "hil: the agent was not running after 120 s"; exit 1; }
  sleep 0.1
done
echo "hil-step agent-running"
pump_before=$(cat "$sim/sim_gpio22/value")
echo "hil-json process {\"status\":$(json_string "$(grep -E '^(Uid|Gid|Groups|NoNewPrivs):' /proc/$agent/status | tr '\t' ' ' | tr '\n' ';')"),\"umask\":$(json_string "$(grep '^Umask:' /proc/$agent/status | cut -f2)"),\"gids\":$(json_string "$(for g in "$group" $(unit_value SupplementaryGroups); do getent group "$g" | cut -d: -f3; done | sort -n | tr '\n' ' ')"),\"state\":$(json_string "$(stat -c %U:%G:%a "$state")"),\"cmdline\":$(json_string "$(tr '\0' ' ' < /proc/$agent/cmdline)"),\"arch\":$(json_string "$(uname -m)")}"

# The script paces itself (the host cannot talk back over the console): a few seconds of
# readings, then edges on line 17, 1.5 s apart. The host sends the pump (line 22) ON once the
# agent has subscribed to commands; its line is read back after the edges.
sleep 3
for level in pull-up pull-down pull-up; do
  echo "hil-step gpio $level"
  echo "$level" > "$sim/sim_gpio17/pull"
  sleep 1.5
done
i=0
while [ "$(cat "$sim/sim_gpio22/value")" = 0 ] && [ "$i" -lt 100 ]; do i=$((i + 1)); sleep 0.1; done
echo "hil-json pump {\"before\":$(json_string "$pump_before"),\"after\":$(json_string "$(cat "$sim/sim_gpio22/value")")}"
echo "hil-json buffer {\"files\":$(json_string "$(ls "$state/buffer" | tr '\n' ' ')"),\"owner\":$(json_string "$(stat -c %U:%G:%a "$state/buffer")")}"
echo "hil-step agent-stop"
kill -TERM "$agent"
code=0; wait "$agent" || code=$?
kill "$tail_pid" 2>/dev/null || true
echo "hil-json stopped {\"code\":$code,\"pump\":$(json_string "$(cat "$sim/sim_gpio22/value")")}"
