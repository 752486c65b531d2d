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

# median_vm_s VM CMDLINE [WORDS…]: the median wall time in seconds of `vmrun run VM WORDS…`, with CMDLINE set
# first unless it is empty (${runs:-5} runs after a warm-up).
median_vm_s() {
  local vm=$1 line=$2 json
  shift 2
  json=$(mktemp)
  [ -z "$line" ] || vmrun set "$vm" --command-line "$line" >/dev/null
  # A guest's run ends with a non-zero status by design (writing 0 to the exit port gives 1).
  if ! hyperfine -N --ignore-failure --warmup 1 --runs "${runs:-5}" --export-json "$json" "vmrun run $vm $*" >/dev/null 2>&1; then
    echo "$(basename "$0"): cannot time vmrun run $vm $*" >&2
    exit 1
  fi
  jq '.results[0].median' "$json"
  rm -f "$json"
}
