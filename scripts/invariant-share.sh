#!/bin/bash
# The share of a run's instructions spent checking invariants, per scenario and
# variant, under callgrind (instruction counts do not depend on the machine's load).
# usage: RUNS=40 scripts/invariant-share.sh BINARY OUTDIR
# Prints total instructions and the inclusive instructions of the runner's safety
# checks (Memo::first_unsafe, with the footprint) plus the end-of-run checks
# (first_violation); both are #[inline(never)] so that callgrind can see them.
set -u
BIN=$1; OUT=$2; RUNS=${RUNS:-40}
mkdir -p "$OUT"
for sv in "demo/lock check-then-set" "demo/lock compare-and-set" "lease/storage fenced-lease" "launcher/multi-tab v0" "launcher/multi-tab v4" "launcher/multi-tab v8" "launcher/multi-tab proposed" "devserver/redis-lock v1" "devserver/redis-lock proposed" "tools/siblings v10" "tools/siblings proposed" "restart/coalescer proposed" "restart/contract proposed" "prewarm/mkdir-lock proposed" "prewarm/mkdir-lock-full proposed" "prewarm/mkdir-lock-full v0"; do
  set -- $sv; s=$1; v=$2; f=$OUT/$(echo $s-$v | tr / _).out
  valgrind --tool=callgrind --callgrind-out-file=$f $BIN run $s --variant $v --runs $RUNS --no-corpus --keep-going --no-shrink --jobs 1 >/dev/null 2>&1
  tot=$(callgrind_annotate $f 2>/dev/null | grep -m1 "PROGRAM TOTALS" | awk '{print $1}' | tr -d ,)
  inv=$(callgrind_annotate --inclusive=yes $f 2>/dev/null | grep -E "runner.rs:sim::runner::(Memo<W>::first_unsafe|first_violation) \[" | awk '{gsub(",","",$1); s+=$1} END {print s+0}')
  echo "$s $v total=$tot inv=${inv:-0} share=$(python3 -c "print(round(100*${inv:-0}/$tot,1))")"
done
