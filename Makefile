# reel: two commands set everything up on a fresh Debian 12 machine (as root, or with sudo):
#   make demo   builds reel and runs the main job on embedded defaults
#   make test   builds reel and runs the tests
# Each installs what is missing (apt packages, registry data) and does nothing it does not need to.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

CARGO ?= cargo
REEL := target/release/reel
# Registry downloads are cached here, checked against pinned sha256 sums, and reused.
CACHE ?= $(HOME)/.cache/reel
export REEL_CACHE := $(CACHE)

# ffmpeg-next links FFmpeg's -dev libraries through bindgen (clang); espeak-ng is called as a program.
APT_PACKAGES := pkg-config clang libclang-dev ffmpeg libavcodec-dev libavformat-dev libavutil-dev \
	libavfilter-dev libavdevice-dev libswscale-dev libswresample-dev espeak-ng sqlite3

.PHONY: all deps build test demo bench clean

all: build

# Installs only the apt packages that are missing; a no-op when all are there.
deps:
	@missing=""; \
	for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "installing apt packages:$$missing"; \
	  sudo=""; [ "$$(id -u)" = 0 ] || sudo=sudo; \
	  $$sudo apt-get update -qq; \
	  DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -qq --no-install-recommends $$missing; \
	fi
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found; install Rust with rustup first" >&2; exit 2; }

build: deps
	$(CARGO) build --release --locked

# Tests run in release: model code is 25-40x slower in debug. The test profile inherits release, so this build
# is shared with `make build`.
test: deps
	$(CARGO) test --release --locked

demo: build
	@./scripts/demo.sh

bench: build
	@echo "no benchmarks yet: they arrive with the stage issues (see BENCHMARKS.md)"

clean:
	$(CARGO) clean
