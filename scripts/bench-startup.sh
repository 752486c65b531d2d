#!/usr/bin/env bash
# Start-up figures (make bench): how long a tool takes when the work itself is small — `vmrun run` of the hello
# guest, `vmrun get` over a few VMs, and the completion request a TAB sends — as hyperfine medians.
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
runs=${RUNS:-30}

vmrun new hello --image hello --memory-startup-bytes 64M >/dev/null
for n in 1 2 3 4; do vmrun new "vm$n" --memory-startup-bytes 1G >/dev/null; done
vmrun run hello >/dev/null || true  # hello ends with status 3 where VMX is not exposed

median_ms() {  # command... → the median wall time in ms
  local json
  json=$(mktemp)
  hyperfine -N --ignore-failure --warmup 3 --runs "$runs" --export-json "$json" "$*" >/dev/null 2>&1
  jq '.results[0].median * 1000 | . * 10 | round / 10' "$json"
  rm -f "$json"
}
printf '%-34s %8s\n' command "median ms"
printf '%-34s %8s\n' "vmrun run hello" "$(median_ms vmrun run hello)"
printf '%-34s %8s\n' "vmrun get" "$(median_ms vmrun get)"
printf '%-34s %8s\n' "completion (vmrun get <TAB>)" "$(median_ms vmrun ---completion get -- positional@0 2 0)"
