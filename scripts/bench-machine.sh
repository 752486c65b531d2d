#!/usr/bin/env bash
# Machine figures through the tools (make bench): how long `vmrun start` takes to return with the guest running,
# how long until the guest's first console output, and the bench guest's speed through the whole machine.
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
runs=${RUNS:-5}

now() { date +%s%N; }

vmrun new spin --image bench --memory-startup-bytes 64M --command-line rounds=100000000 >/dev/null
vmrun new hi --image hello --memory-startup-bytes 64M >/dev/null
log="$NESTVM_HOME/vms/$(vmrun get hi --format json | jq -r .VMId)/console.log"

starts=() firsts=()
for _ in $(seq "$runs"); do
  t0=$(now); vmrun start spin; t1=$(now)
  starts+=($(( (t1 - t0) / 1000000 )))
  vmrun stop spin --turn-off
  t0=$(now); vmrun start hi
  while [ ! -s "$log" ]; do sleep 0.001; done
  t1=$(now)
  firsts+=($(( (t1 - t0) / 1000000 )))
  vmrun stop hi --turn-off >/dev/null 2>&1 || true
done
echo "vmrun start → Running:            $(printf '%s\n' "${starts[@]}" | median) ms (median of $runs)"
echo "vmrun start → first console byte: $(printf '%s\n' "${firsts[@]}" | median) ms (median of $runs)"

vmrun new b --image bench --memory-startup-bytes 64M --command-line rounds=40 >/dev/null
rates=()
for _ in $(seq "$runs"); do
  t0=$(now); vmrun run b >/dev/null || true; t1=$(now)
  instructions=$(vmrun get b --format json | jq .InstructionsRetired)
  rates+=($(( instructions * 1000 / ((t1 - t0) / 1000) )))
done
echo "bench guest (Embedded Swift, 40 rounds, $instructions instructions) through vmrun run: $(printf '%s\n' "${rates[@]}" | median | awk '{printf "%.1f", $1/1000}') MIPS (median of $runs, process start included)"
