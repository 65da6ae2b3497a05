#!/usr/bin/env bash
# The stateright and shuttle peers of `launcher/create-lock` (issue 15), side by side
# with lockstep's detection table: per bug, stateright's breadth-first search (states
# and wall time to the shortest counterexample, and its length) and shuttle's random
# and PCT (d = 2, 3) schedulers (iterations and wall time to the first failing
# execution, median over campaign seeds); then the time and states stateright needs to
# cover the correct configuration (`proposed`, 450 s, at most one fault) at 2, 3 and 4
# tabs, breadth-first and depth-first with symmetry reduction over the tabs. Each peer is a workspace of its own under peers/ (own Cargo.lock and target/),
# never part of lockstep's build or CI. The tables are Markdown on stdout.
# Usage: scripts/bench-peers.sh [TABS] [SEEDS]
set -euo pipefail
cd "$(dirname "$0")/.."
tabs=${1:-2}
seeds=${2:-10}
for peer in stateright-create-lock shuttle-create-lock; do
  (cd "peers/$peer" && cargo build --release --locked --quiet)
done
stateright=peers/stateright-create-lock/target/release/stateright-create-lock
shuttle=peers/shuttle-create-lock/target/release/shuttle-create-lock

echo "### stateright 0.31 (BFS, one thread): detection, $tabs tabs"
echo
"$stateright" rows --tabs "$tabs" --repeat 5
echo
echo "### shuttle 0.9 (check_random, check_pct): detection, $tabs tabs, $seeds campaign seeds"
echo
# A failing execution panics by design: shuttle's own report of each goes to stderr.
"$shuttle" rows --tabs "$tabs" --seeds "$seeds" 2>/dev/null
echo
echo "### stateright 0.31: covering the correct configuration"
echo
"$stateright" cover --tabs 2,3,4
