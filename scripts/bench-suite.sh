#!/usr/bin/env bash
# The processor benchmark suite through the tools (make bench): each program of .build/bench runs with
# `vmrun run` as a user would run it (process start included), its console output checked against the same
# program built natively; then host instructions per guest instruction, counted by callgrind over the processor
# alone (x86bench --run on the -quick image; for the Embedded Swift `bench` guest, CPU.run inside `vmrun run`),
# which unlike wall-clock time is repeatable.
# Rows are printed slowest first.
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
runs=${RUNS:-5}
dir=${NESTVM_SUITE:?set NESTVM_SUITE to the folder with the suite images}
rounds=${SUITE_ROUNDS:?}
shift_names=("$@")
now() { date +%s%N; }
work=$(dirname "$NESTVM_HOME")

rows=()
for name in "${shift_names[@]}"; do
  if [ "$name" = bench ]; then
    vmrun new "$name" --image bench --memory-startup-bytes 64M --command-line "rounds=$rounds" >/dev/null
  else
    vmrun new "$name" --image "$dir/$name.elf" --memory-startup-bytes 64M >/dev/null
  fi
  times=()
  for _ in $(seq "$runs"); do
    t0=$(now); vmrun run "$name" > "$work/$name.out" || true; t1=$(now)
    times+=($(( (t1 - t0) / 1000000 )))
  done
  if [ -f "$dir/$name.expected" ] && ! cmp -s "$work/$name.out" "$dir/$name.expected"; then
    echo "bench-suite: $name printed something other than its native build:" >&2
    diff "$dir/$name.expected" "$work/$name.out" >&2 || true
    exit 1
  fi
  instructions=$(vmrun get "$name" --format json | jq .InstructionsRetired)
  ms=$(printf '%s\n' "${times[@]}" | median)
  per=-
  if [ -n "${CALLGRIND:-}" ]; then
    out="$work/$name.callgrind"
    if [ "$name" = bench ]; then
      # The Embedded Swift guest needs the machine's boot protocol: count inside vmrun, over CPU.run alone.
      vmrun new bench-quick --image bench --memory-startup-bytes 64M --command-line rounds=10 >/dev/null
      valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='$s3X863CPUC3run15maxInstructions*' \
        "$bin/vmrun" run bench-quick > /dev/null 2>&1 || true
      guest=$(vmrun get bench-quick --format json | jq .InstructionsRetired)
    else
      valgrind --tool=callgrind --callgrind-out-file="$out" --toggle-collect='*runToEnd*' \
        "$bin/x86bench" --run "$dir/$name-quick.elf" > "$work/$name.quick" 2>/dev/null
      guest=$(awk '/guest instructions/ {print $1}' "$work/$name.quick")
    fi
    host=$(awk '/^summary:/ {print $2}' "$out")
    per=$(awk -v h="$host" -v g="$guest" 'BEGIN {printf "%.1f", h / g}')
  fi
  rows+=("$(awk -v n="$name" -v i="$instructions" -v ms="$ms" -v per="$per" \
    'BEGIN {printf "%08.1f|%-18s %13d %9d %8.1f %12s", i / ms / 1000, n, i, ms, i / ms / 1000, per}')")
done
printf '%-18s %13s %9s %8s %12s\n' program instructions ms MIPS host/guest
printf '%s\n' "${rows[@]}" | sort -n | cut -d'|' -f2
