#!/usr/bin/env bash
# lockstep against madsim 0.2 on the same demo/lock workload, in one `lockstep bench`
# run. The peer (peers/madsim-demo-lock) is its own workspace, built with
# `--cfg madsim`, so madsim never enters lockstep's default build or its CI tests.
# Usage: scripts/bench-madsim.sh [RUNS]
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-2000}
(cd peers/madsim-demo-lock && cargo build --release --locked --quiet)
cargo build --release --locked --quiet
target/release/lockstep bench --runs "$runs" --madsim peers/madsim-demo-lock/target/release/madsim-demo-lock
