#!/usr/bin/env bash
# The webinar bench (docs/performance.md, "Webinar: 500 attendees"):
# builds an optimised aula without sanitizers in build-webinar-rel, then runs
# bench/webinar/bench.mjs with the server pinned to CPU 0 and the 500
# simulated attendees (one Node process) pinned to CPU 1, both under
# SCHED_FIFO (as scripts/bench.sh does) so that other work on a shared
# machine does not turn into delay in the table; without root it runs them
# unpinned at normal priority. Extra arguments go to bench.mjs
# (--attendees N, --lines N, --interval MS, --data-parent DIR, --json).
set -euo pipefail
cd "$(dirname "$0")/../.."
if [ ! -f build-webinar-rel/build.ninja ]; then
    # werror off: a newer compiler may warn in code this script does not own.
    meson setup build-webinar-rel --buildtype=debugoptimized -Dwerror=false -Dtests=disabled >/dev/null
fi
ninja -C build-webinar-rel aula >/dev/null
if [ ! -d tests/node_modules/ws ]; then
    (cd tests && npm install --no-audit --no-fund >/dev/null)
fi
cpus=$(nproc)
if [ "$cpus" -ge 2 ] && [ "$(id -u)" -eq 0 ] && command -v taskset >/dev/null &&
    command -v chrt >/dev/null; then
    # aula, started by bench.mjs under taskset -c 0, inherits SCHED_FIFO.
    exec chrt -f 20 taskset -c 1 node bench/webinar/bench.mjs --aula build-webinar-rel/aula \
        --server-cpu 0 "$@"
fi
exec node bench/webinar/bench.mjs --aula build-webinar-rel/aula "$@"
