"""Prints the benchmark table from scripts/bench.sh's results.

usage: table.py CEILING_JSON RESULTS_JSONL

One row per run of aula-hammer. "viewers/core" counts the viewers that
received media; one that never did counts in "loss %" as losing all. "x Janus"
compares viewers per core with the Janus row of the same scenario and size,
only when both rows kept up: no more than 0.5 % loss, and one-way delay p99
within 400 ms (ITU-T G.114's limit for interactive speech). A server that
queues packets for seconds loses little yet does not carry live media, and
its viewers per core are then only the viewers over the core it saturates.
Under the table, the best such webinar rows of each server are compared
too, and the memory a viewer adds beyond the shared buffers: the RSS
difference between two such rows of different sizes over their difference
in viewers (each row is a fresh server, so what every server has anyway
cancels out).
"of ceiling" is the server's
packets/s per core over this machine's measured forwarding limit; "gen
cores" is the load generator's CPU: its own, plus the kernel thread that
runs its receive path when it has one (the NAPI thread of its end of the
veth pair), both on the generator's core; near 1.0, the generator and not
the server is the limit.
"""
import json
import sys

MAX_LOSS_PCT = 0.5
MAX_DELAY_P99_US = 400000


def gen_cores(r):
    if r.get("receive_cores"):
        return "%.2f + %.2f" % (r.get("hammer_cores", 0), r["receive_cores"])
    return "%.2f" % r.get("hammer_cores", 0)


def kept_up(r):
    return (r["loss_pct"] <= MAX_LOSS_PCT and r["delay_p99_us"] <= MAX_DELAY_P99_US
            and r["viewers_per_core"] > 0)


def why_not(r):
    return "lost" if r["loss_pct"] > MAX_LOSS_PCT else "late"


def best_webinar(rows, server):
    """The webinar row of server that kept up with the most viewers per core."""
    ok = [r for r in rows if r["server"] == server and r["scenario"] == "webinar" and kept_up(r)]
    return max(ok, key=lambda r: r["viewers_per_core"]) if ok else None


def marginal_memory(rows, server):
    """KiB of RSS per viewer between consecutive webinar sizes that kept up."""
    by_size = {}
    for r in rows:
        if r["server"] == server and r["scenario"] == "webinar" and kept_up(r):
            by_size.setdefault(r["viewers"], []).append(r["rss_kib"])
    sizes = sorted(by_size)
    out = []
    for lo, hi in zip(sizes, sizes[1:]):
        rss_lo = sorted(by_size[lo])[len(by_size[lo]) // 2]
        rss_hi = sorted(by_size[hi])[len(by_size[hi]) // 2]
        out.append("%d to %d viewers %.1f KiB" % (lo, hi, (rss_hi - rss_lo) / (hi - lo)))
    return out


def main():
    ceiling = json.load(open(sys.argv[1]))["pps_per_core"]
    rows = [json.loads(line) for line in open(sys.argv[2]) if line.strip()]
    janus = {(r["scenario"], r["viewers"]): r for r in rows if r["server"] == "janus"}
    head = ["server", "scenario", "viewers", "receiving", "pkts/s out", "cores", "viewers/core", "x Janus",
            "RSS MiB", "KiB/viewer", "loss %", "delay p50/p99 ms", "join p50/p99 ms",
            "of ceiling", "gen cores"]
    out = []
    for r in rows:
        cores = r["server_cores"]
        vpc = r["viewers_per_core"]
        j = janus.get((r["scenario"], r["viewers"]))
        ratio = ""
        if r["server"] == "aula" and j and kept_up(r) and kept_up(j):
            ratio = "%.1fx" % (vpc / j["viewers_per_core"])
        elif r["server"] == "aula" and j:
            ratio = "(%s %s)" % ("aula" if not kept_up(r) else "janus", why_not(r if not kept_up(r) else j))
        pps_core = r["pps_out"] / cores if cores > 0 else 0
        out.append([
            r["server"], r["scenario"], str(r["viewers"]), str(r["receiving"]),
            "%.0f" % r["pps_out"],
            "%.3f" % cores, "%.0f" % vpc, ratio, "%.1f" % (r["rss_kib"] / 1024),
            "%.1f" % r["kib_per_viewer"], "%.2f" % r["loss_pct"],
            "%.2f / %.2f" % (r["delay_p50_us"] / 1000, r["delay_p99_us"] / 1000),
            "%d / %d" % (r["join_p50_ms"], r["join_p99_ms"]),
            "%.0f%%" % (100 * pps_core / ceiling) if ceiling else "",
            gen_cores(r),
        ])
    widths = [max(len(h), *(len(o[i]) for o in out)) if out else len(h)
              for i, h in enumerate(head)]
    print()
    print("ceiling: %.0f packets/s per core (SRTP %s, %d-byte packets, sendmmsg)"
          % (ceiling, "AEAD_AES_128_GCM", 1200))
    print()
    print("| " + " | ".join(h.ljust(w) for h, w in zip(head, widths)) + " |")
    print("|" + "|".join("-" * (w + 2) for w in widths) + "|")
    for o in out:
        print("| " + " | ".join(c.ljust(w) for c, w in zip(o, widths)) + " |")
    for server in ("aula", "janus"):
        steps = marginal_memory(rows, server)
        if steps:
            print()
            print("%s, memory per added viewer: %s" % (server, ", ".join(steps)))
    a, j = best_webinar(rows, "aula"), best_webinar(rows, "janus")
    if a and j:
        print()
        print("best webinar rows that kept up: aula %.0f viewers/core (%d viewers), "
              "janus %.0f (%d viewers): %.1fx"
              % (a["viewers_per_core"], a["viewers"], j["viewers_per_core"], j["viewers"],
                 a["viewers_per_core"] / j["viewers_per_core"]))


if __name__ == "__main__":
    main()
