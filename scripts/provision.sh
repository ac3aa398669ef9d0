#!/usr/bin/env bash
# scripts/provision.sh: install or upgrade sensor-agent on a fleet over ssh.
#
#   scripts/provision.sh --template fleet.yaml [options] HOSTS_FILE
#
# HOSTS_FILE: one device a line, `NAME [user@]ADDRESS[:PORT] [key=value ...]`; '#' starts a comment.
#   NAME gives the default device id; key=value pairs fill the template's {{key}} (e.g. site=north).
# The template is the device's config.yaml with placeholders: {{device_id}}, {{name}}, {{serial}},
# {{status_port}} (8080 unless the line sets status_port=), and any key of the line.
# Per host: detect the architecture, copy release/sensor-agent_<version>_<arch>.deb and the rendered
# config, `dpkg -i` (the config is put in place first and kept: --force-confold), optionally install
# the MQTT password as a systemd credential, restart, then poll /healthz on the device until 200.
#
# Options:
#   -j, --parallel N           hosts at once (default 4)
#   --template FILE            config template (required)
#   --device-id hostname|serial  device id from NAME (default) or the Pi's serial (pi-<last 8 hex>)
#   --release DIR              where the artifacts are (default release/)
#   --mqtt-password-file FILE  installed as /etc/sensor-agent/credentials/mqtt-password with a
#                              LoadCredential= drop-in; use passwordFile: ${CREDENTIALS_DIRECTORY}/mqtt-password
#   --ssh-option OPT           passed to ssh, repeatable (e.g. --ssh-option -i --ssh-option ~/.ssh/fleet)
#   --health-timeout SECONDS   wait for /healthz (default 60)
#   --root DIR                 test mode: no dpkg, no systemd: the tarball is unpacked under
#                              DIR/<NAME> on the host and the agent started there in the background
# Exit: 0 when every host is healthy, 1 when any failed (the summary says which and why).
set -uo pipefail
REPO=$(cd "$(dirname "$0")/.." && pwd)
PARALLEL=4 TEMPLATE= DEVICE_ID_FROM=hostname RELEASE=$REPO/release PASSWORD_FILE= HEALTH_TIMEOUT=60 ROOT=
SSH_OPTS=(-o BatchMode=yes -o ConnectTimeout=10)
usage() { sed -n '2,/^set -uo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit "${1:-2}"; }
while [ $# -gt 0 ]; do
  case "$1" in
    -j|--parallel) PARALLEL=$2; shift 2 ;;
    --template) TEMPLATE=$2; shift 2 ;;
    --device-id) DEVICE_ID_FROM=$2; shift 2 ;;
    --release) RELEASE=$2; shift 2 ;;
    --mqtt-password-file) PASSWORD_FILE=$2; shift 2 ;;
    --ssh-option) SSH_OPTS+=("$2"); shift 2 ;;
    --health-timeout) HEALTH_TIMEOUT=$2; shift 2 ;;
    --root) ROOT=$2; shift 2 ;;
    -h|--help) usage 0 ;;
    -*) echo "unknown option $1" >&2; usage ;;
    *) break ;;
  esac
done
HOSTS=${1:-}
[ -n "$HOSTS" ] && [ -f "$HOSTS" ] && [ -f "$TEMPLATE" ] || usage
case "$DEVICE_ID_FROM" in hostname|serial) ;; *) echo "--device-id: hostname or serial" >&2; exit 2 ;; esac
VERSION=$(node -p "require('$REPO/package.json').version")
RESULTS=$(mktemp -d "${TMPDIR:-/tmp}/sensor-agent-provision.XXXXXX")
trap 'rm -rf "$RESULTS"' EXIT

# Same rule as the agent's default device id: lowercase, anything outside [a-z0-9_-] becomes '-'.
sanitize() { printf '%s' "$1" | tr 'A-Z' 'a-z' | sed -E 's/[^a-z0-9_-]+/-/g; s/^-+//; s/-+$//'; }

render() { # render TEMPLATE key=value... : replaces {{key}}; an unknown {{key}} is an error
  local text; text=$(cat "$TEMPLATE")
  for pair in "$@"; do
    local key=${pair%%=*} value=${pair#*=}
    text=${text//"{{$key}}"/$value}
  done
  if printf '%s' "$text" | grep -qo '{{[a-z_]*}}'; then
    echo "template placeholder(s) without a value: $(printf '%s' "$text" | grep -o '{{[a-z_]*}}' | sort -u | tr '\n' ' ')" >&2
    return 1
  fi
  printf '%s\n' "$text"
}

# The remote side, run by `sh -s` on the device. Arguments: MODE(real|root) ROOT TMP STATUS_PORT TIMEOUT
REMOTE_INSTALL='
set -eu
mode=$1 root=$2 tmp=$3 port=$4 timeout=$5
sudo=; [ "$(id -u)" = 0 ] || sudo="sudo -n"
if [ "$mode" = real ]; then
  $sudo install -d -m 0755 /etc/sensor-agent
  $sudo install -m 0640 "$tmp/config.yaml" /etc/sensor-agent/config.yaml
  $sudo env DEBIAN_FRONTEND=noninteractive dpkg -i --force-confold --force-confdef "$tmp/sensor-agent.deb" >"$tmp/dpkg.log" 2>&1 || { tail -5 "$tmp/dpkg.log" >&2; echo "dpkg -i failed" >&2; exit 11; }
  $sudo chown root:sensor-agent /etc/sensor-agent/config.yaml
  if [ -f "$tmp/mqtt-password" ]; then
    $sudo install -d -m 0700 /etc/sensor-agent/credentials /etc/systemd/system/sensor-agent.service.d
    $sudo install -m 0600 "$tmp/mqtt-password" /etc/sensor-agent/credentials/mqtt-password
    printf "[Service]\nLoadCredential=mqtt-password:/etc/sensor-agent/credentials/mqtt-password\n" | $sudo tee /etc/systemd/system/sensor-agent.service.d/credentials.conf >/dev/null
  fi
  $sudo systemctl daemon-reload
  $sudo systemctl enable --quiet sensor-agent
  $sudo systemctl restart sensor-agent || { $sudo journalctl -u sensor-agent -n 5 --no-pager >&2 || true; echo "systemctl restart failed" >&2; exit 12; }
  node=/usr/lib/sensor-agent/node/bin/node
else
  mkdir -p "$root/etc/sensor-agent" "$root/var/lib/sensor-agent" "$root/var/log" "$root/run"
  tar -xzf "$tmp/sensor-agent.tar.gz" -C "$root" --strip-components=1 --exclude="*/etc/sensor-agent/config.yaml"
  install -m 0640 "$tmp/config.yaml" "$root/etc/sensor-agent/config.yaml"
  if [ -f "$root/run/sensor-agent.pid" ]; then   # the stand-in for systemctl restart
    old=$(cat "$root/run/sensor-agent.pid")
    kill -TERM "$old" 2>/dev/null || true
    i=0; while kill -0 "$old" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
  fi
  STATE_DIRECTORY="$root/var/lib/sensor-agent" setsid nohup "$root/usr/bin/sensor-agent" run --config "$root/etc/sensor-agent/config.yaml" \
    >>"$root/var/log/sensor-agent.log" 2>&1 </dev/null &
  echo $! > "$root/run/sensor-agent.pid"
  node=$root/usr/lib/sensor-agent/node/bin/node
fi
"$node" -e "
  const url = \"http://127.0.0.1:$port/healthz\", deadline = Date.now() + $timeout * 1000;
  let last = \"no answer\";
  (async () => {
    for (;;) {
      try { const r = await fetch(url); if (r.status === 200) process.exit(0); last = r.status + \" \" + (await r.text()); } catch (e) { last = String(e.cause?.code ?? e.message); }
      if (Date.now() > deadline) { console.error(\"/healthz not 200 after $timeout s: \" + last); process.exit(13); }
      await new Promise((r) => setTimeout(r, 500));
    }
  })();"
rm -rf "$tmp"
'

provision_host() { # NAME TARGET [key=value...]; writes $RESULTS/NAME
  local name=$1 target=$2; shift 2
  local port= host=$target
  case "$target" in *:*) port=${target##*:}; host=${target%:*} ;; esac
  local ssh=(ssh "${SSH_OPTS[@]}"); [ -n "$port" ] && ssh+=(-p "$port"); ssh+=("$host")
  local out=$RESULTS/$name log=$RESULTS/$name.log
  fail() { printf 'FAILED\t%s\t%s\n' "$name" "$1" > "$out"; }
  local facts
  if ! facts=$("${ssh[@]}" "uname -m; (tr -d '\\000' < ${ROOT:+$ROOT/$name}/proc/device-tree/serial-number || awk '/^Serial/ {print \$3}' /proc/cpuinfo) 2>/dev/null | tail -1; mktemp -d" 2>"$log"); then
    fail "ssh: $(tail -1 "$log")"; return
  fi
  local machine serial tmp arch
  machine=$(sed -n 1p <<<"$facts"); serial=$(sed -n 2p <<<"$facts"); tmp=$(sed -n 3p <<<"$facts")
  [ -n "$tmp" ] || { tmp=$serial; serial=; }
  case "$machine" in aarch64|arm64) arch=arm64 ;; armv7l|armv6l|armhf) arch=armhf ;; x86_64) arch=amd64 ;; *) fail "unsupported machine $machine"; return ;; esac
  local artifact=$RELEASE/sensor-agent_${VERSION}_$arch.deb remote=sensor-agent.deb mode=real
  if [ -n "$ROOT" ]; then artifact=$RELEASE/sensor-agent-$VERSION-$arch.tar.gz remote=sensor-agent.tar.gz mode=root; fi
  [ -f "$artifact" ] || { fail "no artifact $artifact (scripts/package.sh $arch)"; return; }
  local device_id
  if [ "$DEVICE_ID_FROM" = serial ]; then
    [ -n "$serial" ] || { fail "no Pi serial number on the host"; return; }
    device_id=pi-$(sanitize "${serial: -8}")
  else
    device_id=$(sanitize "$name")
  fi
  local status_port=8080 pair
  for pair in "$@"; do [ "${pair%%=*}" = status_port ] && status_port=${pair#*=}; done
  if ! render "device_id=$device_id" "name=$name" "serial=$serial" "status_port=$status_port" "$@" > "$RESULTS/$name.yaml" 2>"$log"; then
    fail "config: $(tail -1 "$log")"; return
  fi
  "${ssh[@]}" "cat > '$tmp/$remote'" < "$artifact" 2>"$log" && "${ssh[@]}" "cat > '$tmp/config.yaml'" < "$RESULTS/$name.yaml" 2>>"$log" \
    && { [ -z "$PASSWORD_FILE" ] || "${ssh[@]}" "umask 077; cat > '$tmp/mqtt-password'" < "$PASSWORD_FILE" 2>>"$log"; } \
    || { fail "copy: $(tail -1 "$log")"; return; }
  if ! "${ssh[@]}" sh -s -- "$mode" "${ROOT:+$ROOT/$name}" "$tmp" "$status_port" "$HEALTH_TIMEOUT" <<<"$REMOTE_INSTALL" >"$log" 2>&1; then
    fail "$(tail -1 "$log")"; return
  fi
  printf 'OK\t%s\t%s %s on %s, healthy\n' "$name" "$device_id" "$VERSION" "$arch" > "$out"
}

started=$SECONDS
count=0
while read -r name target rest; do
  case "$name" in ''|'#'*) continue ;; esac
  [ -n "$target" ] || target=$name
  # shellcheck disable=SC2086 # key=value words
  while [ "$(jobs -rp | wc -l)" -ge "$PARALLEL" ]; do wait -n; done
  provision_host "$name" "$target" $rest &
  count=$((count + 1))
done < "$HOSTS"
wait

failures=0
echo "provisioned $count host(s) in $((SECONDS - started)) s:"
for result in "$RESULTS"/*; do
  case "$result" in *.log|*.yaml) continue ;; esac
  [ -f "$result" ] || continue
  IFS=$'\t' read -r verdict name why < "$result"
  printf '  %-7s %-20s %s\n' "$verdict" "$name" "$why"
  [ "$verdict" = OK ] || failures=$((failures + 1))
done
[ "$failures" -eq 0 ] || { echo "$failures host(s) failed"; exit 1; }
