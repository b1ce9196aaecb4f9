#!/usr/bin/env python3
"""Where a make check's CPU went: sums build/logs/cpu.txt (one line per
timed step: label, user s, system s, wall s; written by GNU time through
the Makefile's `timed`) per label and prints the steps by CPU, largest
first.  Only a report: it never fails the run."""
import collections
import sys


def read(path):
    """path -> {label: [user, sys, wall, count]}; lines that don't parse (a
    step killed by a signal, where time adds its own line) are skipped."""
    steps = collections.OrderedDict()
    try:
        with open(path) as f:
            lines = f.read().splitlines()
    except OSError:
        return steps
    for line in lines:
        parts = line.split("\t")
        if len(parts) != 4:
            continue
        try:
            user, sys_, wall = (float(x) for x in parts[1:])
        except ValueError:
            continue
        s = steps.setdefault(parts[0], [0.0, 0.0, 0.0, 0])
        s[0] += user
        s[1] += sys_
        s[2] += wall
        s[3] += 1
    return steps


def report(steps):
    if not steps:
        return []
    total = sum(s[0] + s[1] for s in steps.values())
    out = ["cpu: %-22s %8s %8s %8s %6s" % ("step", "user s", "sys s", "wall s", "cpu %")]
    for label, (u, sy, w, _) in sorted(steps.items(), key=lambda kv: -(kv[1][0] + kv[1][1])):
        out.append("cpu: %-22s %8.0f %8.0f %8.0f %5.1f%%" % (label, u, sy, w, 100 * (u + sy) / total if total else 0))
    out.append("cpu: %-22s %8.0f %8.0f" % ("all timed steps", sum(s[0] for s in steps.values()),
                                            sum(s[1] for s in steps.values())))
    return out


def main(argv):
    if len(argv) != 2:
        print("usage: cpu_summary.py CPU-LOG", file=sys.stderr)
        return 0
    for line in report(read(argv[1])):
        print(line)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
