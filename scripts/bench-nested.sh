#!/usr/bin/env bash
# Nested figures (make bench), through `vmrun run` of the vmxlab guest (an L1 hypervisor running one L2):
# - the exit round trip: L2 executes CPUID in a loop, each a VM exit that L1 handles before VMRESUME. The cost
#   of one round trip is the difference of two runs' medians (SHORT and LONG CPUIDs) over the difference in
#   count, so start-up and boot cancel out;
# - L2 compute: the bench workload as L2 under vmxlab, and the same workload in the same image as L1
#   (`level=1`): guest MIPS of each from the instructions retired over the median wall time.
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
runs=${RUNS:-5}
short=${SHORT:-20000}
long=${LONG:-220000}
rounds=${ROUNDS:-200}

vmrun new lab --image vmxlab --memory-startup-bytes 64M >/dev/null
vmproc set lab --expose-virtualization-extensions true >/dev/null

retired() { vmrun get lab -o InstructionsRetired --format tsv --no-headings; }

t_short=$(median_vm_s lab "cpuid count=$short")
t_long=$(median_vm_s lab "cpuid count=$long")
awk -v a="$t_short" -v b="$t_long" -v n=$((long - short)) 'BEGIN {
  us = (b - a) / n * 1e6
  printf "%-44s %10.2f\n%-44s %10.0f\n", "nested exit round trip (CPUID), us", us, "round trips per second", 1e6 / us }'

t_l1=$(median_vm_s lab "bench rounds=$rounds level=1"); n_l1=$(retired)
t_l2=$(median_vm_s lab "bench rounds=$rounds"); n_l2=$(retired)
awk -v t1="$t_l1" -v n1="$n_l1" -v t2="$t_l2" -v n2="$n_l2" 'BEGIN {
  m1 = n1 / t1 / 1e6; m2 = n2 / t2 / 1e6
  printf "%-44s %10.1f\n%-44s %10.1f\n%-44s %9.1f%%\n", "bench workload as L1 (vmxlab level=1), MIPS", m1,
    "bench workload as L2 under vmxlab, MIPS", m2, "L2 speed as a share of L1", 100 * m2 / m1 }'

# minivisor, the shipped L1 hypervisor: the bench workload as a nested VM (its console lines are minivisor's,
# tagged [nested1]) against the same image run by L0 as an L1. The cost of a round of the workload at each
# level is the difference of two runs (ROUNDS and 3 × ROUNDS) over the difference in rounds, so boot and
# minivisor's start-up cancel out; start-up itself is the whole run of `hello` at each level.
vmrun new solo --image bench --memory-startup-bytes 32M >/dev/null
vmrun new hi --image hello --memory-startup-bytes 32M >/dev/null
vmrun new lab1 --image minivisor --memory-startup-bytes 128M >/dev/null
vmproc set lab1 --expose-virtualization-extensions true >/dev/null

many=$((3 * rounds))
vmrun set lab1 --command-line "exit-when-idle memory=32 -- rounds=1" >/dev/null
out=$(vmrun run lab1 --module nested1=bench 2>/dev/null || true)
grep -q '^\[nested1\] rounds 1,' <<<"$out" || { echo "bench-nested: bench did not finish as a nested VM under minivisor" >&2; exit 1; }
s1=$(median_vm_s solo "rounds=$rounds"); m1=$(median_vm_s solo "rounds=$many")
s2=$(median_vm_s lab1 "exit-when-idle memory=32 -- rounds=$rounds" --module nested1=bench)
m2=$(median_vm_s lab1 "exit-when-idle memory=32 -- rounds=$many" --module nested1=bench)
h1=$(median_vm_s hi "")
h2=$(median_vm_s lab1 "exit-when-idle memory=32" --module nested1=hello)
awk -v s1="$s1" -v m1="$m1" -v s2="$s2" -v m2="$m2" -v n=$((many - rounds)) -v h1="$h1" -v h2="$h2" 'BEGIN {
  r1 = (m1 - s1) / n * 1e3; r2 = (m2 - s2) / n * 1e3
  printf "%-44s %10.3f\n%-44s %10.3f\n%-44s %9.1f%%\n", "bench round as L1, ms", r1,
    "bench round as L2 under minivisor, ms", r2, "L2 speed under minivisor as a share of L1", 100 * r1 / r2
  printf "%-44s %10.1f\n%-44s %10.1f\n", "hello as L1, whole run, ms", h1 * 1e3,
    "hello as L2 under minivisor, whole run, ms", h2 * 1e3 }'

# A nested VM started from the shell while lab1 runs minivisor: `vmrun start --host lab1 nested1` (the request and
# hello's ~100 KB image down the integration channel, minivisor building the VM) until nested1's console log has
# its first byte. Each run starts from nested1 Off (turned off by --prepare).
vmrun set lab1 --command-line "" >/dev/null
vmrun new --host lab1 nested1 --image hello --memory-startup-bytes 32M >/dev/null
vmrun start lab1 >/dev/null
log="$NESTVM_HOME/vms/$(vmrun get --host lab1 nested1 -o VMId --format tsv --no-headings)/console.log"
json=$(mktemp)
if ! hyperfine --warmup 1 --runs "$runs" --export-json "$json" \
  --prepare "vmrun stop --host lab1 nested1 --turn-off >/dev/null" \
  "vmrun start --host lab1 nested1 && until [ -s '$log' ]; do sleep 0.001; done" >/dev/null 2>&1; then
  echo "bench-nested: cannot time vmrun start --host lab1 nested1" >&2
  exit 1
fi
awk -v t="$(jq '.results[0].median' "$json")" 'BEGIN {
  printf "%-44s %10.1f\n", "vmrun start --host to first console byte, ms", t * 1e3 }'
rm -f "$json"
vmrun stop lab1 --turn-off >/dev/null

# Two nested VMs at once on lab1's processors: two `bench` L2s (ROUNDS rounds each) with lab1 given one processor
# (they take turns) and two (one each, L0 interleaving lab1's processors on its one thread). The work is the
# same, so the ratio is what spreading it over processors costs or saves: locking, MWAIT, L0's interleaving.
vmrun set lab1 --command-line "exit-when-idle memory=32 -- rounds=$rounds" >/dev/null
p1=$(median_vm_s lab1 "" --module a=bench --module b=bench)
vmproc set lab1 --count 2 >/dev/null
out=$(vmrun run lab1 --module a=bench --module b=bench 2>/dev/null || true)
grep -q 'b: 32 MiB, starting on processor 1' <<<"$out" || { echo "bench-nested: the second VM did not run on processor 1" >&2; exit 1; }
p2=$(median_vm_s lab1 "" --module a=bench --module b=bench)
awk -v a="$p1" -v b="$p2" 'BEGIN {
  printf "%-44s %10.1f\n%-44s %10.1f\n%-44s %9.1f%%\n", "two bench L2s, lab1 with 1 processor, ms", a * 1e3,
    "two bench L2s, lab1 with 2 processors, ms", b * 1e3, "wall time on 2 processors as a share of 1", 100 * b / a }'
vmproc set lab1 --count 1 >/dev/null
