#!/bin/bash
# Runs rules list/explain/test/coverage/validate and check twice on every pack
# (cold syntax cache, then warm) and compares the outputs.
# usage: cold_warm.sh BINARY
BIN=${1:?binary}
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
export DCMAUDIT_RULES=$ROOT/Rules
W=$(mktemp -d)
fail=0
norm() { sed -E 's/[0-9]+(\.[0-9]+)? ?(ms|s)\b/T/g; s/"(startTime|endTime|duration|durationSeconds|started|finished|time|timestamp)": *[^,}]*/"\1": X/g; s/20[0-9][0-9]-[0-9][0-9]-[0-9][0-9]T[0-9:.]+Z?/DATE/g'; }
runboth() {   # name, command...
  local name=$1; shift
  local c=$W/cache-$RANDOM$RANDOM; mkdir -p "$c"
  for pass in cold warm; do
    (cd "$ROOT" && DCMAUDIT_CACHE=$c "$@" >"$W/out.$pass" 2>"$W/err.$pass"; echo "rc=$?" >>"$W/err.$pass")
    norm <"$W/out.$pass" >"$W/out.$pass.n"; norm <"$W/err.$pass" >"$W/err.$pass.n"
  done
  if ! cmp -s "$W/out.cold.n" "$W/out.warm.n" || ! cmp -s "$W/err.cold.n" "$W/err.warm.n"; then
    echo "DIFF: $name"; diff "$W/out.cold.n" "$W/out.warm.n" | head -10; diff "$W/err.cold.n" "$W/err.warm.n" | head -10; fail=1
  fi
  ls "$c" | grep -q syntax || echo "  (no cache entry: $name)"
}
PACKS=$(ls "$ROOT"/Rules/*.yaml "$ROOT"/Rules/examples/*.yaml; find "$ROOT/Tests" -name '*.yaml')
for p in $PACKS; do
  b=$(basename "$p")
  id=$("$BIN" rules list --rules "$p" 2>/dev/null | awk 'NR==1{print $1}')
  runboth "list $b" "$BIN" rules list --rules "$p"
  [ -n "$id" ] && runboth "explain $b $id" "$BIN" rules explain --rules "$p" "$id"
  runboth "test $b" "$BIN" rules test "$p"
  runboth "validate $b" "$BIN" rules validate "$p"
  runboth "coverage $b" "$BIN" rules coverage "$p"
  for fx in Fixtures/demo Fixtures/protocol Fixtures/malformed; do
    runboth "check $b $fx" "$BIN" check "$fx" --rules "$p" --not-evaluated list
    runboth "check json $b $fx" "$BIN" check "$fx" --rules "$p" --format json --jobs 1
  done
done
# every built-in pack together
runboth "check all packs" "$BIN" check Fixtures/demo Fixtures/iod --rules Rules --rules Rules/examples --not-evaluated list
echo "workdir $W"; exit $fail
