# Scrim: two commands on a fresh Debian 12 machine (as root, or with sudo):
#   make run    build, make the demo evidence, open the workstation on it
#               (EVIDENCE=path for your own; no display: ingest + summary)
#   make test   install what the tests need, then run every test
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
export PATH := /usr/local/go/bin:$(HOME)/go/bin:$(PATH)
export LANG := C.UTF-8

GO        ?= go
BIN       := bin
DEMO      := .demo
EVIDENCE  ?= $(DEMO)/evidence
CASE      ?= $(DEMO)/case
EXAMINER  ?= demo

# Debian packages: libjpeg-turbo (TurboJPEG API) for the fast DCT-scaled JPEG decode (cgo);
# reference tools the tests compare against (coreutils digests, hashdeep,
# The Sleuth Kit, ewfverify); tools that make real fixtures (ImageMagick,
# libheif, cwebp, ffmpeg, mkfs.*, mtools, ntfs-3g, sfdisk/sgdisk, ewfacquire,
# genisoimage/xorriso, qemu-img).
APT_BUILD := gcc libc6-dev libturbojpeg0-dev ffmpeg
# The desktop app (Fyne: OpenGL + X11 headers); the CLI builds without them.
APT_DESKTOP := libgl1-mesa-dev libx11-dev libxcursor-dev libxrandr-dev libxinerama-dev \
             libxi-dev libxxf86vm-dev
APT_TEST  := hashdeep imagemagick libheif-examples webp procps \
             sleuthkit ewf-tools dosfstools mtools ntfs-3g e2fsprogs gdisk fdisk \
             genisoimage xorriso qemu-utils exfatprogs exfat-fuse xvfb xauth poppler-utils
SUDO      := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: all build build-desktop run screenshot test bench fuzz fuzz-short fuzz-run deps deps-build deps-desktop deps-test check-go clean

all: build

check-go:
	@command -v $(GO) >/dev/null || { echo "Go is not installed: install Go 1.26 (go.dev/dl) into /usr/local/go" >&2; exit 1; }

# apt runs only when a package is missing, so repeated runs stay fast.
define apt_install
	@missing=""; for p in $(1); do dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q "ok installed" || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
		echo "installing Debian packages:$$missing"; \
		$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps-build: check-go
	$(call apt_install,$(APT_BUILD))
	@$(GO) mod download

deps-desktop: deps-build
	$(call apt_install,$(APT_DESKTOP))

deps-test: deps-desktop
	$(call apt_install,$(APT_TEST))

deps: deps-test

build: deps-build
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/scrim ./cmd/scrim

# The demo evidence is generated (benign synthetic pictures), never committed.
$(DEMO)/evidence:
	@mkdir -p $(DEMO)
	$(GO) run ./testdata/gendemo -out $@.tmp -videos
	@mv $@.tmp $@

build-desktop: deps-desktop
	@mkdir -p $(BIN)
	$(GO) build -o $(BIN)/scrim-desktop ./cmd/scrim-desktop

# The demo uses its own profile store with two demo profiles (PIN 2468);
# your own evidence uses $$SCRIM_HOME (~/.scrim), whose first start asks for
# the supervisor profile.
DEMO_HOME := $(DEMO)/home
PROFILES  := $(if $(filter $(DEMO)/evidence,$(EVIDENCE)),--home $(DEMO_HOME) --demo-profiles,)

run: build build-desktop $(if $(filter $(DEMO)/evidence,$(EVIDENCE)),$(DEMO)/evidence)
	@if [ -n "$${DISPLAY:-}$${WAYLAND_DISPLAY:-}" ]; then \
		echo "starting the workstation on $(EVIDENCE) (case $(CASE))"; \
		LANG=en_US.UTF-8 $(BIN)/scrim-desktop $(PROFILES) --case $(CASE) --evidence $(EVIDENCE); \
	else \
		echo "no display here: ingesting with the command line instead (make screenshot shows the workstation under Xvfb)"; \
		$(BIN)/scrim ingest --case $(CASE) --examiner $(EXAMINER) $(EVIDENCE); \
		$(BIN)/scrim stats --case $(CASE); \
		echo "listing: $(BIN)/scrim files --case $(CASE) --format csv"; \
	fi

# Screenshots of the real window (sign-in, grid, details) under Xvfb, on a
# fresh demo case, into docs/screenshots.
SHOTS ?= docs/screenshots
screenshot: build-desktop $(DEMO)/evidence
	$(call apt_install,xvfb xauth imagemagick)
	rm -rf $(DEMO)/shots-case $(DEMO)/shots-home
	bash testdata/screenshots/take.sh $(BIN)/scrim-desktop $(DEMO)/shots-case $(DEMO)/evidence $(DEMO)/shots-home $(SHOTS)

test: deps-test
	@echo "== gofmt"; out=$$(gofmt -l . ); if [ -n "$$out" ]; then echo "not gofmt-clean: $$out"; exit 1; fi
	@echo "== go vet"; $(GO) vet ./... ./testdata/demo ./testdata/gendemo
	@echo "== pure-Go build (no cgo)"; CGO_ENABLED=0 $(GO) build -o /dev/null ./cmd/scrim
	@echo "== short fuzz of every parser"; $(MAKE) --no-print-directory fuzz-run FUZZ_FOR=3s
	@echo "== tests without cgo (pure-Go decoders)"; CGO_ENABLED=0 $(GO) test -count=1 ./ingest ./ingest/picture ./ingest/digest ./ingest/filetype
	@echo "== tests"; $(GO) test -count=1 -timeout 20m ./... ./testdata/demo


# Long measurements, kept out of make test.
bench: deps-test
	$(GO) test -run NONE -bench . -benchtime 1x -timeout 60m ./ingest/... ./store/... ./categorize/...
	$(GO) test -run NONE -bench . -benchtime 300x -timeout 30m ./ui/...
	$(GO) test -run NONE -bench . -benchtime 1x -timeout 60m ./export/...
	SCRIM_BENCH_BYTES=$${SCRIM_BENCH_BYTES:-1100000000} $(GO) test -run NONE -bench "IngestVsHashdeep|DiskImageVsTSK|HashsetImport" -benchtime 1x -timeout 60m ./cmd/scrim

# Every parser entry point has a fuzz target: a few seconds each in make test,
# longer in make fuzz. Minimisation is capped, or Go's fuzzer spends its time
# shrinking the large seed images instead of exploring.
FUZZ_TARGETS := ingest/filetype:FuzzSniff ingest/picture:FuzzAnalyze ingest/carve:FuzzCarve \
	ingest/volume:FuzzList ingest/fsys/fat:FuzzOpenWalk ingest/fsys/ntfs:FuzzOpen \
	ingest/fsys/ext:FuzzOpen ingest/fsys/iso:FuzzOpen ingest/fsys/exfat:FuzzOpen ingest/container/ewf:FuzzOpen \
	ingest/container:FuzzVHD ingest/container:FuzzVHDX ingest/container:FuzzVMDKDescriptor \
	ingest/container:FuzzVMDKSparse ingest/container:FuzzOpen \
	categorize/hashset:FuzzVICS categorize/hashset:FuzzICSE categorize/hashset:FuzzText \
	categorize/hashset:FuzzNSRL categorize/neardup:FuzzQuery export/court:FuzzOpen
FUZZTIME ?= 60s
FUZZ_LOG := $(or $(TMPDIR),/tmp)/scrim-fuzz.log

fuzz: deps-test
	@$(MAKE) --no-print-directory fuzz-run FUZZ_FOR=$(FUZZTIME)

fuzz-short: deps-test
	@$(MAKE) --no-print-directory fuzz-run FUZZ_FOR=3s

fuzz-run:
	@for t in $(FUZZ_TARGETS); do pkg=$${t%%:*}; fn=$${t##*:}; corpus=$$pkg/testdata/fuzz/$$fn; \
		echo "fuzz $$pkg $$fn $(FUZZ_FOR)"; \
		before=$$( (ls $$corpus 2>/dev/null || true) | wc -l); \
		$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZ_FOR) -fuzzminimizetime 1x ./$$pkg >$(FUZZ_LOG) 2>&1 && continue; \
		after=$$( (ls $$corpus 2>/dev/null || true) | wc -l); \
		if [ "$$after" = "$$before" ] && grep -q "context deadline exceeded" $(FUZZ_LOG); then \
			echo "  no failing input was written: Go 1.26's fuzz coordinator race at -fuzztime's end (golang/go#75804); running $$fn again"; \
			$(GO) test -run '^$$' -fuzz "^$$fn$$" -fuzztime $(FUZZ_FOR) -fuzzminimizetime 1x ./$$pkg >$(FUZZ_LOG) 2>&1 \
				|| { cat $(FUZZ_LOG); exit 1; }; \
		else cat $(FUZZ_LOG); exit 1; fi; \
	done

clean:
	rm -rf $(BIN) $(DEMO)
