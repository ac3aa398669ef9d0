# The arm64 guest's script (test/package/arm64-kernel.test.ts appends it to the initramfs as
# /hil/test-script.sh; systemd runs it as root through hil-scenario.service).
# The .deb is installed with dpkg -i (the root's dpkg database lists its Depends as installed;
# its postinst runs Debian's adduser), then systemd starts the agent from the package's own unit,
# against i2c-stub (the BME280 map, /hil/stub-writes) and gpio-sim.
# Console lines the host reads: `hil-step NAME`, `hil-json NAME {...}`, the agent's JSON log.
set -eu
. /lib/hil.sh
unit=/usr/lib/systemd/system/sensor-agent.service
unit_value() { sed -n "s/^$1=//p" "$unit" | tail -1; }
json_string() { printf '"%s"' "$(printf '%s' "$1" | sed 's/\\/\\\\/g; s/"/\\"/g')"; }

echo "hil-step configure"
dpkg -i /hil/sensor-agent.deb
echo "hil-json account {\"dpkg\":$(json_string "$(dpkg-query -W -f='${Status} ${Version} ${Architecture}' sensor-agent)"),\"enabled\":$(json_string "$(systemctl is-enabled sensor-agent.service)"),\"passwd\":$(json_string "$(getent passwd sensor-agent)"),\"groups\":$(json_string "$(id -nG sensor-agent)"),\"config\":$(json_string "$(stat -c %U:%G:%a /etc/sensor-agent/config.yaml)")}"

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

# The unit, started by systemd itself (PID 1 here): `systemctl start` returns once the agent sent
# READY=1 (Type=notify), so this is also the start-to-ready figure. The journal goes to the console.
group=$(unit_value Group)
state=/var/lib/$(unit_value StateDirectory)
journalctl -f -n all -o cat -u sensor-agent.service &
journal_pid=$!
echo "hil-step agent-start"
systemctl start sensor-agent.service || { echo "hil: systemctl start failed"; systemctl status --no-pager -l sensor-agent.service; exit 1; }
agent=$(systemctl show -p MainPID --value sensor-agent.service)
echo "hil-step agent-running"
pump_before=$(cat "$sim/sim_gpio22/value")
echo "hil-json process {\"unit\":$(json_string "$(systemctl show -p ActiveState,SubState,Type,NRestarts sensor-agent.service | tr '\n' ';')"),\"status\":$(json_string "$(grep -E '^(Uid|Gid|Groups|NoNewPrivs|Seccomp|CapEff|CapBnd):' /proc/$agent/status | tr '\t' ' ' | tr '\n' ';')"),\"umask\":$(json_string "$(grep '^Umask:' /proc/$agent/status | cut -f2)"),\"gids\":$(json_string "$(for g in "$group" $(unit_value SupplementaryGroups); do getent group "$g" | cut -d: -f3; done | sort -n | tr '\n' ' ')"),\"state\":$(json_string "$(stat -c %U:%G:%a "$state")"),\"cmdline\":$(json_string "$(tr '\0' ' ' < /proc/$agent/cmdline)"),\"arch\":$(json_string "$(uname -m)")}"

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
systemctl stop sensor-agent.service
code=$(systemctl show -p ExecMainStatus --value sensor-agent.service)
result=$(systemctl show -p Result --value sensor-agent.service)
sleep 1 # the journal's last lines
kill "$journal_pid" 2>/dev/null || true
echo "hil-json stopped {\"code\":$code,\"result\":$(json_string "$result"),\"pump\":$(json_string "$(cat "$sim/sim_gpio22/value")")}"
