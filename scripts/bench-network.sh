#!/usr/bin/env bash
# Network figures (make bench), with the shipped `net` guest at L0:
# - ping round trips between two VMs on a private switch (the guest's own ping: min/avg/max of 20);
# - frames through the L0 switch per second: UDP echo rounds (two frames each) between two VMs, and a flood of
#   1000-byte datagrams from one VM; each the difference of a long and a short run over the difference in frames,
#   so start-up cancels out;
# - TCP throughput host <- guest: curl of GET /bytes/N from a guest's http-serve through a NetNat mapping on an
#   internal switch (libslirp), and host -> guest: the guest's http-get of an N-byte file from a server on the
#   host's loopback (wall time of the run less a run fetching an empty file);
# - the same two transfers with an L2 guest: minivisor in lab on the internal switch (its Ethernet 10.10.0.2), the
#   guest nested behind lab's own switch and NetNat, so frames cross both NATs and both levels' switches; each
#   also as a share of the L1 figure (the target is at least 50%).
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"
runs=${RUNS:-3}
bytes=${BYTES:-20000000}
port=$((20000 + RANDOM % 10000))
web=$((30000 + RANDOM % 10000))

vmswitch new lan --switch-type private >/dev/null
vmrun new echo --image net --memory 64M --switch-name lan --command-line "ip=10.0.0.1/24 udp-echo=7" >/dev/null
vmrun new client --image net --memory 64M --switch-name lan --command-line "ip=10.0.0.2/24 ping=10.0.0.1 count=20" >/dev/null
vmrun start echo >/dev/null
vmrun run client | awk '/time=/ { sub("time=", "", $7); t = $7 + 0; s += t; n++
    if (n == 1 || t < lo) lo = t; if (t > hi) hi = t }
  END { printf "%-44s %10.3f / %.3f / %.3f\n", "ping between VMs (L0 switch), ms min/avg/max", lo, s / n, hi }' || true

t_short=$(median_vm_s client "ip=10.0.0.2/24 udp-send=10.0.0.1:7 count=10")
t_long=$(median_vm_s client "ip=10.0.0.2/24 udp-send=10.0.0.1:7 count=1010")
awk -v a="$t_short" -v b="$t_long" 'BEGIN { printf "%-44s %10.0f\n", "UDP echo frames per second (L0 switch)", 2000 / (b - a) }'
# A flood: one VM sending 1000-byte datagrams as fast as it can to one that never takes them (hello).
vmrun new sink --image hello --memory 64M --switch-name lan --command-line echo >/dev/null
vmrun start sink >/dev/null
mac=$(vmnet get sink -o MacAddress --format tsv --no-headings)
t_short=$(median_vm_s client "ip=10.0.0.2/24 flood=10.0.0.5:9 count=1000 mac=$mac")
t_long=$(median_vm_s client "ip=10.0.0.2/24 flood=10.0.0.5:9 count=21000 mac=$mac")
awk -v a="$t_short" -v b="$t_long" 'BEGIN { printf "%-44s %10.0f\n", "flood frames per second into an L0 switch", 20000 / (b - a) }'
vmrun stop sink --turn-off >/dev/null  # hello waiting for input keeps a core busy

vmswitch new Lab --switch-type internal >/dev/null
vmnet ip add --interface-alias 'vEthernet (Lab)' --ip-address 10.10.0.1 --prefix-length 24 >/dev/null
netnat new LabNAT --internal-prefix 10.10.0.0/24 >/dev/null
netnat mapping add LabNAT --protocol tcp --external-ip-address 127.0.0.1 --external-port "$port" \
  --internal-ip-address 10.10.0.20 --internal-port 80 >/dev/null
vmrun new web --image net --memory 64M --switch-name Lab --command-line "ip=10.10.0.20/24 gw=10.10.0.1 http-serve=80" >/dev/null
vmrun start web >/dev/null
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$port/" && break; sleep 0.1; done
# curl_mbs PORT: the median MB/s of `runs` fetches of GET /bytes/$bytes from 127.0.0.1:PORT.
curl_mbs() {
  for _ in $(seq "$runs"); do
    curl -sS -o /dev/null -w '%{speed_download}\n' "http://127.0.0.1:$1/bytes/$bytes"
  done | median | awk '{ printf "%.2f", $1 / 1e6 }'
}
l1_out=$(curl_mbs "$port")
printf "%-44s %10.2f\n" "TCP host <- L1 guest (internal switch, NAT), MB/s" "$l1_out"

www="$(dirname "$NESTVM_HOME")/www"
mkdir -p "$www"
head -c "$bytes" /dev/zero >"$www/big"
: >"$www/empty"
python3 -m http.server "$web" --bind 127.0.0.1 --directory "$www" </dev/null >/dev/null 2>&1 &
server=$!
trap 'kill "$server" 2>/dev/null; cleanup' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$web/empty" && break; sleep 0.1; done
vmnet connect client --switch-name Lab >/dev/null
t_empty=$(median_vm_s client "ip=10.10.0.21/24 gw=10.10.0.1 http-get=http://10.10.0.1:$web/empty discard")
t_big=$(median_vm_s client "ip=10.10.0.21/24 gw=10.10.0.1 http-get=http://10.10.0.1:$web/big discard")
l1_in=$(awk -v a="$t_empty" -v b="$t_big" -v n="$bytes" 'BEGIN { printf "%.2f", n / (b - a) / 1e6 }')
printf "%-44s %10.2f\n" "TCP host -> L1 guest (internal switch), MB/s" "$l1_in"

# Two levels deep: lab (minivisor) at 10.10.0.2 behind LabNAT, nested2 at 192.168.100.2 behind lab's LocalNAT.
nested_port=$((port + 1))
vmrun new lab --image minivisor --memory-startup-bytes 256M --switch-name Lab >/dev/null
vmproc set lab --expose-virtualization-extensions true
vmnet ip add --host lab --interface-alias Ethernet --ip-address 10.10.0.2 --prefix-length 24 --default-gateway 10.10.0.1 >/dev/null
vmswitch new --host lab VmNAT --switch-type internal >/dev/null
vmnet ip add --host lab --interface-alias 'vEthernet (VmNAT)' --ip-address 192.168.100.1 --prefix-length 24 >/dev/null
netnat new --host lab LocalNAT --internal-ip-interface-address-prefix 192.168.100.0/24 >/dev/null
netnat mapping add LabNAT --protocol tcp --external-ip-address 127.0.0.1 --external-port "$nested_port" \
  --internal-ip-address 10.10.0.2 --internal-port 8080 >/dev/null
netnat mapping add --host lab LocalNAT --protocol tcp --external-port 8080 --internal-ip-address 192.168.100.2 --internal-port 80 >/dev/null
vmrun new --host lab nested2 --image net --memory-startup-bytes 32M \
  --command-line "ip=192.168.100.2/24 gw=192.168.100.1 http-serve=80" >/dev/null
vmnet add --host lab nested2 --switch-name VmNAT >/dev/null
vmrun start lab >/dev/null && vmrun start --host lab nested2 >/dev/null
for _ in $(seq 100); do curl -s -m 5 -o /dev/null "http://127.0.0.1:$nested_port/" && break; sleep 0.2; done
l2_out=$(curl_mbs "$nested_port")
printf "%-44s %10.2f (%.0f%% of L1)\n" "TCP host <- L2 guest (both NATs), MB/s" "$l2_out" "$(awk -v a="$l2_out" -v b="$l1_out" 'BEGIN { print 100 * a / b }')"
vmrun stop --host lab nested2 --turn-off >/dev/null

# nested_s CMDLINE: the median wall time in seconds of starting nested2 with CMDLINE and following it to its end.
nested_s() {
  vmrun set --host lab nested2 --command-line "$1" >/dev/null
  for _ in $(seq "$runs"); do
    start=$(date +%s.%N)
    vmrun start --host lab nested2 >/dev/null && vmrun console --host lab nested2 >/dev/null 2>&1
    awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }'
  done | median
}
t_empty=$(nested_s "ip=192.168.100.2/24 gw=192.168.100.1 http-get=http://10.10.0.1:$web/empty discard")
t_big=$(nested_s "ip=192.168.100.2/24 gw=192.168.100.1 http-get=http://10.10.0.1:$web/big discard")
l2_in=$(awk -v a="$t_empty" -v b="$t_big" -v n="$bytes" 'BEGIN { printf "%.2f", n / (b - a) / 1e6 }')
printf "%-44s %10.2f (%.0f%% of L1)\n" "TCP host -> L2 guest (both NATs), MB/s" "$l2_in" "$(awk -v a="$l2_in" -v b="$l1_in" 'BEGIN { print 100 * a / b }')"
vmrun stop lab --turn-off >/dev/null
