#!/usr/bin/env bash
# Turns the guest's files in OUT from symbolic links into the cache (kernel/build.sh, initrd/build.sh)
# into hard links (copies across file systems): the cache is in the builder's home, and root's is
# private, while every user who runs this installation (rootless podman runs it as that user) must read
# the guest. Apart from the build scripts, whose text keys the kernel's cache.
set -euo pipefail
out=$1
for f in vmlinux bzImage kernel.config initrd.img; do
  [ -L "$out/$f" ] || continue
  target=$(readlink -f "$out/$f")
  ln -f "$target" "$out/$f.tmp" 2>/dev/null || cp -f "$target" "$out/$f.tmp"
  mv -f "$out/$f.tmp" "$out/$f"
done
