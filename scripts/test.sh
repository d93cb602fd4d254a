#!/usr/bin/env bash
# Installs what the tests need, builds aula with AddressSanitizer and
# UndefinedBehaviorSanitizer, and runs every test: the clang-format check,
# C unit tests (cmocka), a short run of each fuzz target (libFuzzer),
# integration tests against the real binary and browser tests in Chromium
# (node:test). Ends with one line:
# "N passed, N failed".
#
#   scripts/test.sh              everything
#   scripts/test.sh unit         only the C unit tests
#   scripts/test.sh release      only the optimised build scripts/run.sh makes
#   FUZZ_SECONDS=60 scripts/test.sh fuzz
set -uo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
what=${1:-all}

scripts/deps.sh test || exit 1

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=0:strict_string_checks=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

results=$(mktemp)
trap 'rm -f "$results"' EXIT
failed_steps=()

# record NAME PASSED FAILED
record() { echo "$2 $3" >>"$results"; [ "$3" -eq 0 ] || failed_steps+=("$1"); }

build() {
    if [ ! -f build-test/build.ninja ]; then
        meson setup build-test --buildtype=debug -Db_sanitize=address,undefined \
            -Db_lundef=false -Dtests=enabled >/dev/null || return 1
    fi
    ninja -C build-test
}

run_unit() {
    echo "== unit tests (cmocka, ASan+UBSan)"
    meson test -C build-test --suite unit --print-errorlogs --no-rebuild
    # Count test cases, not programs: cmocka prints a summary per program.
    # A program that crashed before its summary counts as one failure.
    local counts
    counts=$(/usr/bin/python3 - build-test/meson-logs/testlog.json <<'PY'
import json, re, sys
passed = failed = 0
for line in open(sys.argv[1]):
    t = json.loads(line)
    out = t.get('stdout', '') + t.get('stderr', '')
    p = re.findall(r'\[  PASSED  \] (\d+) test', out)
    f = re.findall(r'\[  FAILED  \] (\d+) test', out)
    passed += sum(map(int, p))
    failed += sum(map(int, f))
    if t['result'] != 'OK' and not f:
        failed += 1
print(passed, failed)
PY
)
    record unit $counts
}

run_fuzz() {
    echo "== fuzz targets (libFuzzer, ${FUZZ_SECONDS:-10} s each)"
    if [ ! -f build-fuzz/build.ninja ]; then
        CC=clang meson setup build-fuzz --buildtype=debugoptimized -Dfuzz=true -Dtests=disabled \
            -Db_lundef=false >/dev/null || { record fuzz 0 1; return; }
    fi
    ninja -C build-fuzz >/dev/null || { record fuzz 0 1; return; }
    local p=0 f=0
    for target in build-fuzz/fuzz/fuzz_*; do
        [ -f "$target" ] && [ -x "$target" ] || continue
        local name corpus work
        name=$(basename "$target")
        corpus="fuzz/corpus/${name#fuzz_}"
        work=$(mktemp -d)
        if "$target" -max_total_time="${FUZZ_SECONDS:-10}" -timeout=5 -rss_limit_mb=2048 \
            -artifact_prefix="$work/" "$work" "$corpus" >"$work/log" 2>&1; then
            echo "ok   $name ($(grep -o 'Done [0-9]* runs' "$work/log" | head -1))"
            p=$((p + 1))
        else
            echo "FAIL $name"; tail -40 "$work/log"; ls "$work"
            f=$((f + 1))
        fi
        rm -rf "$work"
    done
    record fuzz $p $f
}

# The README's run command builds an optimised binary (scripts/run.sh), and
# GCC warns about more at -O3 than at -O0: compile that configuration too.
run_release() {
    echo "== release build (as scripts/run.sh builds it)"
    if [ ! -f build-release/build.ninja ]; then
        meson setup build-release --buildtype=release >/dev/null || { record release 0 1; return; }
    fi
    if ninja -C build-release >/dev/null; then
        echo "ok   release build"
        record release 1 0
    else
        ninja -C build-release 2>&1 | grep -E 'error|warning' | head -20
        record release 0 1
    fi
}

run_format() {
    echo "== format (clang-format, .clang-format)"
    local bad=()
    for f in $(git ls-files 'src/*.[ch]' 'tests/unit/*.[ch]' 'fuzz/*.c' 'bench/*.[ch]' 2>/dev/null); do
        clang-format --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
    done
    if [ "${#bad[@]}" -eq 0 ]; then
        echo "ok   every C file is formatted"
        record format 1 0
    else
        echo "FAIL not formatted (run make format): ${bad[*]}"
        record format 0 1
    fi
}

run_node() {
    local label=$1; shift
    local files=("$@")
    [ "${#files[@]}" -gt 0 ] && [ -e "${files[0]}" ] || return 0
    echo "== $label (node:test)"
    local tap=build-test/node-$label.tap
    (cd tests && node --test --test-reporter=spec --test-reporter-destination=stdout \
        --test-reporter=tap --test-reporter-destination="$root/$tap" \
        "${files[@]/#tests\//}")
    local p f
    p=$(grep -E '^# pass ' "$tap" | awk '{print $3}' | tail -1)
    f=$(grep -E '^# fail ' "$tap" | awk '{print $3}' | tail -1)
    [ -n "$p" ] || { record "$label" 0 1; return; }
    record "$label" "$p" "$f"
}

if ! build; then
    echo "build failed"
    echo "0 passed, 1 failed"
    exit 1
fi

case $what in
unit) run_unit ;;
fuzz) run_fuzz ;;
integration) run_node integration tests/integration/*.test.mjs ;;
e2e) run_node e2e tests/e2e/*.test.mjs ;;
format) run_format ;;
release) run_release ;;
all)
    run_format
    run_release
    run_unit
    run_fuzz
    run_node integration tests/integration/*.test.mjs
    run_node e2e tests/e2e/*.test.mjs
    ;;
*) echo "usage: scripts/test.sh [all|format|release|unit|fuzz|integration|e2e]"; exit 2 ;;
esac

read -r passed failed < <(awk '{p+=$1; f+=$2} END {print p+0, f+0}' "$results")
echo
[ "${#failed_steps[@]}" -eq 0 ] || echo "failures in: ${failed_steps[*]}"
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ "$passed" -gt 0 ]
