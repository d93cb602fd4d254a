#!/usr/bin/env bash
# The media benchmark: aula against Janus, side by side, on this machine.
#
#   scripts/bench.sh            short run (under 3 minutes): a few rows
#   scripts/bench.sh --full     the full table (also BENCH_FULL=1)
#
# For a targeted run (say, memory per viewer after a change), the
# environment narrows it: BENCH_SERVERS="aula" (default "aula janus"),
# BENCH_SIZES="300 300 300" (webinar rows, default per run length; repeated
# sizes give repeated rows), BENCH_MEETING=0 (skip the meeting row).
#
# Builds build-bench (aula and bench/aula-hammer), makes a VP8 + Opus test
# stream with ffmpeg (cached in bench/.cache), creates two network
# namespaces joined by a veth pair, the server's and the viewers', and runs
# each row: a fresh server pinned to CPU 0 in the first, the load generator
# pinned to CPU 1 in the second, one JSON line of results per row. The
# viewers' end of the pair takes packets in a NAPI thread pinned to CPU 1,
# so receiving them is the generator's work, as it would be on the viewers'
# machines (on loopback the sender's CPU does it). Then the forwarding
# ceiling of this machine and the table. Nothing leaves the two namespaces.
# docs/performance.md explains the method.
set -euo pipefail
cd "$(dirname "$0")/.."

NS_ADDR=10.203.0.1  # the server's address, in the server's namespace
GEN_ADDR=10.203.0.2 # the load generator's, in the viewers' namespace
IFACE=bench0
FULL=0
case "${1:-}" in
--full) FULL=1 ;;
"") ;;
*) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
esac
[ "${BENCH_FULL:-0}" = 1 ] && FULL=1

if [ "${BENCH_INNER:-}" != 1 ]; then
    if [ "$(id -u)" -ne 0 ]; then
        echo "bench: needs root (network namespace, CPU pinning)" >&2
        exit 1
    fi
    scripts/deps.sh bench
    if [ ! -f build-bench/build.ninja ]; then
        # werror off: a newer GCC warns in code this script does not own.
        meson setup build-bench --buildtype=debugoptimized -Dwerror=false >/dev/null
    fi
    ninja -C build-bench >/dev/null
    mkdir -p bench/.cache
    if [ ! -s bench/.cache/video.ivf ]; then
        echo "bench: encoding the test stream (VP8 1 Mbit/s, Opus 48 kbit/s, 20 s)"
        ffmpeg -hide_banner -loglevel error -y -f lavfi -i testsrc2=size=640x360:rate=30 -t 20 \
            -c:v libvpx -b:v 1M -minrate 1M -maxrate 1M -bufsize 500k -g 60 \
            -deadline realtime -cpu-used 8 -error-resilient 1 bench/.cache/video.ivf
        ffmpeg -hide_banner -loglevel error -y -f lavfi -i sine=frequency=440:sample_rate=48000 \
            -t 20 -c:a libopus -b:a 48k -frame_duration 20 -application voip bench/.cache/audio.ogg
    fi
    ns="aula-bench-$$"
    gen_ns="aula-bench-$$-viewers"
    ip netns add "$ns"
    ip netns add "$gen_ns"
    trap 'ip netns del "$ns" 2>/dev/null || true; ip netns del "$gen_ns" 2>/dev/null || true' EXIT
    ip -n "$ns" link set lo up
    ip -n "$gen_ns" link set lo up
    # The server's namespace and the viewers' joined by a veth pair: the
    # server's datagrams leave by a network interface (Janus's ICE library
    # ignores "lo" in any case), and are received on the other end.
    ip link add "$IFACE" netns "$ns" type veth peer name "${IFACE}v" netns "$gen_ns"
    ip -n "$ns" addr add "$NS_ADDR/24" dev "$IFACE"
    ip -n "$gen_ns" addr add "$GEN_ADDR/24" dev "${IFACE}v"
    # Who receives: with GRO on, the viewers' end takes datagrams in NAPI
    # (the server's end then hands each one over through a ring, without
    # segmentation offload), and a threaded NAPI runs in a kernel thread of
    # its own, pinned below to the generator's CPU. Otherwise the whole
    # receive path (socket lookup, queueing, waking the reader) runs on the
    # sending CPU and is counted as the server's. The server's end gets a
    # queue of 1,000 datagrams, as a NIC has: a veth has none, and drops
    # what its 256-slot ring cannot take at once.
    ip netns exec "$ns" ethtool -K "$IFACE" tso off >/dev/null
    ip netns exec "$ns" tc qdisc replace dev "$IFACE" root pfifo limit 1000
    ip netns exec "$gen_ns" ethtool -K "${IFACE}v" gro on >/dev/null
    ip -n "$ns" link set "$IFACE" up
    ip -n "$gen_ns" link set "${IFACE}v" up
    ip netns exec "$gen_ns" sh -c "echo 1 >/sys/class/net/${IFACE}v/threaded"
    napi=$(pgrep -x "napi/${IFACE}v-[0-9]*" | head -1)
    if [ -z "$napi" ]; then
        echo "bench: no NAPI thread for ${IFACE}v (threaded NAPI needs Linux 5.12 or later)" >&2
        exit 1
    fi
    taskset -pc 1 "$napi" >/dev/null
    chrt -f -p 20 "$napi"
    BENCH_INNER=1 BENCH_FULL=$FULL BENCH_GEN_NS=$gen_ns BENCH_NAPI=$napi \
        ip netns exec "$ns" "$0" ${1:+"$1"}
    exit
fi

# ---- inside the namespace ----
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
tmp=$(mktemp -d /tmp/aula-bench.XXXXXX)
results="$tmp/results.jsonl"
server_pid=
cleanup() {
    [ -n "$server_pid" ] && kill "$server_pid" 2>/dev/null && wait "$server_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$FULL" = 1 ]; then
    duration=30
    webinar_sizes=(100 250 500 1000 2000 4000 8000)
else
    duration=6
    webinar_sizes=(100 500)
fi
[ -n "${BENCH_SIZES:-}" ] && read -r -a webinar_sizes <<<"$BENCH_SIZES"
hammer=build-bench/bench/aula-hammer
# The servers, the load generator and the ceiling run under SCHED_FIFO on
# their pinned CPUs, so that other work on a shared machine (builds, browser
# tests) does not turn into delay, loss and join time in the table. The
# kernel's RT throttling still leaves other tasks 5 % of each CPU.
rt=(chrt -f 20)
media=(--video bench/.cache/video.ivf --audio bench/.cache/audio.ogg)

# Waits until something accepts TCP connections on $1:$2 (the server is up).
wait_port() {
    for _ in $(seq 200); do
        (exec 3<>"/dev/tcp/$1/$2") 2>/dev/null && return 0
        kill -0 "$server_pid" 2>/dev/null || return 1
        sleep 0.05
    done
    return 1
}

start_aula() {
    rm -rf "$tmp/aula-data"
    setsid "${rt[@]}" taskset -c 0 build-bench/aula serve --http-host "$NS_ADDR" --http-port 18080 \
        --media-host "$NS_ADDR" --media-port 41000 --workers 1 --data-dir "$tmp/aula-data" \
        --log-level warn >"$tmp/aula.log" 2>&1 &
    server_pid=$!
    wait_port "$NS_ADDR" 18080
    if [ -n "$webinar_viewers" ]; then
        aula_webinar "$webinar_viewers"
        return
    fi
    room=$(curl -s -X POST -H 'Content-Type: application/json' -d '{"title":"bench"}' \
        "http://$NS_ADDR:18080/api/v1/rooms" | sed 's/.*"id":"\([^"]*\)".*/\1/')
    target=(--server aula --ip "$NS_ADDR" --port 18080 --room "$room")
}

# aula_webinar N: a real webinar (an event of type "webinar", open access,
# starting now), where attendees are announced to hosts only, not to each
# other. A bench host account makes it; the publisher joins with the host
# key (role host), each of the N viewers with a name (role attendee). One
# curl process asks for all the tokens over one connection, before the
# hammer starts; the hammer joins with them (room.join {token}).
aula_webinar() {
    local api=http://$NS_ADDR:18080/api/v1 jar="$tmp/cookies" ev csrf id key i
    csrf=$(curl -sf -c "$jar" -H 'Content-Type: application/json' \
        -d '{"email":"bench@example.org","name":"Bench host","password":"bench-password"}' \
        "$api/auth/signup" | sed 's/.*"csrf":"\([^"]*\)".*/\1/') || return 1
    ev=$(curl -sf -b "$jar" -H 'Content-Type: application/json' -H "X-CSRF-Token: $csrf" \
        -d "{\"title\":\"bench\",\"type\":\"webinar\",\"access\":\"open\",\"time_zone\":\"UTC\",\"starts\":\"$(date -u +%Y-%m-%dT%H:%MZ)\",\"duration_min\":60}" \
        "$api/events") || return 1
    id=$(echo "$ev" | sed 's/.*"id":"\([^"]*\)".*"title".*/\1/')
    key=$(echo "$ev" | sed 's/.*"host_key":"\([^"]*\)".*/\1/')
    # A curl config: one request per token (the host's first), "next" between them.
    for ((i = 0; i <= $1; i++)); do
        body="{\\\"name\\\":\\\"viewer $i\\\"}"
        [ "$i" = 0 ] && body="{\\\"name\\\":\\\"bench host\\\",\\\"host_key\\\":\\\"$key\\\"}" || echo next
        printf 'url = "%s/events/%s/join"\nheader = "Content-Type: application/json"\n' "$api" "$id"
        printf 'data = "%s"\nwrite-out = "\\n"\n' "$body"
    done >"$tmp/joins.cfg"
    curl -s -K "$tmp/joins.cfg" | sed -n 's/.*"token":"\([^"]*\)".*/\1/p' >"$tmp/tokens"
    if [ "$(wc -l <"$tmp/tokens")" -ne $(($1 + 1)) ]; then
        echo "bench: the event join route gave $(wc -l <"$tmp/tokens") of $(($1 + 1)) tokens" >&2
        return 1
    fi
    target=(--server aula --ip "$NS_ADDR" --port 18080 --room "$id" --tokens "$tmp/tokens")
}

start_janus() {
    local d="$tmp/janus"
    rm -rf "$d" && mkdir -p "$d"
    for f in bench/janus/*.jcfg.in; do
        sed -e "s|@DIR@|$d|; s|@IFACE@|$IFACE|; s|@PORT@|18188|; s|@IP@|$NS_ADDR|" "$f" \
            >"$d/$(basename "$f" .in)"
    done
    setsid "${rt[@]}" taskset -c 0 janus -F "$d" -C "$d/janus.jcfg" -o >"$tmp/janus.log" 2>&1 &
    server_pid=$!
    wait_port "$NS_ADDR" 18188
    target=(--server janus --ip "$NS_ADDR" --port 18188 --room 4242)
}

stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
    server_pid=
}

# Datagrams the server's interface queue dropped so far (it was full: the
# viewers' NAPI thread shares the generator's CPU, and while the generator
# is busy, in this benchmark while hundreds of viewers do their DTLS
# handshakes, the queue is not drained). The generator counts what NACKs
# did not repair as lost; the run says how many there were.
queue_drops() {
    tc -s qdisc show dev "$IFACE" | sed -n 's/.*(dropped \([0-9]*\),.*/\1/p' | head -1
}

# run_row SERVER ARGS...: one row of the table, appended to $results.
run_row() {
    local server=$1
    shift
    # aula's webinar rows join a webinar event (aula_webinar); the meeting a plain room.
    webinar_viewers=
    [ "$1" = --viewers ] && webinar_viewers=$2
    if ! "start_$server"; then
        echo "bench: $server did not start" >&2
        cat "$tmp/$server.log" >&2
        stop_server
        return 1
    fi
    local line dropped=$(queue_drops)
    # The generator runs in the viewers' namespace, on the NAPI thread's CPU.
    line=$(ip netns exec "$BENCH_GEN_NS" "${rt[@]}" taskset -c 1 "$hammer" "${target[@]}" \
        --bind-ip "$GEN_ADDR" "${media[@]}" --duration "$duration" --server-pid "$server_pid" \
        --receive-pid "$BENCH_NAPI" "$@" 2>>"$tmp/hammer.log") || line=
    stop_server
    dropped=$(($(queue_drops) - dropped))
    if [ "$dropped" -gt 0 ]; then
        echo "  ($server $*: the server's interface queue dropped $dropped datagrams in the row, ramp included)"
    fi
    if [ -z "$line" ]; then
        echo "bench: $server $* gave no result" >&2
        tail -5 "$tmp/hammer.log" >&2
        return 1
    fi
    echo "$line" >>"$results"
    echo "  $server $*: $(echo "$line" | sed 's/.*"viewers_per_core":\([0-9]*\).*"loss_pct":\([0-9.]*\).*/\1 viewers per core, loss \2 %/')"
}

echo "bench: forwarding ceiling of this machine (SRTP AEAD_AES_128_GCM + sendmmsg, one core)"
# 500 sink sockets in the viewers' namespace, over the same veth pair: the
# cost of delivering to many viewers, not to one.
"${rt[@]}" taskset -c 0 build-bench/bench/aula-ceiling --seconds 2 --sink-cpu 1 --sinks 500 \
    --sink-netns "/run/netns/$BENCH_GEN_NS" --sink-ip "$GEN_ADDR" --send-ip "$NS_ADDR" \
    >"$tmp/ceiling.json"
cat "$tmp/ceiling.json"

for server in ${BENCH_SERVERS:-aula janus}; do
    echo "bench: $server, webinar (1 publisher, N viewers), ${duration} s measured per row"
    for n in "${webinar_sizes[@]}"; do
        # 100 viewers join at once (the join-time target); bigger rows ramp up.
        run_row "$server" --viewers "$n" --ramp $((n <= 100 ? 100000 : 500)) || break
        loss=$(tail -1 "$results" | sed 's/.*"loss_pct":\([0-9.]*\).*/\1/')
        # The ramp stops once a row loses more than 0.5 %.
        awk -v l="$loss" 'BEGIN { exit !(l > 0.5) }' && break
    done
    [ "${BENCH_MEETING:-1}" = 0 ] && continue
    echo "bench: $server, meeting (10 publishers, each watching the other 9)"
    run_row "$server" --meeting 10 || true
done

# The raw rows and the table stay in bench/.cache for docs/performance.md.
cp "$results" bench/.cache/last-results.jsonl
cp "$tmp/ceiling.json" bench/.cache/last-ceiling.json
/usr/bin/python3 bench/table.py "$tmp/ceiling.json" "$results" | tee bench/.cache/last-table.md
