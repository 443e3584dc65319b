#!/usr/bin/env bash
# Runs every test suite of pg_outreach on this machine, installing what it needs:
#   unit    GoogleTest suites of the C++ core, built with AddressSanitizer + UBSan
#   fuzz    each libFuzzer target over its committed corpus, then FUZZ_RUNS new inputs from the
#           fixed seed FUZZ_SEED (a given commit explores the same inputs every run; capped at
#           FUZZ_SECONDS). Longer random-seed campaigns are for development: see README.
#   regress pg_regress (make installcheck) against a throwaway PostgreSQL cluster
#           and the pg_isolation_regress specs of specs/ (same make target)
#   integration
#           test/integration/*.sh: the real outreachd against that cluster
# Prints one line per suite and finally "N passed, N failed"; exits non-zero when anything failed.
set -uo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

FUZZ_SECONDS=${FUZZ_SECONDS:-30}
FUZZ_RUNS=${FUZZ_RUNS:-60000}
FUZZ_SEED=${FUZZ_SEED:-20261125}
WORK=${OUTREACH_TEST_DIR:-/tmp/outreach-test.$$}
PORT=${OUTREACH_TEST_PORT:-55433}
passed=0
failed=0
failures=()

count() {  # count SUITE PASSED FAILED
    passed=$((passed + $2))
    failed=$((failed + $3))
    [ "$3" -gt 0 ] && failures+=("$1")
    printf '%-10s %d passed, %d failed\n' "$1:" "$2" "$3"
}

mkdir -p "$WORK"
chmod 755 "$WORK"
trap 'cluster_stop "$WORK/pg"' EXIT
trap 'exit 130' INT TERM    # so that the EXIT trap stops the cluster on a CI timeout too

install_deps || { echo "could not install dependencies"; echo "0 passed, 1 failed"; exit 1; }

# ---- unit tests under sanitizers --------------------------------------------------------------
log "unit tests (GoogleTest, ASan + UBSan)"
if cmake -S . -B build-test -DCMAKE_BUILD_TYPE=Debug -DOUTREACH_SANITIZE=ON -DOUTREACH_BENCH=OFF >"$WORK/unit-build.log" 2>&1 \
    && cmake --build build-test -j"$(nproc)" >>"$WORK/unit-build.log" 2>&1; then
    ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
        build-test/unit_tests --gtest_brief=1 >"$WORK/unit.log" 2>&1
    unit_rc=$?
    unit_total=$(grep -oE '^\[==========\] [0-9]+ tests? from' "$WORK/unit.log" | tail -1 | grep -oE '[0-9]+' | head -1)
    unit_failed=$(grep -oE '^\[  FAILED  \] [0-9]+ tests?, listed below' "$WORK/unit.log" | grep -oE '[0-9]+' | head -1)
    unit_total=${unit_total:-0}
    unit_failed=${unit_failed:-0}
    if [ "$unit_total" -eq 0 ]; then
        tail -50 "$WORK/unit.log"
        count unit 0 1                       # the binary crashed before its summary
    else
        # A sanitizer (LeakSanitizer reports after the summary) fails the run with no failed test.
        if [ "$unit_rc" -ne 0 ] && [ "$unit_failed" -eq 0 ]; then unit_failed=1; fi
        [ "$unit_failed" -gt 0 ] && tail -50 "$WORK/unit.log"
        count unit $((unit_total - unit_failed)) "$unit_failed"
    fi
else
    tail -40 "$WORK/unit-build.log"
    count unit 0 1
fi

# ---- fuzz targets -----------------------------------------------------------------------------
log "fuzz targets (libFuzzer, seed ${FUZZ_SEED}, ${FUZZ_RUNS} runs or ${FUZZ_SECONDS}s each)"
if CC=clang CXX=clang++ cmake -S . -B build-fuzz -DCMAKE_BUILD_TYPE=RelWithDebInfo -DOUTREACH_FUZZ=ON \
        -DOUTREACH_SANITIZE=ON -DOUTREACH_BENCH=OFF >"$WORK/fuzz-build.log" 2>&1; then
    fz_pass=0
    fz_fail=0
    for src in test/fuzz/*_fuzz.cpp; do
        name=$(basename "$src" .cpp)
        if ! cmake --build build-fuzz -j"$(nproc)" --target "$name" >>"$WORK/fuzz-build.log" 2>&1; then
            tail -20 "$WORK/fuzz-build.log"
            fz_fail=$((fz_fail + 1))
            continue
        fi
        # New inputs go to a scratch directory; the committed corpus (seeds and every crash
        # ever found, kept as regression cases) is replayed first and left untouched.
        scratch="$WORK/fuzz-$name"
        mkdir -p "$scratch" "$WORK/artifacts"
        corpus=()
        [ -d "test/fuzz/corpus/$name" ] && corpus=("test/fuzz/corpus/$name")
        if build-fuzz/"$name" -seed="$FUZZ_SEED" -runs="$FUZZ_RUNS" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=4096 \
            -artifact_prefix="$WORK/artifacts/$name-" "$scratch" "${corpus[@]}" >"$WORK/$name.log" 2>&1; then
            fz_pass=$((fz_pass + 1))
        else
            fz_fail=$((fz_fail + 1))
            echo "fuzz target $name failed; the input is kept in $WORK/artifacts (add it to test/fuzz/corpus/$name):"
            tail -30 "$WORK/$name.log"
        fi
    done
    count fuzz "$fz_pass" "$fz_fail"
else
    tail -20 "$WORK/fuzz-build.log"
    count fuzz 0 1
fi

# ---- pg_regress and isolation against a real server ---------------------------------------------
log "extension build, install and a throwaway cluster"
if build_and_install_extension >"$WORK/ext-build.log" 2>&1 && cluster_start "$WORK/pg" "$PORT"; then
    log "pg_regress and isolation specs (make installcheck)"
    make -s installcheck >"$WORK/regress.log" 2>&1
    rg_rc=$?
    rg_pass=$(grep -cE '^(ok|test| ) .*\.\.\. ok|^ok ' "$WORK/regress.log")
    rg_fail=$(grep -cE '\.\.\. FAILED|^not ok ' "$WORK/regress.log")
    # make stops at the first failing suite (isolation runs after pg_regress): a failed make with
    # nothing counted as failed is still a failure.
    if [ "$rg_rc" -ne 0 ] && [ "$rg_fail" -eq 0 ]; then rg_fail=1; fi
    if [ "$rg_fail" -gt 0 ]; then
        tail -30 "$WORK/regress.log"
        for diffs in regression.diffs output_iso/regression.diffs; do
            [ -f "$diffs" ] && head -200 "$diffs"
        done
    fi
    count regress "$rg_pass" "$rg_fail"

    # Integration: the real outreachd (built with the sanitizers above) against this cluster.
    log "integration tests (outreachd against the cluster)"
    for script in test/integration/*.sh; do
        name=$(basename "$script" .sh)
        ASAN_OPTIONS=detect_leaks=1 bash "$script" "$PWD/build-test/outreachd" >"$WORK/integration-$name.log" 2>&1
        it_rc=$?
        it_line=$(tail -1 "$WORK/integration-$name.log")
        it_pass=$(printf '%s' "$it_line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\1/p')
        it_fail=$(printf '%s' "$it_line" | sed -nE 's/^([0-9]+) passed, ([0-9]+) failed$/\2/p')
        if [ -z "$it_pass" ]; then it_pass=0; it_fail=1; fi
        if [ "$it_rc" -ne 0 ] && [ "$it_fail" -eq 0 ]; then it_fail=1; fi
        if [ "$it_fail" -gt 0 ]; then grep -v '^ok ' "$WORK/integration-$name.log" | tail -40; fi
        count "integration-$name" "$it_pass" "$it_fail"
    done
else
    tail -40 "$WORK/ext-build.log"
    count regress 0 1
fi

echo
[ ${#failures[@]} -gt 0 ] && echo "failing suites: ${failures[*]} (logs in $WORK)"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
