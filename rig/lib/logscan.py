"""Find kernel splats in a console log.

A cell fails if any of these appear anywhere in the console log: the test
programs cannot see them, so the rig must.
"""
import re

# Each pattern is matched against a console line with its printk timestamp
# removed.  Keep them specific: a test that merely prints "warning" must not
# fail a cell.
PATTERNS = [
    ("panic", re.compile(r"Kernel panic - not syncing")),
    ("oops", re.compile(r"^Oops: |^Oops\b|\bOops: [0-9a-f]{4}")),
    ("bug", re.compile(r"^BUG: |kernel BUG at ")),
    ("warning", re.compile(r"^WARNING: (CPU: \d+ PID: \d+ at|.* at .*\+0x)")),
    ("kasan", re.compile(r"^BUG: KASAN: |KASAN: ")),
    ("ubsan", re.compile(r"UBSAN: ")),
    ("lockdep", re.compile(r"WARNING: (possible circular locking|possible recursive locking|inconsistent lock state|suspicious RCU usage|lock held when returning)|INFO: possible .* locking|WARNING: .*lock")),
    ("hung", re.compile(r"INFO: task .* blocked for more than|INFO: rcu_(sched|preempt) (self-)?detected stall|watchdog: BUG: soft lockup")),
    ("kmemleak", re.compile(r"kmemleak: \d+ new suspected memory leaks")),
    ("general protection", re.compile(r"general protection fault")),
    ("double fault", re.compile(r"traps: .* double fault|PANIC: double fault")),
]

_TS = re.compile(r"^\s*\[\s*\d+\.\d+\]\s?")


def scan(text):
    """Return [(lineno, kind, line)] for every splat line in `text`."""
    hits = []
    for n, raw in enumerate(text.splitlines(), 1):
        line = _TS.sub("", raw.rstrip("\r"))
        for kind, pat in PATTERNS:
            if pat.search(line):
                hits.append((n, kind, line))
                break
    return hits


def context(text, hits, before=2, after=12, limit=60):
    """The lines around the first few hits, for a human to read."""
    lines = text.splitlines()
    out, shown = [], set()
    for n, _, _ in hits[:5]:
        for i in range(max(1, n - before), min(len(lines), n + after) + 1):
            if i not in shown:
                shown.add(i)
                out.append("%6d| %s" % (i, lines[i - 1]))
    return out[:limit]


def read_text(path):
    """A log file's text, undecodable bytes replaced; "" if it does not exist."""
    try:
        with open(path, "rb") as f:
            return f.read().decode(errors="replace")
    except FileNotFoundError:
        return ""
