"""Prints the benchmark table from scripts/bench.sh's results.

usage: table.py CEILING_JSON RESULTS_JSONL

One row per run of aula-hammer. "viewers/core" counts the viewers that
received media; one that never did counts in "loss %" as losing all. "x Janus" compares viewers per core with
the Janus row of the same scenario and size; "of ceiling" is the server's
packets/s per core over this machine's measured forwarding limit; "gen
cores" is the load generator's own CPU (near 1.0 it, not the server, is
the limit).
"""
import json
import sys


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
        if r["server"] == "aula" and j and j["viewers_per_core"] > 0:
            ratio = "%.1fx" % (vpc / j["viewers_per_core"])
        pps_core = r["pps_out"] / cores if cores > 0 else 0
        out.append([
            r["server"], r["scenario"], str(r["viewers"]), str(r["receiving"]),
            "%.0f" % r["pps_out"],
            "%.2f" % cores, "%.0f" % vpc, ratio, "%.1f" % (r["rss_kib"] / 1024),
            "%.1f" % r["kib_per_viewer"], "%.2f" % r["loss_pct"],
            "%.2f / %.2f" % (r["delay_p50_us"] / 1000, r["delay_p99_us"] / 1000),
            "%d / %d" % (r["join_p50_ms"], r["join_p99_ms"]),
            "%.0f%%" % (100 * pps_core / ceiling) if ceiling else "",
            "%.2f" % r.get("hammer_cores", 0),
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


if __name__ == "__main__":
    main()
