#!/usr/bin/env bash
# Runs a busybox container in a Hull VM and prints what it sees from inside.
set -euo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
work=$here/target/demo
rm -rf "$work/bundle" && mkdir -p "$work/bundle" "$work/root"
[ -x "$here/target/busybox-rootfs/bin/busybox" ] || bash "$here/tests/fixtures/busybox-rootfs.sh" "$here/target/busybox-rootfs"
cat > "$work/bundle/config.json" <<JSON
{
  "ociVersion": "1.2.0",
  "process": {
    "terminal": false,
    "user": {"uid": 0, "gid": 0},
    "args": ["sh", "-c", "echo \"Hello from container \$(hostname), kernel \$(uname -r), \$(nproc) cpu, \$(awk '/MemTotal/ {print int(\$2/1024)}' /proc/meminfo) MiB\"; echo 'host kernel was $(uname -r)'"],
    "env": ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"],
    "cwd": "/"
  },
  "root": {"path": "$here/target/busybox-rootfs", "readonly": false},
  "hostname": "hull-demo"
}
JSON
exec "$here/bin/hull" --root "$work/root" run --bundle "$work/bundle" "demo-$$"
