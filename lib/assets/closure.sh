#!/bin/sh
# ELF closure: copy binaries, every shared library they load (DT_NEEDED, recursively, as the dynamic
# loader resolves them) and the loader itself into ROOT at the same paths. Copied into build
# contexts by atelier (lib/assets/closure.sh); runs inside a build stage that has ldd.
# usage: closure.sh ROOT BINARY...
set -eu
root=$1; shift
mkdir -p "$root"
copy() {
  # keep symlinks as symlinks and copy their targets too, so sonames resolve as on the build stage
  src=$1
  while :; do
    [ -e "$root$src" ] || [ -L "$root$src" ] || { mkdir -p "$root$(dirname "$src")"; cp -a "$src" "$root$src"; }
    [ -L "$src" ] || break
    t=$(readlink "$src")
    case $t in /*) src=$t ;; *) src=$(dirname "$src")/$t ;; esac
  done
}
for bin in "$@"; do
  [ -f "$bin" ] || { echo "closure: $bin: no such file" >&2; exit 1; }
  copy "$bin"
  # ldd prints "name => /path (addr)" for libraries and "/path (addr)" for the loader
  ldd "$bin" 2>/dev/null | awk '/=>/ { if ($3 ~ /^\//) print $3; next } $1 ~ /^\// { print $1 }' | sort -u | while read -r lib; do
    copy "$lib"
  done
done
