#!/usr/bin/env python3
"""`make bench`: what the series costs, patched against unpatched, on the
paths it touches, for every kernel version in the rig.

Wall time under TCG follows the host (its load, its frequency, the other
boot running beside it), so it is not measured.  The guest runs under
QEMU's -icount instead: its clock advances by one nanosecond per executed
guest instruction and by nothing else, and with one vCPU, a fixed RNG seed
and a virtual-time RTC the same kernel does the same work in every boot.
A "ns" below is therefore an instruction executed by the L1 kernel, the
workload's process or the L2 guest, and a ratio is a ratio of instruction
counts.

One boot's count is exact but not the whole truth: the same work costs a
few instructions more or less per fault depending on the state the page
allocator and the caches of free objects happen to be in, and that state
follows everything that ran before, including the size of the kernel
image.  Two builds of one source differed by up to 1% per fault on 6.1.
So round N boots with its own RNG seed and its own memory size (2 GiB +
N * 64 MiB): the spread across rounds shows that noise, and the ratio of
the medians averages it out instead of taking one draw of it.  The two
kernels of a round boot with the same seed and size, so each round also
gives a paired ratio (patched over unpatched); the ratio reported is the
median of those, which cancels most of that noise.  What that leaves out: the hardware cost of a VM exit, TLB and cache
effects, none of which the series changes.

Every boot runs rig_bench (rig/progs/rig_bench.c: memslot create/delete,
KVM_CHECK_EXTENSION, NPT faults, dirty-logging write-protection faults), the
fault workloads again in a VM whose width the VMM set (rig_bench -w 36) and
gpa-width-repro --bench (KVM_RUN to the MMIO exit of a guest load, below
and above the width).  Boots alternate unpatched and patched, ROUNDS each,
JOBS at a time.  Prints, per version, cell and workload, the median
(min..max) on each kernel, the median of the rounds' patched/unpatched
ratios and the spread (the larger of the two kernels' (max - min) / median), and
writes build/logs/bench/bench.json: one row per workload, version and cell.
"""
import argparse
import concurrent.futures
import datetime
import json
import os
import platform
import re
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rig  # noqa: E402

# rig_bench -w: a VM whose width the VMM set (KVM_ENABLE_CAP) below every
# cell's; its test memory sits at 1 GiB.
SET_WIDTH_BITS = 36
CMD = ("cd /rig/bin && ./rig_bench && ./rig_bench -w %d && ./gpa-width-repro --bench 201"
       % SET_WIDTH_BITS)

# The settings that make a boot repeat itself: instruction-counted time
# (shift=0: 1 ns per instruction; sleep=off: an idle guest's clock jumps to
# its next timer instead of following the host), a seeded RNG for RDRAND and
# the kernel's randomness, and an RTC that starts at a fixed date and runs
# on that clock.
ICOUNT_ARGS = ("-icount", "shift=0,sleep=off",
               "-rtc", "base=2026-01-01T00:00:00,clock=vm")


def round_args(n):
    """Round N's seed and memory size (the later -m overrides rig.boot's)."""
    return ("-seed", str(n + 1), "-m", "%dM" % (2048 + 64 * n))


def workload(name, what, line=None):
    """(name, regex on the boot's output, what one operation is)"""
    return (name, r"^bench: %s ([\d.]+)$" % (line or name), what)


# The fault workloads, which rig_bench prints again with the suffix _setw
# from the set-width VM.
FAULT_WORKLOADS = [
    workload("fault_in", "NPT fault mapping a page on first write (per page, net of the mapped pass)"),
    workload("dirty_fault", "dirty-logging write-protection fault, fast path (per page, net)"),
    workload("mapped_pass", "the guest's write loop over mapped pages, no fault (per page)"),
]
WORKLOADS = [
    workload("memslot", "KVM_SET_USER_MEMORY_REGION: create a 2 MiB slot and delete it"),
    workload("check_ext", "KVM_CHECK_EXTENSION(KVM_CAP_MAX_GPA_BITS) on the VM fd"),
] + FAULT_WORKLOADS + [
    workload(name + "_setw", "%s in a VM whose width is set to %d bits (unpatched: a plain VM)"
             % (name, SET_WIDTH_BITS))
    for name, _, _ in FAULT_WORKLOADS
] + [
    workload("exit_below", "KVM_RUN to the MMIO exit of a load from an unmapped GPA below the width",
             "exit_ns_below_width"),
    workload("exit_above", "KVM_RUN to the MMIO exit of a load from a GPA above the width",
             "exit_ns_above_width"),
]


def run_once(build, version, variant, cell_name, cell, n):
    tree = os.path.join(build, "src", version + ("-base" if variant == "base" else ""))
    b = rig.boot(os.path.join(tree, "arch/x86/boot/bzImage"), os.path.join(build, "guest", version + ".cpio"),
                 cell, [("rig/cmd", CMD.encode() + b"\n", 0o644)], 1200,
                 os.path.join(build, "logs", "bench", "%s-%s-%s-%d" % (version, variant, cell_name, n)),
                 extra_append=rig.read_kernel_append()(version, cell_name),
                 qemu_args=ICOUNT_ARGS + round_args(n), smp=1)
    out = "\n".join(b.parsed.out)
    probs = rig.boot_problems(b)
    if b.parsed.exit != 0:
        probs.append("benchmark command exited %s" % b.parsed.exit)
    vals = {}
    for name, rx, _ in WORKLOADS:
        m = re.search(rx, out, re.M)
        if m:
            vals[name] = float(m.group(1))
    return vals, probs, out, b.seconds


def spread(xs):
    m = statistics.median(xs)
    return (max(xs) - min(xs)) / m if m else float("inf")


def summarize(version, cell, runs):
    """runs: {"base": {round: values}, "patched": {round: values}}"""
    rows = []
    for name, _, what in WORKLOADS:
        b = [runs["base"][n][name] for n in sorted(runs["base"]) if name in runs["base"][n]]
        p = [runs["patched"][n][name] for n in sorted(runs["patched"]) if name in runs["patched"][n]]
        row = {"version": version, "cell": cell, "workload": name, "operation": what,
               "unit": "guest instructions (icount ns) per operation",
               "unpatched": b, "patched": p}
        if len(b) == len(runs["base"]) and len(p) == len(runs["patched"]) and b and p:
            mb, mp = statistics.median(b), statistics.median(p)
            paired = [runs["patched"][n][name] / runs["base"][n][name]
                      for n in sorted(set(runs["base"]) & set(runs["patched"]))
                      if runs["base"][n][name]]
            row.update(median_unpatched=mb, median_patched=mp,
                       ratio=statistics.median(paired) if paired else None,
                       paired_ratios=paired,
                       ratio_of_medians=mp / mb if mb else None,
                       spread=max(spread(b), spread(p)),
                       spread_unpatched=spread(b), spread_patched=spread(p))
        rows.append(row)
    return rows


def fmt_col(xs):
    return "%.1f (%.1f..%.1f)" % (statistics.median(xs), min(xs), max(xs))


def print_table(rows, rounds):
    key = None
    for r in rows:
        if (r["version"], r["cell"]) != key:
            key = (r["version"], r["cell"])
            print("\n%s in %s, %d boots per kernel, interleaved; median (min..max); ratio: median"
                  " of the rounds' patched/unpatched" % (key + (rounds,)))
            print("%-16s %-30s %-30s %-9s %s" % ("workload", "unpatched", "patched", "ratio", "spread"))
        if not r["unpatched"] and not r["patched"]:
            print("%-16s not in this cell (no boot printed it: for exit_above, no GPA above the"
                  " width is addressable)" % r["workload"])
            continue
        if r.get("ratio") is None:
            print("%-16s not measured in every boot (%d unpatched, %d patched of %d)"
                  % (r["workload"], len(r["unpatched"]), len(r["patched"]), rounds))
            continue
        print("%-16s %-30s %-30s %-9.4f %.4f" % (r["workload"], fmt_col(r["unpatched"]),
                                                  fmt_col(r["patched"]), r["ratio"], r["spread"]))


def qemu_version():
    try:
        out = subprocess.run([rig.QEMU, "--version"], capture_output=True, text=True).stdout
        return out.splitlines()[0]
    except (OSError, IndexError):
        return "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--versions", default="7.2,6.12,6.1")
    ap.add_argument("--cells", default="npt4-pa52,npt5-pa52")
    ap.add_argument("--rounds", type=int, default=11)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    if a.rounds < 2:
        ap.error("--rounds must be at least 2: a spread needs two boots")
    cells = rig.read_cells()
    for c in re.split(r"[,\s]+", a.cells.strip()):
        if c not in cells or cells[c]["emulator"] != "qemu":
            ap.error("--cells: %s is not a QEMU cell in rig/cells (icount is QEMU's)" % c)
    versions, cell_names = re.split(r"[,\s]+", a.versions.strip()), re.split(r"[,\s]+", a.cells.strip())
    # Round-major, the two kernels alternating, so that whatever changes
    # during the run (nothing should, under icount) reaches both alike.
    jobs = [(v, c, n, var) for n in range(a.rounds) for v in versions for c in cell_names
            for var in ("base", "patched")]
    runs = {(v, c): {"base": {}, "patched": {}} for v in versions for c in cell_names}
    os.makedirs(os.path.join(a.build, "logs", "bench"), exist_ok=True)
    print("bench: %d boots, %d at a time; QEMU %s with %s" % (len(jobs), a.jobs, qemu_version(),
                                                            " ".join(ICOUNT_ARGS)), flush=True)
    failed = False
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        futs = {ex.submit(run_once, a.build, v, var, c, cells[c], n): (v, c, n, var)
                for v, c, n, var in jobs}
        for f in concurrent.futures.as_completed(futs):
            v, c, n, var = futs[f]
            vals, probs, out, secs = f.result()
            if probs:
                print("bench: %s %s in %s, boot %d: %s" % (v, var, c, n, "; ".join(probs)), file=sys.stderr)
                print(out[-3000:], file=sys.stderr)
                failed = True
                continue
            runs[(v, c)][var][n] = vals
            print("bench: %s %-7s %s boot %d (%.0f s): %s" % (v, var, c, n, secs, json.dumps(vals)),
                  flush=True)
    rows = []
    for v in versions:
        for c in cell_names:
            rows += summarize(v, c, runs[(v, c)])
    print("\n%s, %d cores; %s; %s" % (platform.node(), os.cpu_count(),
                                      datetime.date.today().isoformat(), qemu_version()))
    print("Unit: guest instructions per operation (QEMU -icount shift=0: 1 ns = 1 instruction).")
    print_table(rows, a.rounds)
    out = os.path.join(a.build, "logs", "bench", "bench.json")
    with open(out, "w") as f:
        json.dump(rows, f, indent=1)
    print("# %s" % out)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
