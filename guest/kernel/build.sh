#!/usr/bin/env bash
# Builds the Hull guest kernel from Debian's linux-source-6.1, with Hull's patches (patches/*.patch)
# and hull.config applied on top of allnoconfig. Outputs are cached outside the work tree, keyed by
# the fragment, the patches, this script and the source package version, so an unchanged rebuild
# only re-links guest/out/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
out=${1:-$here/../out}
cache=${HULL_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/hull}
pkg=linux-source-6.1

if ! dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q 'install ok installed'; then
  echo "kernel: installing $pkg and build tools" >&2
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    "$pkg" build-essential patch flex bison bc libelf-dev libssl-dev lz4 xz-utils >&2
fi
version=$(dpkg-query -W -f='${Version}' "$pkg")
patches=("$here"/patches/*.patch)
[ -e "${patches[0]}" ] || patches=()
patched=$( (cat "${patches[@]}" /dev/null; echo "$pkg $version") | sha256sum | cut -c1-12)
key=$( (cat "$here/hull.config" "$here/build.sh" "${patches[@]}"; echo "$pkg $version") | sha256sum | cut -c1-16)
dest=$cache/kernel/$key
mkdir -p "$out"

if [ ! -f "$dest/vmlinux" ] || [ ! -f "$dest/bzImage" ]; then
  # The patched tree is kept apart from the plain one, keyed by the patches.
  src=$cache/src/$pkg-$version-$patched
  if [ ! -f "$src/Makefile" ]; then
    echo "kernel: unpacking $pkg $version into $src" >&2
    rm -rf "$src.tmp" && mkdir -p "$src.tmp"
    tar -xJf /usr/src/$pkg.tar.xz -C "$src.tmp" --strip-components=1
    for p in "${patches[@]}"; do
      echo "kernel: applying $(basename "$p")" >&2
      patch -s -p1 -d "$src.tmp" < "$p"
    done
    mv "$src.tmp" "$src"
  fi
  build=$dest/build
  # A failed or interrupted build must not look like a cached one next time.
  trap 'rm -rf "$dest"' ERR INT TERM
  mkdir -p "$build"
  echo "kernel: building $key (about 6 minutes on 2 cores)" >&2
  start=$(date +%s)
  make -s -C "$src" O="$build" KCONFIG_ALLCONFIG="$here/hull.config" allnoconfig >&2
  # Dependencies can silently drop a requested option: fail loudly instead.
  missing=0
  while IFS= read -r line; do
    case "$line" in ''|'#'*) continue;; esac
    opt=${line%%=*} val=${line#*=}
    if [ "$val" = n ]; then
      grep -q "^$opt=" "$build/.config" && { echo "kernel: $opt should be off" >&2; missing=1; }
    else
      grep -qx "$line" "$build/.config" || { echo "kernel: $line did not take effect" >&2; missing=1; }
    fi
  done < "$here/hull.config"
  [ "$missing" = 0 ] || exit 1
  make -s -C "$src" O="$build" -j"$(nproc)" vmlinux bzImage >&2
  cp "$build/vmlinux" "$dest/vmlinux.tmp" && mv "$dest/vmlinux.tmp" "$dest/vmlinux"
  cp "$build/arch/x86/boot/bzImage" "$dest/bzImage.tmp" && mv "$dest/bzImage.tmp" "$dest/bzImage"
  cp "$build/.config" "$dest/config"
  echo "kernel: built in $(( $(date +%s) - start )) s" >&2
  rm -rf "$build"
  trap - ERR INT TERM
fi
ln -sfn "$dest/vmlinux" "$out/vmlinux"
ln -sfn "$dest/bzImage" "$out/bzImage"
ln -sfn "$dest/config" "$out/kernel.config"
