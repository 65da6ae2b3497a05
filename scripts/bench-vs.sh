#!/usr/bin/env bash
# Runs per second of two lockstep binaries, side by side, for every scenario x variant
# both know: the before/after table of a speed issue from one sitting (issue 16).
#
# Each cell is `BIN run S --variant V --runs N --keep-going --no-corpus --no-shrink
# --jobs 1` (the runs/s that command prints: wall time of the runs, without the time
# spent replaying the failures it reports), run old, new, old, new; the best of the two
# of each binary is kept, so a burst of load from elsewhere on the machine costs one
# sample, not the cell (ROUNDS, default 2, sets how many of each). Both binaries run
# the same seeds 0..N.
#
# N is RUNS if given; otherwise each cell is calibrated: a probe of PROBE runs of the
# old binary, and N the runs it makes in about CELL_SECONDS (default 1) seconds.
# FILTER (an extended regex over "scenario variant") narrows the cells.
# IR_RUNS=M adds instructions per run, which the machine's load does not change:
# callgrind's count of a campaign of 2M runs less one of M, over M (so the process's
# start and most first-failure reports cancel out). Slow: use it with FILTER.
# Not run in CI: it measures the machine as much as the code. The table is Markdown
# on stdout; progress goes to stderr.
#
# usage: scripts/bench-vs.sh OLD_BINARY NEW_BINARY [RUNS]
#   e.g. FILTER='^launcher/' scripts/bench-vs.sh /tmp/old/lockstep target/release/lockstep
set -euo pipefail

if [ $# -lt 2 ] || [ $# -gt 3 ]; then
  echo "usage: $0 OLD_BINARY NEW_BINARY [RUNS]" >&2
  exit 2
fi
old=$1
new=$2
fixed_runs=${3:-}
cell_seconds=${CELL_SECONDS:-1}
probe=${PROBE:-200}
rounds=${ROUNDS:-2}
filter=${FILTER:-.}
ir_runs=${IR_RUNS:-}
for bin in "$old" "$new"; do
  [ -x "$bin" ] || { echo "$bin is not an executable" >&2; exit 2; }
done
if [ -n "$fixed_runs" ] && ! [[ $fixed_runs =~ ^[1-9][0-9]*$ ]]; then
  echo "RUNS must be a positive number, not '$fixed_runs'" >&2
  exit 2
fi
# The CI variables of `run` (LOCKSTEP_TIME, LOCKSTEP_SHARD, ...) would change the cells.
while read -r name; do unset "$name"; done < <(env | sed -n 's/^\(LOCKSTEP_[A-Z_]*\)=.*/\1/p')

# "scenario variant" per line, from `list`: a scenario starts a line, its variants are
# indented four spaces under "  variants:".
pairs() {
  "$1" list | awk '/^[^ ]/ { s = $1 } /^  [^ ]/ { section = $1 } /^    [^ ]/ && section == "variants:" { print s, $1 }'
}

# The runs/s one campaign prints ("N runs, K with violations, R runs/s"); empty if
# the binary printed none (it failed, or does not know the variant).
rate() {
  local bin=$1 scenario=$2 variant=$3 runs=$4
  (cd "$workdir" && "$bin" run "$scenario" --variant "$variant" --runs "$runs" --keep-going --no-corpus \
    --no-shrink --jobs 1 2>/dev/null || true) | sed -n 's/^[0-9]* runs, [0-9]* with violations, \([0-9.]*\) runs\/s.*/\1/p'
}

# The highest of the rates given (empty if none).
best() {
  printf '%s\n' "$@" | awk '$1 + 0 > m { m = $1 + 0 } END { if (m > 0) print m }'
}

# Instructions per run of runs M..2M (see IR_RUNS above).
ir_per_run() {
  local bin=$1 scenario=$2 variant=$3 m=$4 one two
  count() {
    (cd "$workdir" && valgrind --tool=callgrind --callgrind-out-file=/dev/null "$bin" run "$scenario" \
      --variant "$variant" --runs "$1" --keep-going --no-corpus --no-shrink --jobs 1 2>&1 >/dev/null || true) |
      sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' | tr -d ,
  }
  one=$(count "$m")
  two=$(count $((2 * m)))
  [ -n "$one" ] && [ -n "$two" ] && echo $(((two - one) / m))
}

# new over old, to two places; a dash if either is missing.
ratio() {
  if [ -n "$1" ] && [ -n "$2" ]; then awk -v o="$1" -v n="$2" 'BEGIN { printf "%.2f", n / o }'; else echo "—"; fi
}

# A campaign may write files (a report folder set by the environment, a corpus): it
# runs in a folder of its own.
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

common=$(comm -12 <(pairs "$old" | sort) <(pairs "$new" | sort))
only_old=$(comm -23 <(pairs "$old" | sort) <(pairs "$new" | sort) | tr '\n' ',' | sed 's/,$//; s/,/, /g')
only_new=$(comm -13 <(pairs "$old" | sort) <(pairs "$new" | sort) | tr '\n' ',' | sed 's/,$//; s/,/, /g')
# In the order the new binary lists them.
cells=$(pairs "$new" | grep -Fx -f <(printf '%s\n' "$common") | grep -E -- "$filter" || true)
if [ -z "$cells" ]; then
  echo "no scenario x variant is known to both binaries (and matches FILTER '$filter')" >&2
  exit 2
fi

if [ -n "$ir_runs" ]; then
  command -v valgrind >/dev/null || { echo "IR_RUNS needs valgrind" >&2; exit 2; }
  echo "| scenario | variant | old runs/s | new runs/s | x | old instructions/run | new instructions/run | x |"
  echo "|---|---|---:|---:|---:|---:|---:|---:|"
else
  echo "| scenario | variant | old runs/s | new runs/s | x |"
  echo "|---|---|---:|---:|---:|"
fi
ratios=()
ir_ratios=()
min_runs=
max_runs=
while read -r scenario variant; do
  runs=$fixed_runs
  if [ -z "$runs" ]; then
    probe_rate=$(rate "$old" "$scenario" "$variant" "$probe")
    # About CELL_SECONDS of the old binary, in hundreds of runs, at least PROBE.
    runs=$(awk -v r="${probe_rate:-0}" -v s="$cell_seconds" -v p="$probe" \
      'BEGIN { n = int(r * s / 100 + 0.5) * 100; print (n < p ? p : n) }')
  fi
  min_runs=$(( ${min_runs:-runs} < runs ? ${min_runs:-runs} : runs ))
  max_runs=$(( ${max_runs:-0} > runs ? ${max_runs:-0} : runs ))
  echo "$scenario --variant $variant: $runs runs, old and new alternated $rounds times" >&2
  olds=()
  news=()
  for _ in $(seq "$rounds"); do
    olds+=("$(rate "$old" "$scenario" "$variant" "$runs")")
    news+=("$(rate "$new" "$scenario" "$variant" "$runs")")
  done
  o=$(best "${olds[@]}")
  n=$(best "${news[@]}")
  x=$(ratio "$o" "$n")
  [ "$x" = "—" ] || ratios+=("$x")
  row="| $scenario | $variant | ${o:-failed} | ${n:-failed} | $x |"
  if [ -n "$ir_runs" ]; then
    oi=$(ir_per_run "$old" "$scenario" "$variant" "$ir_runs")
    ni=$(ir_per_run "$new" "$scenario" "$variant" "$ir_runs")
    # Fewer instructions is faster: old over new.
    xi=$(ratio "$ni" "$oi")
    [ "$xi" = "—" ] || ir_ratios+=("$xi")
    row+=" ${oi:-failed} | ${ni:-failed} | $xi |"
  fi
  echo "$row"
done <<< "$cells"

echo
geomean() {
  printf '%s\n' "$@" | awk -v what="$what" '{ s += log($1); n++ } END { printf "Geometric mean of %s x over %d cells: %.2f. ", what, n, exp(s / n) }'
}
[ ${#ratios[@]} -eq 0 ] || what="runs/s" geomean "${ratios[@]}"
[ ${#ir_ratios[@]} -eq 0 ] || what="instructions/run" geomean "${ir_ratios[@]}"
if [ -n "$fixed_runs" ]; then
  echo "Runs per cell: $fixed_runs."
else
  echo "Runs per cell: $min_runs to $max_runs (about ${cell_seconds}s of the old binary each)."
fi
echo "Each cell: \`BIN run S --variant V --runs N --keep-going --no-corpus --no-shrink --jobs 1\`, old then new, $rounds times; the best of each."
[ -z "$ir_runs" ] || echo "Instructions per run: callgrind, (runs 0..$((2 * ir_runs)) less runs 0..$ir_runs) / $ir_runs."
[ -z "$only_old" ] || echo "Only the old binary knows: $only_old."
[ -z "$only_new" ] || echo "Only the new binary knows: $only_new."
