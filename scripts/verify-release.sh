#!/usr/bin/env bash
# scripts/verify-release.sh [ARCH...]  (default: arm64 armhf amd64; `npm run test:package`)
# Builds each release artifact (scripts/package.sh) and checks it the way a device would see it:
#   - every .node and the node binary is an ELF for ARCH (`file`);
#   - `dpkg-deb --info/--contents`: control fields, the conffile, maintainer scripts, the tree;
#   - the artifact runs: on arm64/armhf under qemu-user-static with the target's glibc
#     (Debian's cross sysroot /usr/<triplet>, the same glibc/libstdc++ builds as libc6:ARCH), the
#     shipped Node: `sensor-agent --version`, the native addons load, and a short `run` with
#     simulated sensors buffers readings and serves /status.json, then stops cleanly on SIGTERM.
# Then scripts/provision.sh against a local sshd (test/package/provision-test.sh).
# Prints one "N passed, N failed" line; exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD
ARCHES=("$@")
[ ${#ARCHES[@]} -gt 0 ] || ARCHES=(arm64 armhf amd64)
VERSION=$(node -p 'require("./package.json").version')
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sensor-agent-verify.XXXXXX")
AGENT_PID=
cleanup() { [ -n "$AGENT_PID" ] && kill -KILL "$AGENT_PID" 2>/dev/null; rm -rf "$WORK"; }
trap cleanup EXIT
passed=0 failed=0
REPORT=$REPO/release/verify-report.txt
mkdir -p release && : > "$REPORT"
ok()   { passed=$((passed + 1)); printf '  ok   %s\n' "$*"; }
fail() { failed=$((failed + 1)); printf '  FAIL %s\n' "$*"; }
check() { local what=$1; shift; if "$@" >"$WORK/check.log" 2>&1; then ok "$what"; else fail "$what"; sed 's/^/       /' "$WORK/check.log" | tail -20; fi; }
figure() { printf '%s\n' "$*" | tee -a "$REPORT"; }

free_port() { node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'; }

for arch in "${ARCHES[@]}"; do
  echo "== $arch"
  case "$arch" in
    arm64) ELF='ARM aarch64';   RUNNER=(qemu-aarch64-static -L /usr/aarch64-linux-gnu) ;;
    armhf) ELF='ARM, EABI5';    RUNNER=(qemu-arm-static -L /usr/arm-linux-gnueabihf) ;;
    amd64) ELF='x86-64';        RUNNER=() ;;
    *) fail "unknown arch $arch"; continue ;;
  esac
  start=$SECONDS
  if ! scripts/package.sh "$arch" > "$WORK/package-$arch.log" 2>&1; then
    fail "$arch: scripts/package.sh"; tail -30 "$WORK/package-$arch.log"; continue
  fi
  ok "$arch: packaged in $((SECONDS - start)) s"
  TGZ=release/sensor-agent-$VERSION-$arch.tar.gz
  DEB=release/sensor-agent_${VERSION}_$arch.deb
  figure "$arch: tar.gz $(du -h "$TGZ" | cut -f1), deb $(du -h "$DEB" | cut -f1), packaged in $((SECONDS - start)) s"

  # ELF architecture of everything native.
  X=$WORK/$arch && mkdir -p "$X" && tar -xzf "$TGZ" -C "$X" --strip-components=1
  LIB=$X/usr/lib/sensor-agent
  nodes=$(find "$X" -name '*.node' | sort)
  check "$arch: native addons present (classic-level prebuild, i2c-bus, epoll, gpio-cdev)" sh -c 'printf "%s\n" "$1" | grep -q "/classic-level/prebuilds/linux-[a-z0-9]*/classic-level[^/]*\.node$" && printf "%s\n" "$1" | grep -q "/i2c-bus/build/Release/i2c\.node$" && printf "%s\n" "$1" | grep -q "/epoll/build/Release/epoll\.node$" && printf "%s\n" "$1" | grep -q "/gpio-cdev/build/Release/gpio_cdev\.node$"' _ "$nodes"
  for file in $nodes "$LIB/node/bin/node"; do
    check "$arch: ${file#$X/} is $ELF" sh -c 'file -b "$1" | grep -q "$2"' _ "$file" "$ELF"
  done

  # The .deb's control data and tree.
  dpkg-deb --info "$DEB" > "$WORK/info" 2>&1
  dpkg-deb --contents "$DEB" > "$WORK/contents" 2>&1
  check "$arch: control Package/Version/Architecture" sh -c "grep -q '^ Package: sensor-agent\$' '$WORK/info' && grep -q '^ Version: $VERSION\$' '$WORK/info' && grep -q '^ Architecture: $arch\$' '$WORK/info'"
  check "$arch: conffile /etc/sensor-agent/config.yaml" sh -c "dpkg-deb --ctrl-tarfile '$DEB' | tar -xOf - ./conffiles | grep -qx /etc/sensor-agent/config.yaml"
  check "$arch: maintainer scripts postinst, prerm, postrm" sh -c "dpkg-deb --ctrl-tarfile '$DEB' | tar -t | grep -cxE './(postinst|prerm|postrm)' | grep -qx 3"
  for path in ./usr/bin/sensor-agent ./usr/lib/systemd/system/sensor-agent.service ./etc/sensor-agent/config.yaml \
      ./usr/lib/sensor-agent/sensor-agent.js ./usr/lib/sensor-agent/sensor-agent.cjs ./usr/lib/sensor-agent/status-page/index.html ./usr/lib/sensor-agent/package.json \
      ./usr/lib/sensor-agent/node/bin/node ./usr/lib/sensor-agent/node_modules/classic-level/package.json; do
    check "$arch: deb contains $path" grep -q " $path\$" "$WORK/contents"
  done
  check "$arch: deb owned by root" sh -c "! awk '{print \$2}' '$WORK/contents' | grep -v '^root/root\$'"
  check "$arch: no host build leftovers (.o, obj.target, leveldb sources)" sh -c "! grep -E '\\.o\$|obj\\.target|classic-level/deps/' '$WORK/contents'"

  # It runs.
  NODE=("${RUNNER[@]}" "$LIB/node/bin/node")
  t0=$(date +%s.%N)
  check "$arch: sensor-agent --version prints $VERSION" sh -c '[ "$("$@" 2>&1)" = "'"$VERSION"'" ]' _ "${NODE[@]}" "$LIB/sensor-agent.js" --version
  figure "$arch: --version under ${RUNNER[0]:-native} in $(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)") s"
  check "$arch: native addons load (classic-level, i2c-bus, epoll, gpio-cdev)" "${NODE[@]}" -e "
    const { createRequire } = require('node:module'); const r = createRequire('$LIB/sensor-agent.js');
    r('classic-level'); r('i2c-bus'); r('epoll'); r('onoff');
    const cdev = r('gpio-cdev'); try { cdev.chipInfo('/nonexistent/gpiochip0'); process.exit(1); } catch (e) { if (e.code !== 'ENOENT') throw e; }"
  check "$arch: the shipped config passes check-config" "${NODE[@]}" "$LIB/sensor-agent.js" check-config --config "$X/etc/sensor-agent/config.yaml"

  port=$(free_port)
  mkdir -p "$WORK/run-$arch"
  cat > "$WORK/run-$arch/config.yaml" <<EOF
device: { id: verify-$arch }
mqtt: { url: "mqtt://127.0.0.1:1", reconnect: { min: 5s, max: 30s } }
store: { path: $WORK/run-$arch/buffer, commitInterval: 1s }
status: { listen: "127.0.0.1:$port" }
sensors:
  - { id: counter, driver: simulated, interval: 250ms, signal: counter, decimals: 0 }
  - { id: system, driver: system, interval: 1s }
EOF
  t0=$(date +%s.%N)
  "${NODE[@]}" "$LIB/sensor-agent.js" run --config "$WORK/run-$arch/config.yaml" > "$WORK/run-$arch/log" 2>&1 &
  AGENT_PID=$!
  status=
  for _ in $(seq 1 240); do
    status=$(node -e "fetch('http://127.0.0.1:$port/status.json').then(r=>r.text()).then(t=>{const s=JSON.parse(t); if(s.buffer.lastSeq>=5) console.log(t)}).catch(()=>{})")
    [ -n "$status" ] && break
    kill -0 "$AGENT_PID" 2>/dev/null || break
    sleep 0.25
  done
  ready=$(printf '%.1f' "$(echo "$(date +%s.%N) - $t0" | bc)")
  check "$arch: run buffers readings (lastSeq >= 5) and serves /status.json" test -n "$status"
  [ -n "$status" ] || tail -20 "$WORK/run-$arch/log"
  check "$arch: status shows device and version" sh -c "printf '%s' '$status' | grep -q '\"device\":\"verify-$arch\",\"version\":\"$VERSION\"'"
  check "$arch: /healthz answers 200" node -e "fetch('http://127.0.0.1:$port/healthz').then(r=>process.exit(r.status===200?0:1),()=>process.exit(1))"
  kill -TERM "$AGENT_PID" 2>/dev/null
  wait "$AGENT_PID"; code=$?
  AGENT_PID=
  check "$arch: SIGTERM stops it with exit 0" test "$code" -eq 0
  check "$arch: the buffer is on disk" test -f "$WORK/run-$arch/buffer/CURRENT"
  # Written on the device (here: under the emulator) by the first run, for this CPU and Node.
  check "$arch: the first run wrote its V8 code cache beside the program" sh -c "ls '$LIB'/code-cache/sensor-agent-*.v8cache >/dev/null"
  figure "$arch: run to 5 buffered readings served on /status.json in $ready s"
  rm -rf "$X"
done

# The arm64 .deb on Debian's arm64 kernel under qemu-system-aarch64 (virt, TCG): dpkg -i into a
# root of Debian's arm64 packages, then systemd runs its unit against i2c-stub and gpio-sim
# (test/package/arm64-kernel.test.ts; its assets: scripts/hil/prepare-arm64.sh). About a minute
# once the assets are cached. The test says why when it skips (no qemu-system-aarch64, no cross
# compiler, not root).
DEB=release/sensor-agent_${VERSION}_arm64.deb
if [[ " ${ARCHES[*]} " == *" arm64 "* ]] && [ -f "$DEB" ] && [ "${SKIP_ARM64_KERNEL:-}" != 1 ]; then
  echo "== arm64 kernel (qemu-system-aarch64, TCG)"
  log=$WORK/arm64-kernel.log
  if SENSOR_AGENT_ARM64_DEB=$REPO/$DEB NO_COLOR=1 npx vitest run --config vitest.package.config.ts > "$log" 2>&1; then
    if grep -aq 'arm64 kernel check SKIPPED' "$log"; then
      printf '  skip %s\n' "$(grep -ao 'arm64 kernel check SKIPPED: .*\*\*\*' "$log" | sed 's/ \*\*\*$//')"
    else
      ok "arm64: the .deb on Debian's arm64 kernel: dpkg -i, systemd runs its unit (user, groups, sandbox, READY=1), BME280 on i2c-stub, gpio-sim input and output over cdev, MQTT to the host"
      figure "$(grep -ao 'arm64 kernel figures: .*' "$log")"
    fi
  else
    fail "arm64: the .deb on Debian's arm64 kernel (test/package/arm64-kernel.test.ts)"; grep -av '^\s*$' "$log" | tail -60
  fi
fi

# The .deb's maintainer scripts for real, on this (throwaway CI) machine: install, upgrade with an
# edited config, remove, purge. Only as root, on amd64, and when no sensor-agent is installed here.
DEB=release/sensor-agent_${VERSION}_amd64.deb
if [ "$(id -u)" = 0 ] && [ -f "$DEB" ] && [ "$(dpkg --print-architecture)" = amd64 ] && ! dpkg -s sensor-agent >/dev/null 2>&1 && [ "${SKIP_DPKG:-}" != 1 ]; then
  echo "== dpkg install / upgrade / remove / purge (amd64)"
  check "dpkg -i" dpkg -i "$DEB"
  check "user sensor-agent in gpio and i2c" sh -c 'id -nG sensor-agent | tr " " "\n" | grep -cxE "gpio|i2c" | grep -qx 2'
  check "config root:sensor-agent 0640" sh -c '[ "$(stat -c %U:%G:%a /etc/sensor-agent/config.yaml)" = root:sensor-agent:640 ]'
  check "unit enabled" test -L /etc/systemd/system/multi-user.target.wants/sensor-agent.service
  check "/usr/bin/sensor-agent --version" sh -c '[ "$(sensor-agent --version)" = "'"$VERSION"'" ]'
  mkdir -p /var/lib/sensor-agent/buffer && echo marker > /var/lib/sensor-agent/buffer/CURRENT
  echo '# edited here' >> /etc/sensor-agent/config.yaml
  check "upgrade (dpkg -i again)" dpkg -i "$DEB"
  check "upgrade kept the edited conffile" sh -c 'tail -1 /etc/sensor-agent/config.yaml | grep -qx "# edited here"'
  check "dpkg -r" dpkg -r sensor-agent
  check "remove kept the buffer and the config" test -f /var/lib/sensor-agent/buffer/CURRENT -a -f /etc/sensor-agent/config.yaml
  check "dpkg -P" dpkg -P sensor-agent
  check "purge deleted the buffer, the config and the user" sh -c '! test -e /var/lib/sensor-agent && ! test -e /etc/sensor-agent && ! getent passwd sensor-agent'
fi

if [ "${SKIP_PROVISION:-}" != 1 ]; then
  echo "== provision"
  if test/package/provision-test.sh "release/sensor-agent-$VERSION-amd64.tar.gz" > "$WORK/provision.log" 2>&1; then
    ok "provision.sh: installs, configures, health-checks over ssh; reports the unreachable host"
  else
    fail "provision.sh"; tail -40 "$WORK/provision.log"
  fi
fi

echo "verify-release: $SECONDS s; figures in $REPORT"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
