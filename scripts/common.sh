# shellcheck shell=bash
# Shared set-up of the demo and benchmark scripts (sourced): the built tools first on PATH, a fresh temporary
# state directory, and on exit every VM still running there turned off and the directory removed.
set -euo pipefail
bin="${NESTVM_BIN:?set NESTVM_BIN to the folder with the built tools}"
export PATH="$bin:$PATH"
NESTVM_HOME="$(mktemp -d)/nestvm"
export NESTVM_HOME

cleanup() {
  vmrun get --state running --state paused --name 2>/dev/null | xargs -r vmrun stop --turn-off >/dev/null 2>&1 || true
  rm -rf "$(dirname "$NESTVM_HOME")"
}
trap cleanup EXIT

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
