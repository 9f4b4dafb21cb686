#!/usr/bin/env bash
# Packs the guest initramfs: hull-agent as /init and the empty mount points it needs, lz4-compressed
# (the kernel's RD_LZ4). Cached outside the work tree by a hash of its inputs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../out}
cache=${HULL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hull}
agent=$out/hull-agent
[ -x "$agent" ] || { echo "initrd: $agent is missing: build the agent first (make -C guest agent)" >&2; exit 1; }
command -v cpio >/dev/null && command -v lz4 >/dev/null || {
  apt-get update -q >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -q cpio lz4 >&2
}
key=$(cat "$agent" "$here/build.sh" | sha256sum | cut -c1-16)
dest=$cache/initrd/$key
if [ ! -f "$dest/initrd.img" ]; then
  stage=$(mktemp -d)
  trap 'rm -rf "$stage"' EXIT
  mkdir -p "$stage"/{dev,proc,sys,run,tmp} "$dest"
  cp "$agent" "$stage/init"
  # The kernel opens /dev/console for /init before anything is mounted.
  mknod -m 600 "$stage/dev/console" c 5 1 2>/dev/null || true
  (cd "$stage" && find . -print0 | LC_ALL=C sort -z | cpio --null -o -H newc --reproducible -R 0:0 2>/dev/null) \
    | lz4 -l -9 -q > "$dest/initrd.img.tmp"
  mv "$dest/initrd.img.tmp" "$dest/initrd.img"
fi
ln -sfn "$dest/initrd.img" "$out/initrd.img"
