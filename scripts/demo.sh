#!/usr/bin/env bash
# `make demo`: runs the main job on embedded defaults in ./demo/, and reports what was done.
# Until the stage issues land (corpus, screenplay, archive, voices, faces, assembly), the main job is the
# scheduler over the production store: it shows the workspace state and resumes anything left undone.
set -euo pipefail
cd "$(dirname "$0")/.."
reel="$PWD/target/release/reel"
mkdir -p demo
cd demo
if [ ! -f reel.db ]; then
  echo "demo: no productions yet. The stages that write, plan and cut a film are still being built;"
  echo "      see README.md for what reel can do today."
  exit 0
fi
"$reel" resume
"$reel" productions
"$reel" status
