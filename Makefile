# nestvm — build, test, demo, install. `make demo` and `make test` do all set-up on a fresh machine.

PREFIX      ?= /usr/local
DESTDIR     ?=
SWIFT       ?= swift
TOOLS       := vmrun vmproc vmnet vmswitch netnat
# Release builds link the Swift runtime and Foundation statically: the installed tools need nothing from the
# toolchain's directory, and start without the dynamic loader resolving a dozen Swift libraries.
RELEASE     := -c release --static-swift-stdlib
RELEASE_BIN  = $$($(SWIFT) build $(RELEASE) --show-bin-path)
# Debian packages the build, the tests and the demo need (SQLite for GRDB, readline for the console, libslirp for
# internal switches' host adapters, nftables for their NAT as root; jq, curl, ping and ip for the pipelines).
APT_PACKAGES := libsqlite3-dev libreadline-dev libslirp-dev nftables sqlite3 jq curl iputils-ping iproute2 python3 gcc

.PHONY: all deps guests suite build debug test test-release test-long check generate demo bench install completions man clean

all: build

# Installs the Debian packages that are missing (apt-get update only when something is).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

build: deps guests
	$(SWIFT) build $(RELEASE)

debug: deps guests
	$(SWIFT) build

test: debug
	NESTVM_BIN="$$($(SWIFT) build --show-bin-path)" $(SWIFT) test --parallel --num-workers 2
	$(MAKE) test-release

# The processor and VMX tests again on the release configuration, where X86 is built -Ounchecked: a bug only
# that build shows must not ship. Its own build folder, so it does not rebuild what `make build` made.
RELEASE_TESTS := -c release -Xswiftc -enable-testing --scratch-path .build/release-tests
test-release: deps guests
	$(SWIFT) build $(RELEASE_TESTS) --build-tests
	$(SWIFT) test $(RELEASE_TESTS) --skip-build --filter 'X86Tests|VMXTests'

# The long runs (not part of `make test`): the processor against the real CPU, and 100,000 hostile VMCS images
# through VMLAUNCH.
test-long: debug
	NESTVM_DIFFERENTIAL_COUNT=$${NESTVM_DIFFERENTIAL_COUNT:-200000} NESTVM_DIFFERENTIAL_SEED=$${NESTVM_DIFFERENTIAL_SEED:-$$(date +%s)} \
	  $(SWIFT) test --filter Differential
	NESTVM_VMCS_FUZZ_COUNT=$${NESTVM_VMCS_FUZZ_COUNT:-100000} NESTVM_VMCS_FUZZ_SEED=$${NESTVM_VMCS_FUZZ_SEED:-$$(date +%s)} \
	  $(SWIFT) test --filter EntryFuzz

# What the tooling enforces: the project's .swift-format, shellcheck on the scripts, and generated files that
# match share/reference.
check: APT_PACKAGES += shellcheck
check: deps
	$(SWIFT) format lint --strict -r Sources Tests Package.swift
	shellcheck -x -P SCRIPTDIR -e SC2016 scripts/*.sh .ci/run
	python3 scripts/generate.py --check

# Rewrites the Swift tables generated from the SDM reference data (share/reference).
generate:
	python3 scripts/generate.py

demo: build
	NESTVM_BIN="$(RELEASE_BIN)" bash scripts/demo.sh

# The shipped guests: Embedded Swift (share/guests/lib + share/guests/NAME/main.swift) over a small C and
# assembly runtime, linked with ld at 1 MiB. Images are build outputs in .build/guests.
GUEST_DIR     := .build/guests
GUEST_NAMES   := hello bench vmxlab minivisor net
# A guest's sources: every Swift file in share/guests/NAME; for vmxlab the bench workload it runs as L2, for
# minivisor the device models L0's machine is built with (Sources/DeviceModels), for net and minivisor the network
# stack (share/guests/netstack) over the packet code L0 is built with (Sources/Packets).
guest_sources  = $(wildcard share/guests/$(1)/*.swift) $(if $(filter vmxlab,$(1)),share/guests/bench/Workload.swift) \
                 $(if $(filter minivisor,$(1)),$(wildcard Sources/DeviceModels/*.swift)) \
                 $(if $(filter net minivisor,$(1)),$(wildcard share/guests/netstack/*.swift Sources/Packets/*.swift))
# Guests are built for size, but minivisor for speed: every exit and every frame of its nested VMs runs through
# it (about 16% fewer instructions per byte a nested VM sends than with -Osize).
guest_optimization = $(if $(filter minivisor,$(1)),-O,-Osize)
GUEST_LIB     := $(wildcard share/guests/lib/*.swift)
GUEST_RUNTIME := $(GUEST_DIR)/start.o $(GUEST_DIR)/runtime.o $(GUEST_DIR)/float.o
GUEST_HEADERS := share/guests/runtime/nestvm_guest.h share/guests/runtime/nestvm_boot_info.h share/guests/runtime/nestvm_vmx.h
GUEST_SWIFTFLAGS := -enable-experimental-feature Embedded -target x86_64-unknown-none-elf -wmo -parse-as-library \
	-import-bridging-header share/guests/runtime/nestvm_guest.h -Xcc -mno-red-zone -Xcc -ffreestanding
GUEST_RUNTIME_CFLAGS := -target x86_64-unknown-none-elf -ffreestanding -fno-pic -mno-red-zone -fno-stack-protector \
	-mgeneral-regs-only -O2 -Wall

guests: $(GUEST_NAMES:%=$(GUEST_DIR)/%.elf)

$(GUEST_DIR)/start.o: share/guests/runtime/start.S
	mkdir -p $(GUEST_DIR)
	clang -target x86_64-unknown-none-elf -c -o $@ $<

$(GUEST_DIR)/runtime.o: share/guests/runtime/runtime.c $(GUEST_HEADERS)
	mkdir -p $(GUEST_DIR)
	clang $(GUEST_RUNTIME_CFLAGS) -c -o $@ $<

$(GUEST_DIR)/float.o: share/guests/runtime/float.c
	mkdir -p $(GUEST_DIR)
	clang $(filter-out -mgeneral-regs-only,$(GUEST_RUNTIME_CFLAGS)) -c -o $@ $<

.SECONDEXPANSION:
$(GUEST_DIR)/%.elf: $$(call guest_sources,$$*) $(GUEST_LIB) $(GUEST_RUNTIME) share/guests/guest.ld $(GUEST_HEADERS)
	swiftc $(GUEST_SWIFTFLAGS) $(call guest_optimization,$*) -module-name $* $(GUEST_LIB) $(call guest_sources,$*) -c -o $(GUEST_DIR)/$*.o
	ld -static -nostdlib --build-id=none -T share/guests/guest.ld -o $@ $(GUEST_RUNTIME) $(GUEST_DIR)/$*.o

# The processor benchmark suite: small freestanding C programs built as users build them (share/guests/suite,
# share/guests/workload). Most are linked with -N, which packs .text, .rodata, .data and .bss together, so code
# and the data it writes share pages as in a small program or a boot loader; `-paged` twins put code and data on
# separate pages, and `-O0` twins are the unoptimised code of a debug build (stack traffic). ROUNDS sets the work:
# SUITE_ROUNDS for timing, 1 for counting host instructions under callgrind (the `-quick` images).
BENCH_DIR       := .build/bench
SUITE_CFLAGS    := -ffreestanding -fno-pic -fno-pie -no-pie -nostdlib -static -fno-stack-protector -mno-red-zone \
	-fno-asynchronous-unwind-tables -Wl,--build-id=none -Wl,-e,_start
ONE_PAGE        := -Wl,-N -Wl,-Ttext=0x100000 -Wl,--no-warn-rwx-segments
PAGED           := -Wl,-Ttext-segment=0x100000
SUITE_ROUNDS    ?= 100
# Programs whose round is short run four times as many, so each row takes about a second and measures the
# processor rather than process start (which `make bench` reports on its own).
SUITE_SHORT     := dispatch dispatch-paged hashsort strings vector
suite_rounds     = $(if $(filter $(SUITE_SHORT),$(1)),$(shell echo $$(( $(SUITE_ROUNDS) * 4 ))),$(SUITE_ROUNDS))
SUITE_PROGRAMS  := dispatch dispatch-paged hashsort hashsort-O0 muldiv strings vector workload workload-onepage
SUITE_IMAGES    := $(SUITE_PROGRAMS:%=$(BENCH_DIR)/%.elf) $(SUITE_PROGRAMS:%=$(BENCH_DIR)/%-quick.elf) \
	$(SUITE_PROGRAMS:%=$(BENCH_DIR)/%.expected)
suite_source     = $(if $(filter workload%,$(1)),share/guests/workload/workload.c,share/guests/suite/$(firstword $(subst -, ,$(1))).c)
suite_flags      = $(if $(filter %-O0,$(1)),-O0,-O2) $(if $(filter %-paged workload,$(1)),$(PAGED),$(ONE_PAGE))

suite: $(SUITE_IMAGES)

$(BENCH_DIR)/%-quick.elf: share/guests/suite/suite.h share/guests/suite/*.c share/guests/workload/workload.c
	mkdir -p $(BENCH_DIR)
	cc $(SUITE_CFLAGS) $(call suite_flags,$*) -DROUNDS=1 -o $@ $(call suite_source,$*) -lgcc

$(BENCH_DIR)/%.elf: share/guests/suite/suite.h share/guests/suite/*.c share/guests/workload/workload.c
	mkdir -p $(BENCH_DIR)
	cc $(SUITE_CFLAGS) $(call suite_flags,$*) -DROUNDS=$(call suite_rounds,$*) -o $@ $(call suite_source,$*) -lgcc

# What each program prints when built natively for the same rounds: the guest's console must match it.
$(BENCH_DIR)/%.expected: share/guests/suite/suite.h share/guests/suite/*.c share/guests/workload/workload.c
	mkdir -p $(BENCH_DIR)
	cc -O2 -DNATIVE -DROUNDS=$(call suite_rounds,$*) -o $(BENCH_DIR)/$*.native $(call suite_source,$*)
	$(BENCH_DIR)/$*.native > $@

# hyperfine times the start-up figures; valgrind's callgrind counts host instructions per guest instruction.
bench: APT_PACKAGES += hyperfine valgrind
bench: build guests suite
	@echo "== processor suite (vmrun run; host/guest from callgrind)"
	NESTVM_BIN="$(RELEASE_BIN)" NESTVM_GUESTS="$(CURDIR)/$(GUEST_DIR)" NESTVM_SUITE="$(BENCH_DIR)" SUITE_ROUNDS=$(SUITE_ROUNDS) CALLGRIND=1 \
	  bash scripts/bench-suite.sh bench $(SUITE_PROGRAMS)
	@echo "== processor alone (x86bench)"
	"$(RELEASE_BIN)/x86bench" $(BENCH_DIR)/workload.elf
	@echo "== start-up"
	NESTVM_BIN="$(RELEASE_BIN)" NESTVM_GUESTS="$(CURDIR)/$(GUEST_DIR)" bash scripts/bench-startup.sh
	@echo "== machine (vmrun)"
	NESTVM_BIN="$(RELEASE_BIN)" NESTVM_GUESTS="$(CURDIR)/$(GUEST_DIR)" bash scripts/bench-machine.sh
	@echo "== nested (vmxlab: an L1 hypervisor and its L2)"
	NESTVM_BIN="$(RELEASE_BIN)" NESTVM_GUESTS="$(CURDIR)/$(GUEST_DIR)" bash scripts/bench-nested.sh
	@echo "== network (net guests on L0 switches)"
	NESTVM_BIN="$(RELEASE_BIN)" NESTVM_GUESTS="$(CURDIR)/$(GUEST_DIR)" bash scripts/bench-network.sh
	@echo "== management plane"
	NESTVM_BIN="$(RELEASE_BIN)" bash scripts/bench.sh

install: build
	bin="$(RELEASE_BIN)"; \
	install -d "$(DESTDIR)$(PREFIX)/bin" "$(DESTDIR)$(PREFIX)/share/man/man1" "$(DESTDIR)$(PREFIX)/share/man/man7" \
	  "$(DESTDIR)$(PREFIX)/share/bash-completion/completions" "$(DESTDIR)$(PREFIX)/share/zsh/site-functions" \
	  "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d"; \
	for t in $(TOOLS); do \
	  install -m 0755 "$$bin/$$t" "$(DESTDIR)$(PREFIX)/bin/$$t"; \
	  install -m 0644 completions/bash/$$t "$(DESTDIR)$(PREFIX)/share/bash-completion/completions/$$t"; \
	  install -m 0644 completions/zsh/_$$t "$(DESTDIR)$(PREFIX)/share/zsh/site-functions/_$$t"; \
	  install -m 0644 completions/fish/$$t.fish "$(DESTDIR)$(PREFIX)/share/fish/vendor_completions.d/$$t.fish"; \
	  install -m 0644 share/man/man1/$$t.1 "$(DESTDIR)$(PREFIX)/share/man/man1/$$t.1"; \
	done; \
	install -m 0644 share/man/man7/nestvm.7 "$(DESTDIR)$(PREFIX)/share/man/man7/nestvm.7"; \
	install -d "$(DESTDIR)$(PREFIX)/share/nestvm/guests"; \
	for g in $(GUEST_NAMES); do install -m 0644 $(GUEST_DIR)/$$g.elf "$(DESTDIR)$(PREFIX)/share/nestvm/guests/$$g.elf"; done
	bash scripts/check-install.sh "$(DESTDIR)$(PREFIX)/bin" $(TOOLS)

# Regenerates the checked-in completion scripts from the tools (a test fails when they drift).
completions: debug
	bin="$$($(SWIFT) build --show-bin-path)"; mkdir -p completions/bash completions/zsh completions/fish; \
	for t in $(TOOLS); do \
	  "$$bin/$$t" --generate-completion-script bash > completions/bash/$$t; \
	  "$$bin/$$t" --generate-completion-script zsh > completions/zsh/_$$t; \
	  "$$bin/$$t" --generate-completion-script fish > completions/fish/$$t.fish; \
	done

# Regenerates the checked-in man pages of the tools with swift-argument-parser's generate-manual plugin, dated
# by the commit they describe.
MAN_DATE ?= $(shell git log -1 --format=%cs 2>/dev/null || date +%F)
man: deps
	$(SWIFT) package generate-manual --date $(MAN_DATE) --section 1 --authors 'the nestvm authors'
	mkdir -p share/man/man1
	for t in $(TOOLS); do cp .build/plugins/GenerateManual/outputs/*/$$t.1 share/man/man1/$$t.1; done
	python3 scripts/fix-man.py $(foreach t,$(TOOLS),share/man/man1/$(t).1)

clean:
	$(SWIFT) package clean
	rm -rf .build
