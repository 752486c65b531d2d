# nestvm — build, test, demo, install. `make demo` and `make test` do all set-up on a fresh machine.

PREFIX      ?= /usr/local
DESTDIR     ?=
SWIFT       ?= swift
TOOLS       := vmrun vmproc vmnet vmswitch netnat
# Debian packages the build, the tests and the demo need (SQLite for GRDB; jq for the pipelines).
APT_PACKAGES := libsqlite3-dev sqlite3 jq gcc

.PHONY: all deps build debug test test-long demo bench install completions man clean

all: build

# Installs the Debian packages that are missing (apt-get update only when something is).
deps:
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing:$$missing"; \
	  if [ "$$(id -u)" -ne 0 ]; then sudo=sudo; else sudo=; fi; \
	  $$sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq $$missing; \
	fi

build: deps
	$(SWIFT) build -c release

debug: deps
	$(SWIFT) build

test: debug
	NESTVM_BIN="$$($(SWIFT) build --show-bin-path)" $(SWIFT) test --parallel --num-workers 2

# The long differential run of the processor against the real CPU (not part of `make test`).
test-long: debug
	NESTVM_DIFFERENTIAL_COUNT=$${NESTVM_DIFFERENTIAL_COUNT:-200000} NESTVM_DIFFERENTIAL_SEED=$${NESTVM_DIFFERENTIAL_SEED:-$$(date +%s)} \
	  $(SWIFT) test --filter Differential

demo: build
	NESTVM_BIN="$$($(SWIFT) build -c release --show-bin-path)" bash scripts/demo.sh

# Freestanding guests for the processor benchmark, built with the system C compiler.
GUEST_CFLAGS := -O2 -ffreestanding -fno-pic -fno-pie -no-pie -nostdlib -static -fno-stack-protector -mno-red-zone \
	-fno-asynchronous-unwind-tables -Wl,-Ttext=0x100000 -Wl,--build-id=none -Wl,-e,_start

.build/guests/bench.elf: share/guests/workload/workload.c
	mkdir -p .build/guests
	cc $(GUEST_CFLAGS) -DROUNDS=40 -o $@ $<

bench: build .build/guests/bench.elf
	@echo "== processor (x86bench)"
	"$$($(SWIFT) build -c release --show-bin-path)/x86bench" .build/guests/bench.elf
	@echo "== management plane"
	NESTVM_BIN="$$($(SWIFT) build -c release --show-bin-path)" bash scripts/bench.sh

install: build
	bin="$$($(SWIFT) build -c release --show-bin-path)"; \
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
	install -m 0644 share/man/man7/nestvm.7 "$(DESTDIR)$(PREFIX)/share/man/man7/nestvm.7"

# Regenerates the checked-in completion scripts from the tools (a test fails when they drift).
completions: debug
	bin="$$($(SWIFT) build --show-bin-path)"; mkdir -p completions/bash completions/zsh completions/fish; \
	for t in $(TOOLS); do \
	  "$$bin/$$t" --generate-completion-script bash > completions/bash/$$t; \
	  "$$bin/$$t" --generate-completion-script zsh > completions/zsh/_$$t; \
	  "$$bin/$$t" --generate-completion-script fish > completions/fish/$$t.fish; \
	done

# Regenerates the checked-in man pages of the tools with swift-argument-parser's generate-manual plugin.
man: deps
	$(SWIFT) package generate-manual --date 2026-11-21 --section 1 --authors 'the nestvm authors'
	mkdir -p share/man/man1
	for t in $(TOOLS); do cp .build/plugins/GenerateManual/outputs/*/$$t.1 share/man/man1/$$t.1; done

clean:
	$(SWIFT) package clean
	rm -rf .build
