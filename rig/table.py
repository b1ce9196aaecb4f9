#!/usr/bin/env python3
"""`make run`: boot each kernel version (7.2 by default; patched, then
unpatched) in every cell and tabulate what a VMM can learn about the usable
GPA width, and what KVM then does.

Columns: MAXPHYADDR and GuestPhysAddrSize as KVM_GET_SUPPORTED_CPUID reports
them, KVM_CAP_MAX_GPA_BITS (or "absent"), libkvmgpa's N and its source, and
the demo VMM's result: can the guest use the top page below 2^N, and does KVM
refuse a memslot at 2^N?
"""
import argparse
import concurrent.futures
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import rig  # noqa: E402

PROBE = "kvm-gpa-bits --json; echo; kvm-gpa-demo --json; echo"


def probe(build, version, variant, name, cell):
    tree = os.path.join(build, "src", version + ("-base" if variant == "base" else ""))
    b = rig.boot(os.path.join(tree, "arch/x86/boot/bzImage"),
                 os.path.join(build, "guest", "run.cpio"), cell,
                 [("rig/cmd", PROBE.encode() + b"\n", 0o644)], 180,
                 os.path.join(build, "logs", "run", "%s-%s-%s" % (version, variant, name)),
                 extra_append=rig.read_kernel_append()(version, name))
    problems = rig.boot_problems(b)
    objs = []
    for line in b.parsed.out:
        line = line.strip()
        if line.startswith("{"):
            try:
                objs.append(json.loads(line))
            except ValueError:
                problems.append("unparsable probe output: " + line)
    if len(objs) != 2:
        problems.append("expected two JSON lines from the probe, got %d" % len(objs))
        return None, problems
    return objs, problems


def row(name, cell, version, variant, objs):
    lib, demo = objs
    cap = lib["capability"]
    above = demo["above"] + (" (%s)" % demo["above_errno"] if demo["above_errno"] else "")
    note = ""
    if demo["above"] == "ACCEPTED":
        note = "<- KVM accepts memory it cannot map" if lib["bits"] == cell["bits"] else \
            "<- memslot above the library's N accepted"
    return [name, "%s %s" % (version, variant), str(lib["maxphyaddr"]),
            str(lib["guest_phys_addr_size"]), "absent" if not cap else str(cap),
            "%d (%s)" % (lib["bits"], lib["source"]), demo["top"], above, note]


def source_version(build, version):
    """The Debian linux-source package version a kernel tree was unpacked from."""
    try:
        with open(os.path.join(build, "tarballs", "linux-source-%s.version" % version)) as f:
            return f.read().strip()
    except OSError:
        r = subprocess.run(["dpkg-query", "-W", "-f=${Version}", "linux-source-" + version],
                           capture_output=True, text=True)
        return r.stdout.strip() or "unknown"


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", required=True)
    ap.add_argument("--version", action="append", help="kernel version (repeatable)")
    ap.add_argument("--jobs", type=int, default=os.cpu_count() or 1)
    a = ap.parse_args()
    versions = a.version or ["7.2"]
    all_cells = rig.read_cells()
    cells = {n: all_cells[n] for n in rig.usable_cells(all_cells, list(all_cells), out=sys.stderr)}
    not_run = rig.read_not_run()
    for ver in versions:
        skipped = [n for n in cells if not_run(ver, n)]
        if skipped:
            print("%s not run in %s: %s" % (ver, ", ".join(skipped), not_run(ver, skipped[0])), file=sys.stderr)
    work = [(ver, v, n) for ver in versions for v in ("patched", "base") for n in cells if not not_run(ver, n)]
    # A progress line per finished boot, on stderr: the table is stdout's.
    print("table: %d boots, %d at a time" % (len(work), a.jobs), file=sys.stderr, flush=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=a.jobs) as ex:
        futs = {w: ex.submit(probe, a.build, w[0], w[1], w[2], cells[w[2]]) for w in work}
        work_of = {f: w for w, f in futs.items()}
        for done, fut in enumerate(concurrent.futures.as_completed(work_of), 1):
            w = work_of[fut]
            print("table: %s %s %s booted, %d of %d left" % (w[0], w[1], w[2], len(work) - done, len(work)),
                  file=sys.stderr, flush=True)
    head = ["cell", "kernel", "MAXPHYADDR", "GuestPhysAddrSize", "KVM_CAP_MAX_GPA_BITS",
            "library N (source)", "demo: top page", "demo: memslot at 2^N", ""]
    rows, failed = [head], 0
    for ver, v, n in work:
        objs, problems = futs[(ver, v, n)].result()
        if objs:
            rows.append(row(n, cells[n], ver, v, objs))
        else:
            rows.append([n, "%s %s" % (ver, v), "-", "-", "-", "-", "-", "-",
                         "FAILED: " + "; ".join(problems)])
        if problems:
            failed += 1
            print("%s %s %s: %s" % (n, ver, v, "; ".join(problems)), file=sys.stderr)
    print("sources: " + ", ".join("%s = Debian linux-source-%s %s" %
                                  (ver, ver, source_version(a.build, ver)) for ver in versions))
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    for r in rows:
        print("  ".join(c.ljust(w) for c, w in zip(r, widths)).rstrip())
    print("\nreal width per cell: " + ", ".join("%s=%d" % (n, c["bits"]) for n, c in cells.items()))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
