#!/usr/bin/env bash
# Installs what aula needs, builds it, and starts it with its embedded
# defaults: http://127.0.0.1:8080/, data in ./aula-data, media on UDP
# 127.0.0.1:40000 and up. Extra arguments go to `aula serve`
# (scripts/run.sh --http-port 9000).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh
if [ ! -f build/build.ninja ]; then
    meson setup build --buildtype=release >/dev/null
fi
ninja -C build >/dev/null
exec build/aula serve "$@"
