#!/usr/bin/env python3
"""The rig: boot rig kernels under QEMU/TCG in named cells and collect results.

  rig.py boot   --kernel K --initrd I --cell C [--version V] [--extra DIR] --cmd CMD
  rig.py check  --run KERNEL VARIANT BZIMAGE INITRD PLAN [--run ...] --log-dir D
                                        (everything `make check` runs)
  rig.py regression-plan --version V --out-dir D TEST...
                                        (make regression's plans, by rig/regression-rules)
  rig.py cells                         (list the cells)
"""
import argparse
import concurrent.futures
import fnmatch
import json
import os
import re
import shlex
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
import bochs_boot  # noqa: E402
import cpio      # noqa: E402
import logscan   # noqa: E402
import tap       # noqa: E402

QEMU = "qemu-system-x86_64"
BOOT_SLACK = 90          # seconds on top of the tests' own timeouts
# Where make's bochs target builds Bochs (rig/build-bochs.sh): one binary,
# OUT/root/bin/bochs, whose MAXPHYADDR each cell chooses, and
# OUT/unavailable holding one line when it could not be built here.
BOCHS_DIR = os.environ.get("RIG_BOCHS_DIR", os.path.join(os.path.dirname(HERE), "build", "bochs"))
EMULATORS = ("qemu", "bochs")
# Bochs interprets every instruction: its boots need longer host-side budgets.
BOCHS_TIME_FACTOR = 3


def read_cells(path=os.path.join(HERE, "cells")):
    cells = {}
    with open(path) as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if not line:
                continue
            parts = line.split(None, 4)
            if len(parts) < 4 or not parts[3].isdigit() or parts[1] not in EMULATORS:
                raise SystemExit("rig: malformed cell line (want: name emulator cpu bits [append], "
                                 "emulator one of %s): %r" % (", ".join(EMULATORS), line))
            if parts[0] in cells:
                raise SystemExit("rig: cell %s defined twice in %s" % (parts[0], path))
            cells[parts[0]] = {"emulator": parts[1], "cpu": parts[2], "bits": int(parts[3]),
                               "append": parts[4] if len(parts) > 4 else ""}
    return cells


def rule_rows(path, usage):
    """A rig data file of lines with the fields usage names, the last one free
    text (the reason) -> [(line number, [fields])].  A missing file has none."""
    n_fields = len(usage.split())
    rows = []
    for n, s in data_lines(path) if os.path.exists(path) else ():
        parts = s.split(None, n_fields - 1)
        if len(parts) < n_fields:
            raise SystemExit("rig: %s:%d: want '%s': %r" % (path, n, usage, s))
        rows.append((n, parts))
    return rows


def glob_rules(path, usage):
    """A rig data file of 'GLOB... reason' lines (usage names the fields, the
    reason last) -> function (*values) -> the reason of the first line whose
    globs all match, or None.  A glob may list alternatives, comma-separated
    ("npt5-pa40,ept4-*"), so that one reason need not be written per cell.
    A missing file has no rules."""
    rules = [parts for _, parts in rule_rows(path, usage)]

    def lookup(*values):
        for r in rules:
            if all(any(fnmatch.fnmatch(v, alt) for alt in g.split(","))
                   for v, g in zip(values, r)):
                return r[-1]
        return None
    return lookup


def read_kernel_append(path=os.path.join(HERE, "kernel-append")):
    """'version  cell-glob  ARG  reason' lines -> function (version, cell) ->
    the ARGs (kernel command-line words) of every matching line, in order."""
    rules = [parts for _, parts in rule_rows(path, "version cell-glob ARG reason")]

    def lookup(version, cell):
        return " ".join(r[2] for r in rules if fnmatch.fnmatch(version, r[0]) and fnmatch.fnmatch(cell, r[1]))
    return lookup


def read_not_run(path=os.path.join(HERE, "not-run")):
    """'version cell-glob reason' lines -> function (version, cell) -> reason or None."""
    return glob_rules(path, "version cell-glob reason")


def read_not_run_tests(path=os.path.join(HERE, "not-run-tests")):
    """'test-glob kernel/variant-glob cell-glob reason' lines -> function
    (test, "kernel/variant", cell) -> reason or None."""
    return glob_rules(path, "test-glob kernel/variant-glob cell-glob reason")


def bochs_binary(cell):
    return os.path.join(BOCHS_DIR, "root", "bin", "bochs")


def cell_unavailable(cell):
    """Why this cell cannot boot on this machine, or None."""
    if cell["emulator"] == "qemu":
        return None
    if os.access(bochs_binary(cell), os.X_OK):
        return None
    try:
        with open(os.path.join(BOCHS_DIR, "unavailable")) as f:
            return f.read().strip()
    except OSError:
        return "Bochs is not built (%s missing; make bochs builds it)" % bochs_binary(cell)


def usable_cells(cells, names, out=sys.stdout):
    """names minus the cells this machine cannot boot, with one line saying why."""
    gone = {}
    for n in names:
        why = cell_unavailable(cells[n])
        if why:
            gone.setdefault(why, []).append(n)
    for why, ns in gone.items():
        print("rig: skipping cells %s: %s" % (", ".join(ns), why), file=out, flush=True)
    return [n for n in names if not any(n in ns for ns in gone.values())]


def data_lines(path):
    """(line number, text) of the non-blank, non-comment lines of a rig data file."""
    with open(path) as f:
        for n, line in enumerate(f, 1):
            s = line.strip()
            if s and not s.startswith("#"):
                yield n, s


def read_plan_qemu_args(path):
    """Extra QEMU arguments a plan asks for: '#qemu: ARGS' lines (a comment
    to everything else that reads plans)."""
    args = []
    with open(path) as f:
        for line in f:
            if line.startswith("#qemu:"):
                args += shlex.split(line[len("#qemu:"):])
    return args


def read_plan(path):
    """Plan lines: '<name> <timeout> <command...>'.  Returns the lines checked."""
    tests = []
    for n, s in data_lines(path):
        parts = s.split(None, 2)
        if len(parts) < 3 or not parts[1].isdigit():
            raise SystemExit("rig: %s:%d: want '<name> <timeout> <command>'" % (path, n))
        tests.append((parts[0], int(parts[1]), parts[2]))
    return tests


class Boot:
    def __init__(self, console, results, rc, timed_out, seconds):
        self.console, self.results, self.qemu_rc = console, results, rc
        self.timed_out, self.seconds = timed_out, seconds
        self.splats = logscan.scan(console)
        self.parsed = tap.parse(results)


def boot(kernel, initrd, cell, plan_entries, timeout, log_prefix=None, extra_append="", qemu_args=(),
         smp=2):
    """Boot once in the cell's emulator.  plan_entries are cpio entries
    appended to the initramfs."""
    for p in (kernel, initrd):
        if not os.path.isfile(p):
            raise SystemExit("rig: missing %s (run make first)" % p)
    tmp = tempfile.mkdtemp(prefix="rig-")
    try:
        plan = os.path.join(tmp, "plan.cpio")
        env = "RIG_CELL_BITS=%d\n" % cell["bits"]
        cpio.write(plan, [("rig", None, 0o755), ("rig/env", env.encode(), 0o644)] + plan_entries)
        combined = os.path.join(tmp, "initrd.cpio")
        with open(combined, "wb") as out:
            for p in (initrd, plan):
                with open(p, "rb") as f:
                    shutil.copyfileobj(f, out)
        con, res = os.path.join(tmp, "console.log"), os.path.join(tmp, "results.log")
        # tsc=reliable: under a loaded host the clocksource watchdog may
        # mark TCG's TSC unstable in one boot and not the next, and tests
        # that need a TSC clocksource (hyperv_clock) would then flip
        # between pass and skip.
        append = "console=ttyS0 rdinit=/init panic=-1 tsc=reliable %s %s" % (cell["append"], extra_append)
        if cell["emulator"] != "qemu":
            if qemu_args:
                raise SystemExit("rig: QEMU arguments %s for a %s cell" % (qemu_args, cell["emulator"]))
            console, results, rc, timed_out, secs = bochs_boot.boot_bochs(
                bochs_binary(cell), kernel, combined, append.strip(), timeout * BOCHS_TIME_FACTOR,
                os.path.join(tmp, "bochs"), model=cell["cpu"])
            return _finish_boot(console, results, rc, timed_out, secs, log_prefix)
        cmd = [QEMU, "-nodefaults", "-display", "none", "-no-reboot",
               "-accel", "tcg,thread=single", "-cpu", cell["cpu"], "-smp", str(smp), "-m", "2G",
               "-kernel", kernel, "-initrd", combined, "-append", append.strip(),
               "-serial", "file:" + con, "-serial", "file:" + res, "-monitor", "none"] + list(qemu_args)
        t0 = time.time()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT)
        timed_out = False
        try:
            qout, _ = proc.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            qout, _ = proc.communicate()
            timed_out = True
        secs = time.time() - t0
        console = logscan.read_text(con)
        if qout:
            console += "\n[qemu] " + qout.decode(errors="replace")
        return _finish_boot(console, logscan.read_text(res), proc.returncode, timed_out, secs, log_prefix)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def _finish_boot(console, results, rc, timed_out, secs, log_prefix):
    if log_prefix:
        os.makedirs(os.path.dirname(log_prefix), exist_ok=True)
        with open(log_prefix + ".console.log", "w") as f:
            f.write(console)
        with open(log_prefix + ".results.log", "w") as f:
            f.write(results)
    return Boot(console, results, rc, timed_out, secs)


def read_known_splats(path=os.path.join(HERE, "known-splats")):
    """'kernel/variant-glob cell-glob test-glob regex  reason' lines.  The
    test glob names the plan test that must have been running (the last
    "rig: running NAME:" console line before the report); "*" any."""
    rules = []
    for _, s in data_lines(path) if os.path.exists(path) else ():
        parts = s.split(None, 3)
        if len(parts) < 4 or "  " not in parts[3]:
            raise SystemExit("rig: %s: want 'kernel/variant cell test regex  reason': %r" % (path, s))
        rx, why = parts[3].split("  ", 1)
        rules.append((parts[0], parts[1], parts[2], re.compile(rx), why.strip()))
    return rules


_RUNNING = re.compile(r"rig: running (\S+): ")


def running_test(console, lineno):
    """The plan test that was running at console line `lineno` (1-based):
    the last "rig: running NAME:" line before it, or "" before any test."""
    name = ""
    for line in console.splitlines()[:lineno - 1]:
        m = _RUNNING.search(line)
        if m:
            name = m.group(1)
    return name


def split_known_splats(splats, key, cell, rules, console=""):
    """Return (unknown splats, [(splat, reason)] for the known ones)."""
    unknown, known = [], []
    for sp in splats:
        test = running_test(console, sp[0])
        for k, c, t, rx, why in rules:
            if fnmatch.fnmatch(key, k) and fnmatch.fnmatch(cell, c) and \
                    fnmatch.fnmatch(test, t) and rx.search(sp[2]):
                known.append((sp, why))
                break
        else:
            unknown.append(sp)
    return unknown, known


def boot_problems(b, want_end=True):
    """Reasons a boot as a whole is not trustworthy (besides test results)."""
    probs = []
    if b.timed_out:
        probs.append("guest did not power off within the timeout")
    if not b.parsed.began:
        probs.append("guest never reported back (no RIG-BEGIN on the result port)")
    elif want_end and not b.parsed.ended and not console_ended(b.console):
        probs.append("guest stopped before RIG-END")
    if b.splats:
        probs.append("%d kernel splat line(s) in the console log" % len(b.splats))
    return probs


def cmd_boot(a):
    cells = read_cells()
    if a.cell not in cells:
        raise SystemExit("rig: unknown cell %r (have: %s)" % (a.cell, ", ".join(cells)))
    entries = [("rig/cmd", a.cmd.encode() + b"\n", 0o644)]
    if a.extra:
        if not os.path.isdir(a.extra):
            raise SystemExit("rig: --extra %s is not a directory" % a.extra)
        entries += cpio.tree_entries(a.extra, "rig/extra")
    b = boot(a.kernel, a.initrd, cells[a.cell], entries, a.timeout, a.log,
             extra_append=read_kernel_append()(a.version, a.cell) if a.version else "",
             qemu_args=shlex.split(a.qemu_args or ""))
    for line in b.parsed.out:
        print(line)
    probs = boot_problems(b)
    if b.parsed.exit is None and not probs:
        probs.append("no exit status reported")
    for p in probs:
        print("rig: %s: %s" % (a.cell, p), file=sys.stderr)
    for line in logscan.context(b.console, b.splats):
        print(line, file=sys.stderr)
    if probs:
        if a.verbose or not b.splats:
            sys.stderr.write(b.console[-4000:] + "\n")
        return 125
    return b.parsed.exit


_CONSOLE_RESULT = re.compile(r"^rig: result \d+ (\S+) rc=(\d+) duration_ms=(\d+)\s*$")


def console_results(console):
    """Verdicts from the guest's "rig: result N NAME rc=RC duration_ms=D"
    console lines, by test name, for tests whose line the result port lost
    (a serial port under TCG has dropped bytes of one line, once in
    hundreds of boots).  The output is the console between the test's
    "rig: running" line and its verdict."""
    found, lines, start = {}, console.splitlines(), {}
    for n, raw in enumerate(lines):
        line = raw.rstrip("\r")
        m = _RUNNING.search(line)
        if m and line.startswith("rig: running "):
            start[m.group(1)] = n + 1
            continue
        m = _CONSOLE_RESULT.match(line)
        if not m:
            continue
        name, rc, dur = m.group(1), int(m.group(2)), int(m.group(3))
        result = "ok" if rc == 0 else "skip" if rc == 4 else "not ok"
        detail = {0: "", 4: "SKIP", 137: "TIMEOUT"}.get(rc, "exit=%d" % rc)
        found[name] = {"result": result, "duration_ms": dur,
                       "detail": (detail + " " if detail else "") +
                       "(verdict from the console: the result port lost its line)",
                       "output": lines[start.get(name, n):n]}
    return found


def console_ended(console):
    """Whether the guest's init said on the console that it finished the
    plan ("rig: end"), for a boot whose result port lost RIG-END."""
    return any(line.rstrip("\r") == "rig: end" for line in console.splitlines())


def run_tests(kernel, initrd, cell_name, cell, plan, log_prefix, meta, splat_rules, drop=()):
    """Boot once with a test plan, less the tests named in drop.  Returns
    result dicts, boot-level ones included."""
    tests = [t for t in read_plan(plan) if t[0] not in drop]
    text = "".join("%s %d %s\n" % t for t in tests)
    timeout = sum(t[1] for t in tests) + BOOT_SLACK
    b = boot(kernel, initrd, cell, [("rig/tests", text.encode(), 0o644)], timeout, log_prefix,
             extra_append=read_kernel_append()(meta["kernel"], cell_name),
             qemu_args=read_plan_qemu_args(plan))
    out = []
    seen = set()
    for r in b.parsed.results:
        seen.add(r["test"])
        out.append(dict(meta, cell=cell_name, **r))
    from_console = console_results(b.console)
    for name, _, _ in tests:
        if name in seen:
            continue
        if name in from_console:
            out.append(dict(meta, cell=cell_name, test=name, **from_console[name]))
        else:
            out.append(dict(meta, cell=cell_name, test=name, result="not ok",
                            duration_ms=None, detail="no result (guest died or hung)", output=[]))
    b.splats, known = split_known_splats(b.splats, "%s/%s" % (meta["kernel"], meta["variant"]),
                                         cell_name, splat_rules, b.console)
    probs = boot_problems(b)
    if probs:
        detail = "; ".join(probs)
        ctx = logscan.context(b.console, b.splats) or b.console.splitlines()[-30:]
        out.append(dict(meta, cell=cell_name, test="boot", result="not ok", duration_ms=int(b.seconds * 1000),
                        detail=detail, output=ctx))
    else:
        detail = "; ".join("known: %s (%s)" % (sp[2], why) for sp, why in known)
        out.append(dict(meta, cell=cell_name, test="boot", result="ok",
                        duration_ms=int(b.seconds * 1000), detail=detail, output=[]))
    return out, b


def read_known(path=os.path.join(HERE, "known-skips")):
    """'test  kernel/variant-glob  cell-glob  reason' lines: skips with a known reason."""
    return glob_rules(path, "test kernel/variant cell reason")


def read_known_bugs(path=os.path.join(HERE, "known-bug")):
    """'test  kernel/variant-glob  cell-glob  detail-glob  reason' lines: an
    upstream test's failure that is the bug itself, on an unpatched kernel.
    -> function (test, kernel/variant, cell) -> (detail-glob, reason) or None."""
    rules = rule_rows(path, "test kernel/variant-glob cell-glob detail-glob reason")
    for n, parts in rules:
        if not parts[1].endswith("/base"):
            # The patched kernel must pass: a failure there is never "the bug".
            raise SystemExit("rig: %s:%d: a known bug is for unpatched kernels (*/base) only" % (path, n))
    rules = [parts for _, parts in rules]

    def lookup(test, key, cell):
        for r in rules:
            if all(fnmatch.fnmatch(v, g) for v, g in zip((test, key, cell), r)):
                return r[3], r[4]
        return None
    return lookup


def classify(r, known, bugs=lambda *a: None):
    """Final verdict for one result: ok, not ok, skip (skips need a reason),
    or bug (a failure rig/known-bug expects: the bug, on an unpatched kernel)."""
    key = "%s/%s" % (r["kernel"], r["variant"])
    bug = bugs(r["test"], key, r["cell"])
    if bug:
        # Strict: the bug must show, the way the rule says.  A pass here means
        # the run no longer reaches the configuration the rule describes.
        detail_glob, why = bug
        if r["result"] == "not ok" and fnmatch.fnmatch(r["detail"] or "", detail_glob):
            return "bug", why
        return "not ok", "rig/known-bug expects %s here (%s), got %s %s" % (
            detail_glob, why, r["result"], r["detail"] or "")
    if r["result"] == "skip":
        why = known(r["test"], key, r["cell"])
        if why:
            return "skip", why
        return "not ok", "skipped, and rig/known-skips gives no reason: " + (r["detail"] or "")
    return r["result"], r["detail"]


def boot_weight(cell):
    """Sort key, slowest first: Bochs emulates an instruction several times
    slower than QEMU's TCG, and shadow paging makes every guest page-table
    write an exit."""
    if cell["emulator"] != "qemu":
        return 0
    return 1 if "npt=0" in cell["append"] else 2


def run_label(run):
    """"kernel/variant", as rule files name a run."""
    return "%s/%s" % (run["kernel"], run["variant"])


def cmd_check(a):
    """Run every (kernel, variant, cell) given by --run and summarise."""
    runs = [dict(zip(("kernel", "variant", "bzimage", "initrd", "plan"), r)) for r in a.run]
    cells = read_cells()
    known = read_known()
    bugs = read_known_bugs()
    splat_rules = read_known_splats()
    only_cells = a.cells.split(",") if a.cells else list(cells)
    for c in only_cells:
        if c not in cells:
            raise SystemExit("rig: unknown cell %r" % c)
    only_cells = usable_cells(cells, only_cells)
    results = []
    t_start = time.time()
    # Each QEMU runs single-threaded TCG, so one boot per host CPU.
    os.makedirs(a.log_dir, exist_ok=True)
    not_run, said = read_not_run(), set()
    work = []
    for run in runs:
        for cell in only_cells:
            why = not_run(run["kernel"], cell)
            if not why:
                work.append((run, cell))
            elif (run["kernel"], why) not in said:
                said.add((run["kernel"], why))
                print("rig: %s not run in %s: %s" % (run["kernel"], ", ".join(
                    c for c in only_cells if not_run(run["kernel"], c) == why), why), flush=True)
    # Tests a cell cannot run (or a kernel in it): left out of that boot's
    # plan, said once per reason, with the cells and kernels.
    not_run_test, dropped, test_cells = read_not_run_tests(), {}, {}
    for run, cell in work:
        kv = run_label(run)
        for name, _, _ in read_plan(run["plan"]):
            why = not_run_test(name, kv, cell)
            if why:
                dropped.setdefault((kv, run["plan"], cell), set()).add(name)
                where = test_cells.setdefault((name, why), ([], []))
                for seen, item in zip(where, (cell, kv)):
                    if item not in seen:
                        seen.append(item)
    for (name, why), (cs, kvs) in test_cells.items():
        print("rig: %s not run in %s (%s): %s" % (name, ", ".join(cs), ", ".join(kvs), why),
              flush=True)
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, a.jobs)) as ex:
        futs = {}
        # The slowest boots start first, so that the run does not end with
        # one long boot on one CPU while the others sit idle; results are
        # still reported in plan order.
        for i in sorted(range(len(work)), key=lambda i: boot_weight(cells[work[i][1]])):
            run, cell = work[i]
            meta = {"kernel": run["kernel"], "variant": run["variant"]}
            name = "%s-%s-%s" % (run["kernel"], run["variant"], cell)
            if sum((r["kernel"], r["variant"]) == (run["kernel"], run["variant"]) for r in runs) > 1:
                # Several plans for one kernel (make regression's chunks):
                # one log per boot, named after its plan.
                name += "-" + os.path.splitext(os.path.basename(run["plan"]))[0]
            prefix = os.path.join(a.log_dir, name)
            futs[i] = (cell, ex.submit(run_tests, run["bzimage"], run["initrd"], cell,
                                       cells[cell], run["plan"], prefix, meta, splat_rules,
                                       dropped.get((run_label(run), run["plan"], cell), ())))
        for cell, fut in (futs[i] for i in range(len(work))):
            rs, b = fut.result()
            for r in rs:
                verdict, why = classify(r, known, bugs)
                if a.same_skips_ok and r["result"] == "skip":
                    # Regression runs compare variants; a skip is a finding
                    # only if the other kernel does not skip too.
                    verdict, why = "skip", r["detail"]
                r["verdict"], r["why"] = verdict, why
                line = "%-7s %s/%s %-12s %s" % (verdict, r["kernel"], r["variant"], cell, r["test"])
                if not why and r["test"] == "boot" and r["detail"]:
                    why = r["detail"]
                if why:
                    line += "  # " + why
                print(line, flush=True)
                if verdict == "not ok":
                    for o in r["output"][-40:]:
                        print("        | " + o)
                results.append(r)
    summary = os.path.join(a.log_dir, "summary.json")
    with open(summary, "w") as f:
        json.dump([{k: r[k] for k in ("kernel", "variant", "cell", "test", "verdict", "result",
                                       "why", "duration_ms")} for r in results], f, indent=1)
    diffs = compare_variants(results)
    for d in diffs:
        print("not ok  " + d)
    pre_ok = pre_fail = 0
    if a.pre:
        # Results of checks run before the boots, e.g. patch-check.sh:
        # lines "[ver] ok ..." and "[ver] FAIL ...".
        with open(a.pre) as f:
            for line in f:
                words = line.split()
                if len(words) > 1 and words[1] == "ok":
                    pre_ok += 1
                elif len(words) > 1 and words[1] == "FAIL":
                    pre_fail += 1
        if pre_ok + pre_fail == 0:
            pre_fail += 1
            print("not ok  %s has no results" % a.pre)
    passed = sum(r["verdict"] == "ok" for r in results) + pre_ok
    failed = sum(r["verdict"] == "not ok" for r in results) + len(diffs) + pre_fail
    skipped = sum(r["verdict"] == "skip" for r in results)
    bug = sum(r["verdict"] == "bug" for r in results)
    print("# summary: %s (%.0f s)" % (summary, time.time() - t_start))
    print("%d passed, %d failed, %d skipped" % (passed, failed, skipped)
          + (", %d the known bug on unpatched kernels (rig/known-bug)" % bug if bug else ""))
    return 1 if failed else 0


def read_regression_rules(path=os.path.join(HERE, "regression-rules"), version=None):
    """'VERB[@VERSION] TEST VALUE reason' lines, VERB one of exclude, args,
    timeout, qemu -> {test: {verb: (value, reason)}} for the rules that apply to
    version (all versions if None)."""
    rules = {}
    for n, s in data_lines(path):
        # VALUE may be "quoted words"; the reason is free text.
        m = re.match(r'(exclude|args|timeout|qemu)(?:@(\S+))?\s+(\S+)\s+("[^"]*"|\S+)\s+(\S.*)$', s)
        if not m:
            raise SystemExit("rig: %s:%d: want 'exclude|args|timeout|qemu[@VERSION] TEST VALUE reason'"
                             % (path, n))
        verb, only, test, value, reason = m.groups()
        value = value.strip('"')
        if verb == "timeout" and not value.isdigit():
            raise SystemExit("rig: %s:%d: timeout wants seconds, got %r" % (path, n, value))
        if version is not None and only is not None and version not in only.split(","):
            continue
        if verb in rules.get(test, {}):
            raise SystemExit("rig: %s:%d: a second %s rule for %s" % (path, n, verb, test))
        rules.setdefault(test, {})[verb] = (value, reason)
    return rules


def regression_plans(tests, rules, per_chunk, timeout):
    """Split the tests into plans of per_chunk lines.  Tests with a qemu rule
    boot apart, in plans that carry the rule's QEMU arguments.  Returns
    (plans, excluded)."""
    groups, excluded = {}, []
    for t in tests:
        r = rules.get(t, {})
        if "exclude" in r:
            excluded.append((t, r["exclude"][1]))
            continue
        cmd = "./" + os.path.basename(t)
        if "args" in r:
            cmd += " " + r["args"][0]
        tmo = int(r["timeout"][0]) if "timeout" in r else timeout
        groups.setdefault(r["qemu"][0] if "qemu" in r else "", []).append("%-50s %d %s\n" % (t, tmo, cmd))
    plans = []
    for qemu in sorted(groups):
        lines = groups[qemu]
        head = "#qemu: %s\n" % qemu if qemu else ""
        plans += [head + "".join(lines[i:i + per_chunk]) for i in range(0, len(lines), per_chunk)]
    return plans, excluded


def tree_test_name(rule_test, tests):
    """Rules name x86 tests by their mainline path (x86/NAME); trees from
    before the directory's rename build them as x86_64/NAME."""
    if rule_test.startswith("x86/") and any(t.startswith("x86_64/") for t in tests):
        return "x86_64/" + rule_test[len("x86/"):]
    return rule_test


def cmd_regression_plan(a):
    rules = {tree_test_name(t, a.tests): r for t, r in read_regression_rules(version=a.version).items()}
    unknown = sorted(set(rules) - set(a.tests))
    if unknown:
        # A rule for a test the tree no longer has is stale: say so.
        raise SystemExit("rig: regression-rules names tests the %s tree does not build: %s"
                         % (a.version, ", ".join(unknown)))
    plans, excluded = regression_plans(sorted(a.tests), rules, a.chunk, a.timeout)
    os.makedirs(a.out_dir, exist_ok=True)
    for i, text in enumerate(plans):
        with open(os.path.join(a.out_dir, "chunk-%02d.tests" % i), "w") as f:
            f.write(text)
    for t, why in excluded:
        print("excluded: %s: %s" % (t, why))
    n = sum(len([x for x in p.splitlines() if not x.startswith("#")]) for p in plans)
    print("regression: %d tests in %d boots per kernel (%d excluded)" % (n, len(plans), len(excluded)))
    return 0


# The project's own tests: they are meant to differ between the kernels
# (each skips where its capability is missing, or shows the bug).
OWN_TESTS = ("max_gpa_test", "gpa_width_repro", "gpa_width_repro_vm_width", "kvm_gpa_bits",
             "rig_memslot_fuzz")


def compare_variants(results, own=OWN_TESTS):
    """Upstream tests must give the same result on the unpatched and the patched kernel."""
    by = {}
    # rig/known-bug results: the difference is the fix, and is checked there.
    bugs = {(r["kernel"], r["cell"], r["test"]) for r in results if r.get("verdict") == "bug"}
    for r in results:
        if r["test"] == "boot" or any(r["test"].endswith(o) for o in own):
            continue
        if (r["kernel"], r["cell"], r["test"]) in bugs:
            continue
        by.setdefault((r["kernel"], r["cell"], r["test"]), {})[r["variant"]] = r["result"]
    out = []
    for (k, c, t), v in sorted(by.items()):
        if "base" in v and "patched" in v and v["base"] != v["patched"]:
            out.append("%s %s %s: unpatched says %s, patched says %s" % (k, c, t, v["base"], v["patched"]))
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = ap.add_subparsers(dest="verb", required=True)
    b = sub.add_parser("boot", help="boot a kernel in a cell and run one command")
    b.add_argument("--kernel", required=True)
    b.add_argument("--initrd", required=True)
    b.add_argument("--cell", required=True)
    b.add_argument("--extra", help="directory copied to /rig/extra (the command's cwd)")
    b.add_argument("--cmd", required=True)
    b.add_argument("--version", help="the kernel's version, for rig/kernel-append (6.1, 6.12, 7.2)")
    b.add_argument("--timeout", type=int, default=600)
    b.add_argument("--log", help="write <LOG>.console.log and <LOG>.results.log")
    b.add_argument("--qemu-args", help="extra QEMU arguments (one shell-quoted string)")
    b.add_argument("-v", "--verbose", action="store_true")
    c = sub.add_parser("check", help="run the test plan of every kernel in every cell")
    c.add_argument("--run", nargs=5, action="append", required=True,
                   metavar=("KERNEL", "VARIANT", "BZIMAGE", "INITRD", "PLAN"),
                   help="one kernel to boot in every cell with a test plan; repeat")
    c.add_argument("--log-dir", required=True)
    c.add_argument("--cells", help="comma-separated subset of cells")
    c.add_argument("--same-skips-ok", action="store_true",
                   help="accept skips without a listed reason (variants are still compared)")
    c.add_argument("--pre", help="results of earlier checks to count ('[x] ok ...' / '[x] FAIL ...')")
    c.add_argument("--jobs", type=int, default=os.cpu_count() or 1,
                   help="boots at a time (default: one per CPU)")
    p = sub.add_parser("regression-plan", help="write make regression's test plans")
    p.add_argument("--out-dir", required=True)
    p.add_argument("--version", required=True, help="kernel version: selects VERB@VERSION rules")
    p.add_argument("--chunk", type=int, default=8, help="tests per boot")
    p.add_argument("--timeout", type=int, default=300, help="seconds per test without a rule")
    p.add_argument("tests", nargs="+")
    sub.add_parser("cells", help="list the cells")
    a = ap.parse_args()
    if a.verb == "boot":
        return cmd_boot(a)
    if a.verb == "check":
        return cmd_check(a)
    if a.verb == "regression-plan":
        return cmd_regression_plan(a)
    for name, c in read_cells().items():
        why = cell_unavailable(c)
        print("%-14s N=%-3d %-10s %s %s%s" % (name, c["bits"], c["emulator"], c["cpu"], c["append"],
                                           "  (unavailable: %s)" % why if why else ""))
    return 0


if __name__ == "__main__":
    sys.exit(main())
