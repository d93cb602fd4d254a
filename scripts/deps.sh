#!/usr/bin/env bash
# Installs what aula needs from Debian's archive. Idempotent: when every
# package is already installed it only checks, which takes a moment.
#
#   scripts/deps.sh          build and run dependencies
#   scripts/deps.sh test     also what the test suite needs (clang, Chromium,
#                            Node.js and the npm packages under tests/)
#   scripts/deps.sh bench    also what scripts/bench.sh needs (ffmpeg for the
#                            test stream, Janus for the baseline, perf)
set -euo pipefail
cd "$(dirname "$0")/.."

build_pkgs=(build-essential pkg-config meson ninja-build
    libuv1-dev libssl-dev libsqlite3-dev libjansson-dev
    libwslay-dev libhttp-parser-dev libsrtp2-dev libcurl4-openssl-dev libjwt-dev libargon2-dev)
test_pkgs=(libcmocka-dev clang clang-format libclang-rt-14-dev chromium curl openssl python3-aiosmtpd)
bench_pkgs=(ffmpeg janus iproute2 ethtool util-linux curl python3 linux-perf)

want=("${build_pkgs[@]}")
if [ "${1:-}" = test ]; then
    want+=("${test_pkgs[@]}")
    command -v node >/dev/null 2>&1 || want+=(nodejs npm)
fi
if [ "${1:-}" = bench ]; then
    want+=("${bench_pkgs[@]}")
fi

missing=()
for p in "${want[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" ||
        missing+=("$p")
done

if [ "${#missing[@]}" -gt 0 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "deps: missing packages: ${missing[*]} (run as root to install them)" >&2
        exit 1
    fi
    echo "deps: installing ${missing[*]}"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${missing[@]}"
fi

if [ "${1:-}" = test ]; then
    # The lock file pins versions; npm ci is quick when node_modules is current.
    if [ ! -d tests/node_modules ] || [ tests/package-lock.json -nt tests/node_modules/.package-lock.json ]; then
        (cd tests && npm ci --no-audit --no-fund --loglevel=error)
    fi
fi
