#!/usr/bin/env bash
# Runs per second of two lockstep binaries, side by side, for every scenario x variant
# both know: the before/after table of a speed issue from one sitting (issue 16).
#
# Each cell is `BIN run S --variant V --runs N --keep-going --no-corpus --no-shrink
# --jobs 1`, run old, new, old, new (ROUNDS, default 2, pairs); the best sample of
# each binary is kept, so a burst of load from elsewhere costs one sample, not the
# cell. Both binaries run the same seeds 0..N. Two rates per sample:
# - runs/s: what the campaign prints (wall time of its runs, without the time spent
#   replaying the failures it reports);
# - runs per CPU second: N over the process's user + system time. On a machine shared
#   with other work, wall time measures the others too; CPU time much less so.
#
# N is RUNS if given; otherwise each cell is calibrated: a probe of PROBE (500) runs
# of the old binary, and N the runs it makes in about CELL_SECONDS (1) CPU seconds.
# FILTER (an extended regex over "scenario variant") narrows the cells.
# IR_RUNS=M adds instructions per run, which no load changes: callgrind's count of a
# campaign of 2M runs less one of M, over M (so the process's start and the
# first-failure reports of runs 0..M cancel out). A first failure of an invariant in
# runs M..2M still costs a full report (a replay with its trace, about 3 M
# instructions in the launcher), so with a small M a failing variant reads slower than
# it is: use M of 200 or more for those. Slow: use it with FILTER.
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
probe=${PROBE:-500}
rounds=${ROUNDS:-2}
filter=${FILTER:-.}
ir_runs=${IR_RUNS:-}
for bin in "$old" "$new"; do
  [ -x "$bin" ] || { echo "$bin is not an executable" >&2; exit 2; }
done
# The campaigns run in a folder of their own (below): name the binaries absolutely.
old=$(realpath "$old")
new=$(realpath "$new")
for n in "$fixed_runs" "$ir_runs" "$rounds" "$probe"; do
  [ -z "$n" ] || [[ $n =~ ^[1-9][0-9]*$ ]] || { echo "'$n' is not a positive number" >&2; exit 2; }
done
[ -x /usr/bin/time ] || { echo "bench-vs.sh needs /usr/bin/time (GNU time) for CPU seconds" >&2; exit 2; }
[ -z "$ir_runs" ] || command -v valgrind >/dev/null || { echo "IR_RUNS needs valgrind" >&2; exit 2; }
# The CI variables of `run` (LOCKSTEP_TIME, LOCKSTEP_SHARD, ...) would change the cells.
while read -r name; do unset "$name"; done < <(env | sed -n 's/^\(LOCKSTEP_[A-Z_]*\)=.*/\1/p')

# A campaign may write files (a report folder set by the environment, a corpus): it
# runs in a folder of its own.
workdir=$(mktemp -d)
trap 'rm -rf "$workdir"' EXIT

# "scenario variant" per line, from `list`: a scenario starts a line, its variants are
# indented four spaces under "  variants:".
pairs() {
  "$1" list | awk '/^[^ ]/ { s = $1 } /^  [^ ]/ { section = $1 } /^    [^ ]/ && section == "variants:" { print s, $1 }'
}

# "WALL CPU" for one campaign: the runs/s it prints ("N runs, K with violations, R
# runs/s") and N per CPU second; nothing if it printed no rate (it failed, or does
# not know the variant).
rates() {
  local bin=$1 scenario=$2 variant=$3 runs=$4 wall cpu
  wall=$(cd "$workdir" && /usr/bin/time -f '%U %S' -o "$workdir/cpu" "$bin" run "$scenario" --variant "$variant" \
    --runs "$runs" --keep-going --no-corpus --no-shrink --jobs 1 2>/dev/null |
    sed -n 's/^[0-9]* runs, [0-9]* with violations, \([0-9.]*\) runs\/s.*/\1/p') || true
  cpu=$(awk -v n="$runs" '{ s = $1 + $2; if (s > 0) printf "%.0f", n / s }' "$workdir/cpu" 2>/dev/null || true)
  [ -z "$wall" ] || echo "$wall ${cpu:-0}"
}

# The highest number in column $1 of the lines on stdin (empty if none is positive).
best() {
  awk -v c="$1" '$c + 0 > m { m = $c + 0 } END { if (m > 0) print m }'
}

# $2 over $1, to two places; a dash if either is missing.
ratio() {
  if [ -n "$1" ] && [ -n "$2" ]; then awk -v o="$1" -v n="$2" 'BEGIN { printf "%.2f", n / o }'; else echo "—"; fi
}

# A CPU rate as the table shows it: none with a wall rate means the campaign took
# less than one 10 ms tick of CPU time.
cpu_cell() {
  if [ -n "$1" ]; then echo "$1"; elif [ -n "$2" ]; then echo "too short"; else echo "failed"; fi
}

# Instructions per run of runs M..2M (see IR_RUNS above).
ir_count() {
  (cd "$workdir" && valgrind --tool=callgrind --callgrind-out-file=/dev/null "$1" run "$2" --variant "$3" \
    --runs "$4" --keep-going --no-corpus --no-shrink --jobs 1 2>&1 >/dev/null || true) |
    sed -n 's/.*I *refs: *\([0-9,]*\).*/\1/p' | tr -d ,
}
ir_per_run() {
  local one two
  one=$(ir_count "$1" "$2" "$3" "$4")
  two=$(ir_count "$1" "$2" "$3" $((2 * $4)))
  if [ -n "$one" ] && [ -n "$two" ]; then echo $(((two - one) / $4)); fi
}

geomean() {
  printf '%s\n' "${@:2}" | awk -v what="$1" '{ s += log($1); n++ } END { printf "Geometric mean of %s x over %d cells: %.2f. ", what, n, exp(s / n) }'
}

common=$(comm -12 <(pairs "$old" | sort) <(pairs "$new" | sort))
only_old=$(comm -23 <(pairs "$old" | sort) <(pairs "$new" | sort) | paste -sd, | sed 's/,/, /g')
only_new=$(comm -13 <(pairs "$old" | sort) <(pairs "$new" | sort) | paste -sd, | sed 's/,/, /g')
# In the order the new binary lists them.
cells=$(pairs "$new" | grep -Fx -f <(printf '%s\n' "$common") | grep -E -- "$filter" || true)
if [ -z "$cells" ]; then
  echo "no scenario x variant is known to both binaries (and matches FILTER '$filter')" >&2
  exit 2
fi

header="| scenario | variant | old runs/s | new runs/s | x | old runs/CPU s | new runs/CPU s | x |"
rule="|---|---|---:|---:|---:|---:|---:|---:|"
if [ -n "$ir_runs" ]; then
  header+=" old instructions/run | new instructions/run | x |"
  rule+="---:|---:|---:|"
fi
echo "$header"
echo "$rule"
wall_ratios=()
cpu_ratios=()
ir_ratios=()
min_runs=
max_runs=0
while read -r scenario variant; do
  runs=$fixed_runs
  if [ -z "$runs" ]; then
    probe_rate=$(rates "$old" "$scenario" "$variant" "$probe" | best 2)
    # About CELL_SECONDS of the old binary's CPU time (the same N on a busy machine
    # as on a quiet one), in hundreds of runs, at least PROBE.
    runs=$(awk -v r="${probe_rate:-0}" -v s="$cell_seconds" -v p="$probe" \
      'BEGIN { n = int(r * s / 100 + 0.5) * 100; print (n < p ? p : n) }')
  fi
  min_runs=$((${min_runs:-$runs} < runs ? ${min_runs:-$runs} : runs))
  max_runs=$((max_runs > runs ? max_runs : runs))
  echo "$scenario --variant $variant: $runs runs, old then new, $rounds times" >&2
  : >"$workdir/old" && : >"$workdir/new"
  for _ in $(seq "$rounds"); do
    rates "$old" "$scenario" "$variant" "$runs" >>"$workdir/old"
    rates "$new" "$scenario" "$variant" "$runs" >>"$workdir/new"
  done
  ow=$(best 1 <"$workdir/old") && nw=$(best 1 <"$workdir/new")
  oc=$(best 2 <"$workdir/old") && nc=$(best 2 <"$workdir/new")
  xw=$(ratio "$ow" "$nw") && xc=$(ratio "$oc" "$nc")
  [ "$xw" = "—" ] || wall_ratios+=("$xw")
  [ "$xc" = "—" ] || cpu_ratios+=("$xc")
  row="| $scenario | $variant | ${ow:-failed} | ${nw:-failed} | $xw | $(cpu_cell "$oc" "$ow") | $(cpu_cell "$nc" "$nw") | $xc |"
  if [ -n "$ir_runs" ]; then
    oi=$(ir_per_run "$old" "$scenario" "$variant" "$ir_runs")
    ni=$(ir_per_run "$new" "$scenario" "$variant" "$ir_runs")
    # Fewer instructions is faster: old over new.
    xi=$(ratio "$ni" "$oi")
    [ "$xi" = "—" ] || ir_ratios+=("$xi")
    row+=" ${oi:-failed} | ${ni:-failed} | $xi |"
  fi
  echo "$row"
done <<<"$cells"

echo
[ ${#wall_ratios[@]} -eq 0 ] || geomean "runs/s" "${wall_ratios[@]}"
[ ${#cpu_ratios[@]} -eq 0 ] || geomean "runs/CPU s" "${cpu_ratios[@]}"
[ ${#ir_ratios[@]} -eq 0 ] || geomean "instructions/run" "${ir_ratios[@]}"
echo
if [ -n "$fixed_runs" ]; then
  echo "Runs per cell: $fixed_runs."
else
  echo "Runs per cell: $min_runs to $max_runs (about ${cell_seconds} CPU s of the old binary each)."
fi
echo "Each cell: \`BIN run S --variant V --runs N --keep-going --no-corpus --no-shrink --jobs 1\`, old then new, $rounds times; the best of each."
[ -z "$ir_runs" ] || echo "Instructions per run: callgrind, (runs 0..$((2 * ir_runs)) less runs 0..$ir_runs) / $ir_runs."
[ -z "$only_old" ] || echo "Only the old binary knows: $only_old."
[ -z "$only_new" ] || echo "Only the new binary knows: $only_new."
