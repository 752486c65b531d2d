#!/usr/bin/env bash
# Management-plane benchmark: a store with 1,000 VMs; `vmproc get` of all and
# `vmrun get | vmproc set --expose-virtualization-extensions true` over all. Wall times, median of 5 runs.
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
count="${NESTVM_BENCH_VMS:-1000}"

time_ms() {
  local start end
  start=$(date +%s%N)
  bash -o pipefail -c "$1" >/dev/null
  end=$(date +%s%N)
  echo $(( (end - start) / 1000000 ))
}
run5() { for _ in 1 2 3 4 5; do time_ms "$1"; done | median; }

echo "creating $count VMs ..."
start=$(date +%s%N)
for i in $(seq 1 "$count"); do vmrun new "vm$i" >/dev/null; done
create_ms=$(( ($(date +%s%N) - start) / 1000000 ))
[ "$(vmrun get --name | wc -l)" -eq "$count" ] || { echo "expected $count VMs" >&2; exit 1; }

get_ms=$(run5 "vmproc get")
set_ms=$(run5 "vmrun get | vmproc set --expose-virtualization-extensions true")
[ "$(vmproc get | jq -c 'select(.ExposeVirtualizationExtensions)' | wc -l)" -eq "$count" ] || { echo "not every VM was set" >&2; exit 1; }

printf '%-58s %8s\n' "benchmark ($count VMs, median of 5)" "ms"
printf '%-58s %8d\n' "vmrun new, one process per VM (all $count, once)" "$create_ms"
printf '%-58s %8d\n' "vmproc get (all)" "$get_ms"
printf '%-58s %8d\n' "vmrun get | vmproc set --expose-...-extensions true (all)" "$set_ms"
