#!/usr/bin/env bash
# Checks installed tools (make install): none may load a library from the Swift toolchain's directory, and each
# must start with that directory hidden (a private mount namespace with an empty tmpfs over it, when run as root).
# usage: check-install.sh BINDIR TOOL...
set -euo pipefail
bindir=$1; shift
toolchain_lib="$(cd "$(dirname "$(readlink -f "$(command -v swift)")")/../lib" && pwd)"
status=0
for t in "$@"; do
  if ldd "$bindir/$t" | grep -F "$toolchain_lib" >&2; then
    echo "check-install: $bindir/$t loads libraries from the Swift toolchain ($toolchain_lib)" >&2
    status=1
  fi
done
[ "$status" -eq 0 ] || exit "$status"
if [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null; then
  for t in "$@"; do
    if ! unshare --mount sh -c 'mount -t tmpfs none "$1" && "$2" --help' sh "$toolchain_lib" "$bindir/$t" >/dev/null; then
      echo "check-install: $bindir/$t does not start with $toolchain_lib hidden" >&2
      exit 1
    fi
  done
  echo "check-install: $* start with the Swift toolchain's libraries hidden"
else
  echo "check-install: no Swift toolchain library in ldd of $*"
fi
