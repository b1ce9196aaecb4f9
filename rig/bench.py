#!/usr/bin/env python3
"""`make bench`: the cost of the series, patched against unpatched 6.12.

Boots the unpatched and the patched kernel alternately in one cell, ROUNDS
times each, and in every boot runs memslot_perf_test, demand_paging_test and
gpa-width-repro --bench (time from KVM_RUN to the MMIO exit of a guest load,
below and above the mappable width).  Prints, per metric, the median of each
kernel with its spread (min..max) and the patched/unpatched ratio of the
medians.  Timings are TCG timings: compare the two columns, not with
hardware.
"""
import argparse
import json
import os
import re
import statistics
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rig  # noqa: E402

CMD = ("cd /rig/bin && ./memslot_perf_test -f 3 -e 3 -l 2 -r 1 && "
       "./demand_paging_test -b 16M && ./gpa-width-repro --bench 500")

# metric name -> (regex, unit, lower is better)
METRICS = [
    # Only the move test: it loops over KVM_SET_USER_MEMORY_REGION moves,
    # the path the series touches; map/unmap take minutes per iteration
    # under nested TCG.
    ("memslot move active (s/iter)",
     r"Testing move active area performance(?:(?!Testing).)*?Best runtime result was ([\d.]+)s", "s"),
    ("memslot setup, whole area (s)", r"Best slot setup time for the whole test area was ([\d.]+)s", "s"),
    ("demand paging guest time (s)", r"Total guest execution time:\s*([\d.]+)s", "s"),
    ("MMIO exit below width (ns)", r"exit_ns_below_width (\d+)", "ns"),
    ("MMIO exit above width (ns)", r"exit_ns_above_width (\d+)", "ns"),
]


def run_once(build, variant, cell_name, cell, n):
    tree = os.path.join(build, "src", "6.12" + ("-base" if variant == "base" else ""))
    b = rig.boot(os.path.join(tree, "arch/x86/boot/bzImage"), os.path.join(build, "guest", "6.12.cpio"),
                 cell, [("rig/cmd", CMD.encode() + b"\n", 0o644)], 900,
                 os.path.join(build, "logs", "bench", "%s-%s-%d" % (variant, cell_name, n)))
    out = "\n".join(b.parsed.out)
    probs = rig.boot_problems(b)
    if b.parsed.exit != 0:
        probs.append("benchmark command exited %s" % b.parsed.exit)
    vals = {}
    for name, rx, _ in METRICS:
        m = re.search(rx, out, re.S)
        if m:
            vals[name] = float(m.group(1))
    return vals, probs, out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--cell", default="npt4-pa52")
    ap.add_argument("--rounds", type=int, default=5)
    a = ap.parse_args()
    cells = rig.read_cells()
    cell = cells[a.cell]
    runs = {"base": [], "patched": []}
    for n in range(a.rounds):
        for variant in ("base", "patched"):
            vals, probs, out = run_once(a.build, variant, a.cell, cell, n)
            if probs:
                print("bench: %s round %d: %s" % (variant, n, "; ".join(probs)), file=sys.stderr)
                print(out[-3000:], file=sys.stderr)
                return 1
            runs[variant].append(vals)
            print("round %d %-7s %s" % (n, variant, json.dumps(vals)), flush=True)
    print("\n6.12 in cell %s, %d boots each, interleaved; median (min..max)" % (a.cell, a.rounds))
    print("%-32s %-28s %-28s %s" % ("metric", "unpatched", "patched", "patched/unpatched"))
    summary = []
    for name, _, unit in METRICS:
        b = [r[name] for r in runs["base"] if name in r]
        p = [r[name] for r in runs["patched"] if name in r]
        if not b or not p:
            print("%-32s %s" % (name, "not measured (%d/%d runs)" % (len(b), len(p))))
            continue
        mb, mp = statistics.median(b), statistics.median(p)
        fmt = "%.4g"
        cb = (fmt + " (" + fmt + ".." + fmt + ")") % (mb, min(b), max(b))
        cp = (fmt + " (" + fmt + ".." + fmt + ")") % (mp, min(p), max(p))
        ratio = mp / mb if mb else float("nan")
        print("%-32s %-28s %-28s %.3f" % (name, cb, cp, ratio))
        summary.append({"metric": name, "unit": unit, "unpatched": b, "patched": p,
                        "median_unpatched": mb, "median_patched": mp, "ratio": ratio})
    out = os.path.join(a.build, "logs", "bench", "bench.json")
    with open(out, "w") as f:
        json.dump({"cell": a.cell, "rounds": a.rounds, "metrics": summary}, f, indent=1)
    print("# %s" % out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
