#!/usr/bin/env bash
# Installs the Debian packages Hull's build and tests need, and checks for JDK 25.
set -euo pipefail
pkgs=(qemu-system-x86 linux-source-6.1 build-essential patch flex bison bc libelf-dev libssl-dev
      lz4 cpio xz-utils busybox-static libjansson-dev libseccomp-dev maven tmux util-linux iproute2 curl iptables
      podman conmon crun containerd docker.io libcap2-bin containernetworking-plugins python3-grpcio)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}" >&2
fi
java_home=${JAVA_HOME:-}
if [ -z "$java_home" ] || ! "$java_home/bin/java" -version 2>&1 | grep -q 'version "25'; then
  echo "deps: JDK 25 not found (set JAVA_HOME; expected /usr/lib/jvm/temurin-25-jdk-amd64)" >&2
  exit 1
fi
