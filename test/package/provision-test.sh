#!/usr/bin/env bash
# test/package/provision-test.sh: scripts/provision.sh against a real sshd on loopback serving a
# fake root (--root): never a real host. Needs root (sshd, root login by key) and the amd64
# tarball in release/ (scripts/package.sh amd64). Called by scripts/verify-release.sh.
set -euo pipefail
cd "$(dirname "$0")/../.."
[ "$(id -u)" = 0 ] || { echo "skipped: needs root to run sshd"; exit 0; }
SSHD=$(command -v sshd || echo /usr/sbin/sshd)
[ -x "$SSHD" ] || { echo "sshd missing: apt-get install openssh-server" >&2; exit 1; }
T=$(mktemp -d "${TMPDIR:-/tmp}/sensor-agent-provision-test.XXXXXX")
SSHD_PID=
stop_all() {
  for pidfile in "$T"/fleet/*/run/sensor-agent.pid; do [ -f "$pidfile" ] && kill -TERM "$(cat "$pidfile")" 2>/dev/null; done
  [ -n "$SSHD_PID" ] && kill "$SSHD_PID" 2>/dev/null
  sleep 1; rm -rf "$T"
}
trap stop_all EXIT
free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }
expect() { if eval "$2"; then echo "ok   $1"; else echo "FAIL $1"; exit 1; fi; }

# sshd on loopback: own host key, one authorized client key, no passwords.
ssh-keygen -q -t ed25519 -N '' -f "$T/host_key"
ssh-keygen -q -t ed25519 -N '' -f "$T/client_key"
cp "$T/client_key.pub" "$T/authorized_keys" && chmod 600 "$T/authorized_keys"
SSH_PORT=$(free_port)
cat > "$T/sshd_config" <<EOF
Port $SSH_PORT
ListenAddress 127.0.0.1
HostKey $T/host_key
AuthorizedKeysFile $T/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
UsePAM no
StrictModes no
PidFile $T/sshd.pid
EOF
mkdir -p /run/sshd
"$SSHD" -D -e -f "$T/sshd_config" 2>"$T/sshd.log" &
SSHD_PID=$!
for _ in $(seq 1 50); do node -e "require('net').connect($SSH_PORT,'127.0.0.1').on('connect',()=>process.exit(0)).on('error',()=>process.exit(1))" && break; sleep 0.1; done

A_PORT=$(free_port) B_PORT=$(free_port) DEAD_PORT=$(free_port)
cat > "$T/hosts" <<EOF
# name           ssh target                      template values
Greenhouse.01    root@127.0.0.1:$SSH_PORT        status_port=$A_PORT site=north
barn-02          root@127.0.0.1:$SSH_PORT        status_port=$B_PORT site=south
gone-03          root@127.0.0.1:$DEAD_PORT       status_port=1
EOF
cat > "$T/fleet.yaml" <<'EOF'
device: { id: "{{device_id}}" }
mqtt: { url: "mqtt://127.0.0.1:1", topicPrefix: "farm/{{site}}/{{device_id}}", reconnect: { min: 5s, max: 30s } }
status: { listen: "127.0.0.1:{{status_port}}" }
sensors:
  - { id: counter, driver: simulated, interval: 200ms, signal: counter, decimals: 0 }
EOF
SSH=(--ssh-option -i --ssh-option "$T/client_key" --ssh-option -o --ssh-option StrictHostKeyChecking=no --ssh-option -o --ssh-option UserKnownHostsFile=/dev/null --ssh-option -o --ssh-option LogLevel=ERROR)

set +e
scripts/provision.sh --template "$T/fleet.yaml" --root "$T/fleet" -j 3 --health-timeout 60 "${SSH[@]}" "$T/hosts" > "$T/out" 2>&1
code=$?
set -e
cat "$T/out"
expect "exit 1 when a host failed" '[ $code -eq 1 ]'
expect "Greenhouse.01 OK with device id greenhouse-01" 'grep -qE "OK +Greenhouse.01 +greenhouse-01 " "$T/out"'
expect "barn-02 OK" 'grep -qE "OK +barn-02 " "$T/out"'
expect "gone-03 FAILED with the ssh reason" 'grep -qE "FAILED +gone-03 +ssh: .*(refused|Connection)" "$T/out"'
expect "config rendered per host" 'grep -q "farm/north/greenhouse-01" "$T/fleet/Greenhouse.01/etc/sensor-agent/config.yaml" && grep -q "127.0.0.1:$B_PORT" "$T/fleet/barn-02/etc/sensor-agent/config.yaml"'
status() { node -e "fetch('http://127.0.0.1:$1/status.json').then(r=>r.json()).then(s=>console.log(s.device, s.buffer.lastSeq))"; }
read -r dev seq1 < <(status "$A_PORT")
expect "the agent runs there: /status.json says greenhouse-01" '[ "$dev" = greenhouse-01 ]'

# Upgrade (again, one host): the agent is restarted, the buffer and its seq kept.
grep -v -e gone-03 -e barn-02 "$T/hosts" > "$T/hosts-one"
old_pid=$(cat "$T/fleet/Greenhouse.01/run/sensor-agent.pid")
sleep 1
scripts/provision.sh --template "$T/fleet.yaml" --root "$T/fleet" "${SSH[@]}" "$T/hosts-one"
new_pid=$(cat "$T/fleet/Greenhouse.01/run/sensor-agent.pid")
read -r dev seq2 < <(status "$A_PORT")
expect "upgrade restarted the agent" '[ "$old_pid" != "$new_pid" ] && ! kill -0 "$old_pid" 2>/dev/null'
expect "upgrade kept the buffer (lastSeq $seq2 >= $seq1)" '[ "$seq2" -ge "$seq1" ]'
echo "provision test passed"
