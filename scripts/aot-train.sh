#!/usr/bin/env bash
# Makes target/hull.aot, the JDK's ahead-of-time cache for the CLI, from a training run with exactly
# the flags bin/hull uses: an attached `run` of a busybox `true`, which loads what every verb needs
# (picocli, Jackson, the bundle, the state store, the VM and agent client). As root the container
# gets a network namespace with a veth, so the network set-up (ip/tc, taps, the agent's network
# request) is trained too. Then target/hull-verb.aot, the short verbs' cache (see below). bin/hull
# uses a cache only while it is newer than the jar.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
java=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}/bin/java
rootfs=$here/target/busybox-rootfs
[ -x "$rootfs/bin/busybox" ] || bash "$here/tests/fixtures/busybox-rootfs.sh" "$rootfs"
work=$(mktemp -d)
ns=hull-aot-$$
cleanup() {
  ip link del "hullaot$$" 2>/dev/null || true
  ip netns del "$ns" 2>/dev/null || true
  # A shim killed in a failed training leaves its mounts: the folder goes only without them.
  awk -v w="$work/" 'index($5, w) == 1 {print $5}' /proc/self/mountinfo | sort -r | while read -r m; do
    umount -l "$m" || true
  done
  rm -rf "$work"
}
trap cleanup EXIT
linux=""
if [ "$(id -u)" = 0 ] && ip netns add "$ns" 2>/dev/null; then
  ip link add "hullaot$$" type veth peer name eth0 netns "$ns"
  ip -n "$ns" addr add 10.195.0.2/24 dev eth0 && ip -n "$ns" link set eth0 up
  linux=",\"linux\":{\"namespaces\":[{\"type\":\"pid\"},{\"type\":\"ipc\"},{\"type\":\"network\",\"path\":\"/run/netns/$ns\"}]}"
fi
mkdir -p "$work/bundle"
cat > "$work/bundle/config.json" <<JSON
{"ociVersion":"1.2.0","process":{"args":["true"],"env":["PATH=/bin"],"cwd":"/"},"root":{"path":"$rootfs"}$linux}
JSON
rm -f "$here/target/hull.aot"
"$java" $("$here/bin/hull" --print-jvm-flags) -XX:AOTCacheOutput="$here/target/hull.aot" \
  -Dhull.jvmExit=true -Dhull.home="$here" -cp "$here/target/hull.jar" dev.hull.cli.Main --root "$work/root" \
  run --bundle "$work/bundle" train </dev/null >/dev/null 2>&1

# The short verbs' cache (bin/hull picks it for every verb but create, run, exec, check and the shim):
# one JVM runs them in turn on a container made with the cache above.
sed -i 's|"args":\["true"\]|"args":["sleep","60"]|' "$work/bundle/config.json"
rm -f "$here/target/hull-verb.aot"
"$here/bin/hull" --root "$work/root" create --bundle "$work/bundle" verbs </dev/null >/dev/null 2>&1
"$java" $("$here/bin/hull" --print-jvm-flags) -XX:AOTCacheOutput="$here/target/hull-verb.aot" \
  -Dhull.home="$here" -cp "$here/target/hull.jar" dev.hull.cli.VerbTraining --root "$work/root" \
  start verbs ,, --root "$work/root" state verbs ,, --root "$work/root" list ,, --root "$work/root" ps verbs ,, \
  --root "$work/root" pause verbs ,, --root "$work/root" resume verbs ,, --root "$work/root" kill verbs KILL ,, \
  --root "$work/root" delete --force verbs </dev/null >/dev/null 2>&1
"$here/bin/hull" --root "$work/root" delete --force verbs </dev/null >/dev/null 2>&1 || true

# The shim's cache (ShimLauncher gives it to every shim): a shim alone, trained through a container's
# life. The JVM loads and links every class of its cache at start and writes each one's metadata, a
# private copy per process, so a shim with the CLI's cache (every verb's command line, an attached run)
# kept ~0.4 MiB more than with its own. Its life here: output, an exec (probes exec often), kill; the
# rarer verbs load what they need when used. Only the shim gets HULL_JVM_OPTIONS here: the CLI that
# starts it is this java with no cache, so the shim has none either; it writes its cache in its own exit.
sed -i 's|"args":\["sleep","60"\]|"args":["sh","-c","echo out; sleep 60"]|' "$work/bundle/config.json"
rm -f "$here/target/hull-shim.aot"
HULL_JVM_OPTIONS="-Dhull.jvmExit=true -XX:AOTCacheOutput=$here/target/hull-shim.aot" "$java" \
  $("$here/bin/hull" --print-jvm-flags) -Xlog:disable -Dhull.home="$here" -cp "$here/target/hull.jar" \
  dev.hull.cli.Main --root "$work/root" create --bundle "$work/bundle" shim </dev/null >/dev/null 2>&1
owner=$(pgrep -f -- "--root $work/root shim .* shim\$" || true)
for verb in "start shim" "exec shim true" "kill shim KILL"; do
  # shellcheck disable=SC2086
  "$here/bin/hull" --root "$work/root" $verb </dev/null >/dev/null 2>&1 || true
done
sleep 1
"$here/bin/hull" --root "$work/root" delete --force shim </dev/null >/dev/null 2>&1 || true
# The shim assembles its cache after the container is gone (a child JVM, a few seconds).
for _ in $(seq 600); do
  [ -n "$owner" ] && kill -0 "$owner" 2>/dev/null || break
  sleep 0.2
done

# The containerd v2 shim's cache (bin/containerd-shim-hull-v2's `start` gives it to the pod's shim JVM):
# that JVM alone, taken by scripts/V2Training.java (containerd's stand-in, over ttrpc) through a
# container's life: create, start, an exec, stats, kill, wait, delete, shutdown (the workload outlives the
# exec: an exec into a container whose first process has ended fails). A bundle with no namespaces:
# the shim is not in a container's network namespace here.
mkdir -p "$work/v2/bundle"
cat > "$work/v2/bundle/config.json" <<JSON
{"ociVersion":"1.2.0","process":{"args":["sh","-c","echo out; sleep 60"],"env":["PATH=/bin"],"cwd":"/"},"root":{"path":"$rootfs"}}
JSON
rm -f "$here/target/hull-v2.aot"
HULL_V2_ROOT="$work/v2/root" HULL_TEMPLATE=off \
  HULL_JVM_OPTIONS="-Dhull.jvmExit=true -XX:AOTCacheOutput=$here/target/hull-v2.aot" \
  "$java" -Dhull.home="$here" -cp "$here/target/hull.jar" "$here/scripts/V2Training.java" \
  "$work/v2/bundle" "$work/v2/train.sock" </dev/null >"$work/v2/train.out" 2>&1 || {
  # Not fatal (the v2 shim then uses the shim's cache), but said with its reason.
  echo "aot-train: the v2 shim's training failed:" >&2
  tail -5 "$work/v2/train.out" >&2
  tail -3 "$work"/v2/root/log/*.log >&2 2>/dev/null || true
}
