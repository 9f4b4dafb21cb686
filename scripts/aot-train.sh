#!/usr/bin/env bash
# Makes target/hull.aot, the JDK's ahead-of-time cache for the CLI, from a training run with exactly
# the flags bin/hull uses: an attached `run` of a busybox `true`, which loads what every verb needs
# (picocli, Jackson, the bundle, the state store, the VM and agent client). bin/hull uses the cache
# only while it is newer than the jar.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
rootfs=$here/target/busybox-rootfs
[ -x "$rootfs/bin/busybox" ] || bash "$here/tests/fixtures/busybox-rootfs.sh" "$rootfs"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/bundle"
cat > "$work/bundle/config.json" <<JSON
{"ociVersion":"1.2.0","process":{"args":["true"],"env":["PATH=/bin"],"cwd":"/"},"root":{"path":"$rootfs"}}
JSON
rm -f "$here/target/hull.aot"
"$java" $("$here/bin/hull" --print-jvm-flags) -XX:AOTCacheOutput="$here/target/hull.aot" \
  -Dhull.home="$here" -cp "$here/target/hull.jar" dev.hull.cli.Main --root "$work/root" \
  run --bundle "$work/bundle" train </dev/null >/dev/null 2>&1
