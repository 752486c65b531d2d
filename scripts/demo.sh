#!/usr/bin/env bash
# The README tour: Hyper-V's nested-virtualization setup as nestvm pipelines, in a fresh temporary state directory.
# shellcheck source=common.sh
source "$(dirname "$0")/common.sh"

step() {
  if [ -t 1 ]; then printf '\n\033[1m$ %s\033[0m\n' "$1"; else printf '\n$ %s\n' "$1"; fi
  bash -o pipefail -c "$1"
}

echo "nestvm tour — state directory: $NESTVM_HOME"
echo
echo "A VM runs the hello guest: what it sees with ExposeVirtualizationExtensions off, then on."
step "vmrun new lab1 --memory-startup-bytes 2G --processor-count 2 --image hello --format table"
step "vmrun run lab1 || echo \"(exit status \$?)\""
step "vmproc check lab1 --format table || true"
step "vmproc set lab1 --expose-virtualization-extensions true"
step "vmrun run lab1 || echo \"(exit status \$?)\""
step "vmrun get lab1 -o VMName,State,ExitStatus,ExitReason,InstructionsRetired --format list"
echo
echo "VMs in the background: start returns once the guest runs; the console follows it until it ends."
step "vmrun new bench1 --image bench --memory-startup-bytes 64M --command-line rounds=20 >/dev/null && vmrun start bench1 && vmrun get bench1 -o VMName,State,MemoryAssigned --format table"
step "vmrun console bench1"
step "vmrun get bench1 -o VMName,State,ExitStatus,ExitReason,InstructionsRetired --format list"
echo
echo "A hypervisor in a VM: vmxlab (L1) runs an L2 guest on the nested engine; the trace says who handled each exit."
step "vmrun new lab2 --image vmxlab --memory-startup-bytes 64M >/dev/null && vmproc set lab2 --expose-virtualization-extensions true"
step "vmrun run lab2 --trace exits --trace-file \"\$NESTVM_HOME/lab2.jsonl\" || echo \"(exit status \$?)\""
step "jq -r 'select(.Level==2) | .Reason + \" handled by \" + .HandledBy' \"\$NESTVM_HOME/lab2.jsonl\" | sort | uniq -c"
step "vmrun set lab2 --command-line bad-guest-cr0 && vmrun run lab2 || echo \"(exit status \$?)\""

echo "minivisor, the L1 hypervisor nestvm ships, runs nestvm images as nested VMs, each under its own EPT and VMCS,"
echo "spread over lab3's two processors; it reports them to L0 over the integration channel, so their state is in"
echo "lab3's inventory."
step "vmrun new lab3 --image minivisor --memory-startup-bytes 128M --command-line 'exit-when-idle memory=32 -- rounds=5' >/dev/null"
step "vmproc set lab3 --expose-virtualization-extensions true --count 2"
step "vmrun new --host lab3 nested1 >/dev/null && vmrun new --host lab3 nested2 >/dev/null"
step "vmrun run lab3 --module nested1=hello --module nested2=bench | grep -v region || echo \"(exit status \$?)\""
step "vmrun get --host lab3 -o VMName,State,ExitStatus,ExitReason --format table"
echo
echo "While lab3 runs, its nested VMs are started, typed to, paused and stopped from the host's shell."
step "vmrun set lab3 --command-line '' && vmrun set --host lab3 nested1 --image hello --memory-startup-bytes 32M --command-line echo >/dev/null"
step "vmrun set --host lab3 nested2 --image bench --memory-startup-bytes 32M --command-line rounds=100000 >/dev/null"
step "vmrun start lab3 >/dev/null && vmrun start --host lab3 nested1 nested2 >/dev/null && vmrun get --host lab3 -o VMName,State,MemoryAssigned --format table"
step "printf 'hi from the host\\nexit\\n' | vmrun console --host lab3 nested1 | tail -3"
step "vmrun pause --host lab3 nested2 && vmrun get --host lab3 nested2 -o VMName,State --format table"
step "vmrun stop --host lab3 nested2 --turn-off >/dev/null && vmrun get --host lab3 -o VMName,State,ExitStatus,ExitReason,InstructionsRetired --format table"
step "vmrun stop lab3 >/dev/null"
echo
echo "The same lab with lab3's flag off: no nested VM can start, and vmrun names the fix."
step "vmproc set lab3 --expose-virtualization-extensions false"
step "vmrun run lab3 --module nested1=hello >/dev/null || echo \"(exit status \$?)\""
echo
echo "The nested network setup from Hyper-V's guides:"
step "vmswitch new VmNAT --switch-type internal --format table"
step "vmnet add lab1 --switch-name VmNAT"
step "vmnet get --vm-name lab1 | vmnet set --mac-address-spoofing on --passthru | jq -c '{VMName, Name, MacAddress, MacAddressSpoofing}'"
step "netnat new LocalNAT --internal-ip-interface-address-prefix 192.168.100.0/24 --format table"
step "vmnet adapter get 'vEthernet (VmNAT)' | vmnet ip add --ip-address 192.168.100.1 --prefix-length 24 --passthru --format table"
step "vmrun new --host lab1 nested1 --memory-startup-bytes 256M --format table"
step "vmnet adapter get --host lab1 Ethernet | vmnet ip add --ip-address 192.168.100.2 --prefix-length 24 --default-gateway 192.168.100.1"
step "vmrun get | vmproc get | jq -r 'select(.ExposeVirtualizationExtensions) | .VMName'"
step "vmproc check lab1 && echo 'lab1 can host nested VMs'"
step "vmnet get --format table"
step "vmrun get --host lab1 --format table"
echo
echo "Frames at L0: the net guest pings and fetches across a private switch; on VmNAT, whose host adapter is"
echo "192.168.100.1 (libslirp), a guest fetches a page from a server on the host's loopback, and LocalNAT's static"
echo "mapping brings the host's curl to a guest's server."
web_port=$((18000 + RANDOM % 1000))
mapped_port=$((19000 + RANDOM % 1000))
mkdir -p "$NESTVM_HOME/www" && echo "a page from the host's loopback" >"$NESTVM_HOME/www/index.html"
python3 -m http.server "$web_port" --bind 127.0.0.1 --directory "$NESTVM_HOME/www" </dev/null >/dev/null 2>&1 &
web_server=$!
trap 'kill "$web_server" 2>/dev/null; cleanup' EXIT
step "vmswitch new lan --switch-type private >/dev/null && vmrun new echo1 --image net --memory 64M --switch-name lan --command-line 'ip=10.0.0.1/24 udp-echo=7' >/dev/null && vmrun start echo1"
step "vmrun new client1 --image net --memory 64M --switch-name lan --command-line 'ip=10.0.0.2/24 ping=10.0.0.1 count=2' >/dev/null && vmrun run client1 || true"
step "vmnet get echo1 -o VMName,FramesSent,FramesReceived,DroppedByMacAddressSpoofing --format table"
step "vmrun new web1 --image net --memory 64M --switch-name VmNAT --command-line 'ip=192.168.100.20/24 gw=192.168.100.1 http-serve=80 name=web1' >/dev/null"
step "netnat mapping add LocalNAT --protocol tcp --external-ip-address 127.0.0.1 --external-port $mapped_port --internal-ip-address 192.168.100.20 --internal-port 80 --format table"
step "vmrun start web1 && for i in \$(seq 50); do curl -s -m 2 http://127.0.0.1:$mapped_port/ && break; sleep 0.1; done"
step "for i in \$(seq 50); do curl -s -o /dev/null http://127.0.0.1:$web_port/ && break; sleep 0.1; done; vmnet connect client1 --switch-name VmNAT && vmrun set client1 --command-line 'ip=192.168.100.30/24 gw=192.168.100.1 http-get=http://192.168.100.1:$web_port/index.html' && vmrun run client1 || true"
step "vmrun stop echo1 web1 --turn-off >/dev/null"
echo
echo "Frames two levels deep, the guide's NAT topology: lab1 runs minivisor on VmNAT (its Ethernet at 192.168.100.2)."
echo "Inside it, its own switch VmNAT and NetNat LocalNAT put nested1 at 172.16.0.2 behind lab1's address; nested1"
echo "fetches the host's page through both NATs, and a chain of static mappings brings the host's curl to nested1."
nested_port=$((20000 + RANDOM % 1000))
step "vmswitch new --host lab1 VmNAT --switch-type internal >/dev/null && vmnet ip add --host lab1 --interface-alias 'vEthernet (VmNAT)' --ip-address 172.16.0.1 --prefix-length 24 >/dev/null"
step "vmrun set lab1 --image minivisor --command-line '' >/dev/null && vmrun set --host lab1 nested1 --image net --memory-startup-bytes 32M >/dev/null && vmnet add --host lab1 nested1 --switch-name VmNAT"
step "netnat new --host lab1 LocalNAT --internal-ip-interface-address-prefix 172.16.0.0/24 --format table"
step "vmrun start lab1 && vmrun set --host lab1 nested1 --command-line 'ip=172.16.0.2/24 gw=172.16.0.1 http-get=http://192.168.100.1:$web_port/index.html' >/dev/null && vmrun start --host lab1 nested1 && vmrun console --host lab1 nested1"
step "netnat mapping add LocalNAT --protocol tcp --external-ip-address 127.0.0.1 --external-port $nested_port --internal-ip-address 192.168.100.2 --internal-port 8080 >/dev/null && netnat mapping add --host lab1 LocalNAT --protocol tcp --external-port 8080 --internal-ip-address 172.16.0.2 --internal-port 80 --format table"
step "vmrun set --host lab1 nested1 --command-line 'ip=172.16.0.2/24 gw=172.16.0.1 http-serve=80 name=nested1' >/dev/null && vmrun start --host lab1 nested1 && for i in \$(seq 50); do curl -s -m 5 http://127.0.0.1:$nested_port/ && break; sleep 0.2; done"
step "vmrun stop lab1 --turn-off >/dev/null"
echo
echo "Rules are enforced as Hyper-V documents them:"
step "netnat new Second --internal-ip-interface-address-prefix 10.0.0.0/24 || true"
step "vmrun new old --version 7.0 >/dev/null && vmproc set old --expose-virtualization-extensions true || true"
step "vmproc check old --format table || true"
step "vmproc enable-nested old --dry-run --format table"
