"""Tests of the rig's own logic, fed with logs captured from real boots.

rig/tests/data holds console and result-port logs that the rig wrote while
booting its kernels: clean test runs, a sysrq-triggered panic, a missing
init, a guest that hung (killed at the boot timeout) and a guest that powered
off in the middle of its test plan, and a WARN_ON_ONCE that 6.1 hit under
shadow paging.
"""
import json
import os
import sys
import tempfile
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
RIG = os.path.dirname(HERE)
sys.path.insert(0, RIG)
sys.path.insert(0, os.path.join(RIG, "lib"))

import cpio      # noqa: E402
import logscan   # noqa: E402
import rig       # noqa: E402
import tap       # noqa: E402


def data(name):
    with open(os.path.join(HERE, "data", name), errors="replace") as f:
        return f.read()


def data_file(case, text):
    """A temporary rig data file holding text, removed when the test ends."""
    fd, path = tempfile.mkstemp()
    with os.fdopen(fd, "w") as f:
        f.write(text)
    case.addCleanup(os.unlink, path)
    return path


class FakeBoot(rig.Boot):
    def __init__(self, console, results, timed_out=False):
        super().__init__(console, results, 0, timed_out, 1.0)


class LogScan(unittest.TestCase):
    def test_clean_runs_have_no_splats(self):
        # A full KVM selftest run prints plenty of noise, none of it a splat.
        self.assertEqual(logscan.scan(data("clean-patched-npt4-pa52.console.log")), [])
        self.assertEqual(logscan.scan(data("hang.console.log")), [])
        self.assertEqual(logscan.scan(data("died.console.log")), [])

    def test_sysrq_panic(self):
        hits = logscan.scan(data("panic-sysrq.console.log"))
        self.assertEqual([h[1] for h in hits], ["panic"])
        self.assertIn("sysrq triggered crash", hits[0][2])
        ctx = logscan.context(data("panic-sysrq.console.log"), hits)
        self.assertTrue(any("Call Trace" in line for line in ctx), ctx)

    def test_real_warning(self):
        # A WARN_ON_ONCE in 6.1's kvm_multiple_exception, caught by the rig.
        hits = logscan.scan(data("warn-6.1-shadow.console.log"))
        self.assertEqual([h[1] for h in hits], ["warning"])
        self.assertIn("kvm_multiple_exception", hits[0][2])

    def test_known_splats(self):
        console = data("warn-6.1-shadow.console.log")
        hits = logscan.scan(console)
        rules = rig.read_known_splats()
        unknown, known = rig.split_known_splats(hits, "6.1/patched", "shadow-pa52", rules, console)
        self.assertEqual((unknown, len(known)), ([], 1))
        self.assertIn("pre-existing", known[0][1])
        # The same report elsewhere is not known: it fails.
        for key, cell in (("6.12/patched", "shadow-pa52"), ("6.1/patched", "npt4-pa52")):
            unknown, known = rig.split_known_splats(hits, key, cell, rules, console)
            self.assertEqual((len(unknown), known), (1, []))
        # So does the same report while another test runs, or before any.
        moved = console.replace("rig: running set_memory_region_test:", "rig: running other_test:")
        unknown, known = rig.split_known_splats(hits, "6.1/patched", "shadow-pa52", rules, moved)
        self.assertEqual((len(unknown), known), (1, []))
        self.assertEqual(len(rig.split_known_splats(hits, "6.1/patched", "shadow-pa52", rules)[0]), 1)
        # A different report in the same place fails too.
        other = [(1, "warning", "WARNING: CPU: 0 PID: 1 at arch/x86/kvm/mmu/mmu.c:1 foo+0x1/0x2")]
        self.assertEqual(len(rig.split_known_splats(other, "6.1/base", "shadow-pa52", rules,
                                                    console)[0]), 1)

    def test_console_results(self):
        console = ("rig: running a: ./a\nA out\nrig: result 1 a rc=0 duration_ms=12\n"
                   "rig: running b/c: ./c\nrig: result 2 b/c rc=4 duration_ms=3\n"
                   "rig: running d: ./d\nrig: result 3 d rc=137 duration_ms=9\n"
                   "rig: running e: ./e\nrig: result 4 e rc=1 duration_ms=1\n"
                   "rig: running f: ./f\nno verdict\n")
        r = rig.console_results(console)
        self.assertEqual(sorted(r), ["a", "b/c", "d", "e"])
        self.assertEqual((r["a"]["result"], r["a"]["duration_ms"], r["a"]["output"]),
                         ("ok", 12, ["A out"]))
        self.assertEqual(r["b/c"]["result"], "skip")
        self.assertTrue(r["b/c"]["detail"].startswith("SKIP"))
        self.assertEqual((r["d"]["result"], r["d"]["detail"].split()[0]), ("not ok", "TIMEOUT"))
        self.assertEqual((r["e"]["result"], r["e"]["detail"].split()[0]), ("not ok", "exit=1"))

    def test_console_ended(self):
        self.assertTrue(rig.console_ended("x\nrig: end\r\n[ 5.8] reboot: Power down\n"))
        self.assertFalse(rig.console_ended("rig: running a: ./a\nrig: endless\n"))

    def test_running_test(self):
        console = "boot\nrig: running a: ./a\nx\nrig: running b/c: ./c\ny\n"
        self.assertEqual([rig.running_test(console, n) for n in (1, 2, 3, 4, 5)],
                         ["", "", "a", "a", "b/c"])

    def test_missing_init_panic(self):
        hits = logscan.scan(data("panic-noinit.console.log"))
        self.assertEqual(len(hits), 1)
        self.assertIn("Requested init /nonexistent failed", hits[0][2])

    def test_every_kind_of_report(self):
        # One line of each report the kernel prints, with its timestamp.
        lines = {
            "oops": "[   12.345678] Oops: general protection fault, probably for non-canonical address",
            "bug": "[    3.000001] BUG: kernel NULL pointer dereference, address: 0000000000000008",
            "warning": "[    5.123456] WARNING: CPU: 1 PID: 77 at arch/x86/kvm/mmu/tdp_mmu.c:1234 foo+0x1/0x2",
            "kasan": "[    9.1] BUG: KASAN: slab-out-of-bounds in kvm_set_memslot+0x12/0x300",
            "ubsan": "[    9.2] UBSAN: shift-out-of-bounds in arch/x86/kvm/mmu.h:66:19",
            "lockdep": "[    9.3] WARNING: possible circular locking dependency detected",
            "hung": "[  120.0] INFO: task max_gpa_test:80 blocked for more than 120 seconds.",
            "kmemleak": "[  200.0] kmemleak: 3 new suspected memory leaks (see /sys/kernel/debug/kmemleak)",
        }
        for kind, line in lines.items():
            hits = logscan.scan("boot\n" + line + "\nmore\n")
            self.assertEqual(len(hits), 1, (kind, line))
            self.assertEqual(hits[0][0], 2)

    def test_no_false_alarms(self):
        benign = [
            "[    0.5] kvm_intel: VMX not supported by CPU 0",
            "# WARNING: this test prints a warning of its own",
            "Random seed: 0x6b8b4567",
            "[    0.1] ACPI: Early table checksum verification disabled",
            "ok 3 # SKIP bug 123 is not fixed here",
        ]
        self.assertEqual(logscan.scan("\n".join(benign)), [])


class Tap(unittest.TestCase):
    def test_clean_patched(self):
        p = tap.parse(data("clean-patched-npt4-pa52.results.log"))
        self.assertTrue(p.began and p.ended)
        self.assertEqual(p.planned, 7)
        self.assertEqual([r["result"] for r in p.results],
                         ["ok", "ok", "skip", "ok", "ok", "ok", "ok"])
        self.assertEqual(p.results[4]["test"], "x86_64/max_gpa_test")
        self.assertIn("ok 7 data access at 0x1800000000000 exits with KVM_EXIT_MMIO",
                      p.results[4]["output"])
        self.assertTrue(all(r["duration_ms"] is not None for r in p.results))
        self.assertEqual(p.header["address sizes"], "52 bits physical, 48 bits virtual")
        # Header lines are not the first test's output.
        self.assertFalse(any("address sizes" in o for o in p.results[0]["output"]))

    def test_clean_base_shows_the_bug(self):
        p = tap.parse(data("clean-base-npt4-pa52.results.log"))
        repro = [r for r in p.results if r["test"] == "gpa_width_repro"][0]
        self.assertEqual(repro["result"], "ok")
        self.assertTrue(any(o.startswith("result: BUG") for o in repro["output"]))

    def test_died_midway(self):
        p = tap.parse(data("died.results.log"))
        self.assertTrue(p.began)
        self.assertFalse(p.ended)
        self.assertEqual(p.planned, 3)
        self.assertEqual([r["test"] for r in p.results], ["set_memory_region_test"])

    def test_adhoc_output(self):
        p = tap.parse("RIG-BEGIN 6.12\n# cpu: x\nRIG-OUT hello\nRIG-OUT\nRIG-OUT  two\nRIG-EXIT 3\nRIG-END\n")
        self.assertEqual(p.out, ["hello", "", " two"])
        self.assertEqual(p.exit, 3)

    def test_directives(self):
        p = tap.parse("1..3\nok 1 a # duration_ms=5\nnot ok 2 b # TIMEOUT after 9s duration_ms=9000\n"
                      "ok 3 c # SKIP duration_ms=1\n")
        self.assertEqual([(r["test"], r["result"], r["duration_ms"]) for r in p.results],
                         [("a", "ok", 5), ("b", "not ok", 9000), ("c", "skip", 1)])
        self.assertEqual(p.results[1]["detail"], "TIMEOUT after 9s")


class BootProblems(unittest.TestCase):
    def test_clean(self):
        b = FakeBoot(data("clean-patched-npt4-pa52.console.log"),
                     data("clean-patched-npt4-pa52.results.log"))
        self.assertEqual(rig.boot_problems(b), [])

    def test_panic(self):
        b = FakeBoot(data("panic-sysrq.console.log"), data("panic-sysrq.results.log"))
        probs = rig.boot_problems(b)
        self.assertTrue(any("splat" in p for p in probs), probs)
        self.assertTrue(any("RIG-END" in p for p in probs), probs)

    def test_hang(self):
        b = FakeBoot(data("hang.console.log"), data("hang.results.log"), timed_out=True)
        probs = rig.boot_problems(b)
        self.assertTrue(any("did not power off" in p for p in probs), probs)

    def test_never_reported(self):
        b = FakeBoot(data("panic-noinit.console.log"), "")
        probs = rig.boot_problems(b)
        self.assertTrue(any("never reported back" in p for p in probs), probs)
        self.assertTrue(any("splat" in p for p in probs), probs)


class Verdicts(unittest.TestCase):
    def setUp(self):
        self.path = data_file(self, "# comment\nx86_64/max_gpa_test */base * no capability before the series\n")
        self.known = rig.read_known(self.path)

    def r(self, test, variant, result):
        return {"kernel": "6.12", "variant": variant, "cell": "npt4-pa52", "test": test,
                "result": result, "detail": "SKIP"}

    def test_listed_skip(self):
        self.assertEqual(rig.classify(self.r("x86_64/max_gpa_test", "base", "skip"), self.known),
                         ("skip", "no capability before the series"))

    def test_unlisted_skip_fails(self):
        verdict, why = rig.classify(self.r("x86_64/max_gpa_test", "patched", "skip"), self.known)
        self.assertEqual(verdict, "not ok")
        self.assertIn("gives no reason", why)

    def test_failures_stay_failures(self):
        self.assertEqual(rig.classify(self.r("x86_64/max_gpa_test", "base", "not ok"),
                                      self.known)[0], "not ok")

    def test_variant_differences(self):
        rs = [dict(self.r("set_memory_region_test", "base", "ok")),
              dict(self.r("set_memory_region_test", "patched", "not ok")),
              dict(self.r("x86_64/max_gpa_test", "base", "skip")),
              dict(self.r("x86_64/max_gpa_test", "patched", "ok"))]
        diffs = rig.compare_variants(rs)
        self.assertEqual(len(diffs), 1)
        self.assertIn("set_memory_region_test", diffs[0])

    def test_malformed_known_file(self):
        with open(self.path, "w") as f:
            f.write("only two\n")
        with self.assertRaises(SystemExit):
            rig.read_known(self.path)


class KnownBugs(unittest.TestCase):
    def setUp(self):
        self.bugs = rig.read_known_bugs(data_file(
            self, "# comment\nstress_test  6.1/base  ept4-pa52  TIMEOUT*  the bug: loops above 2^48\n"))
        self.known = rig.read_known(data_file(self, ""))

    def r(self, kernel, variant, cell, result, detail):
        return {"kernel": kernel, "variant": variant, "cell": cell, "test": "stress_test",
                "result": result, "detail": detail}

    def test_the_bug_as_described(self):
        r = self.r("6.1", "base", "ept4-pa52", "not ok", "TIMEOUT after 600s")
        self.assertEqual(rig.classify(r, self.known, self.bugs), ("bug", "the bug: loops above 2^48"))

    def test_a_pass_where_the_bug_is_expected_fails(self):
        verdict, why = rig.classify(self.r("6.1", "base", "ept4-pa52", "ok", ""), self.known, self.bugs)
        self.assertEqual(verdict, "not ok")
        self.assertIn("rig/known-bug expects TIMEOUT*", why)

    def test_another_failure_stays_a_failure(self):
        r = self.r("6.1", "base", "ept4-pa52", "not ok", "exit status 1")
        self.assertEqual(rig.classify(r, self.known, self.bugs)[0], "not ok")

    def test_other_cells_and_kernels_untouched(self):
        for k, v, c in (("6.1", "patched", "ept4-pa52"), ("6.12", "base", "ept4-pa52"), ("6.1", "base", "npt4-pa52")):
            r = self.r(k, v, c, "not ok", "TIMEOUT after 600s")
            self.assertEqual(rig.classify(r, self.known, self.bugs)[0], "not ok", (k, v, c))

    def test_not_compared_with_the_patched_kernel(self):
        base = self.r("6.1", "base", "ept4-pa52", "not ok", "TIMEOUT after 600s")
        patched = self.r("6.1", "patched", "ept4-pa52", "ok", "")
        for order in ((base, patched), (patched, base)):
            rs = [dict(x) for x in order]
            for x in rs:
                x["verdict"] = rig.classify(x, self.known, self.bugs)[0]
            self.assertEqual(rig.compare_variants(rs), [])
        # Without the rule the difference is reported.
        rs = [dict(base, verdict="not ok"), dict(patched, verdict="ok")]
        self.assertEqual(len(rig.compare_variants(rs)), 1)

    def test_patched_kernels_cannot_have_a_known_bug(self):
        with self.assertRaises(SystemExit):
            rig.read_known_bugs(data_file(self, "t  6.1/*  ept4-pa52  TIMEOUT*  no\n"))
        with self.assertRaises(SystemExit):
            rig.read_known_bugs(data_file(self, "t  6.1/base  ept4-pa52  TIMEOUT*\n"))

    def test_the_rigs_own_file_parses(self):
        bugs = rig.read_known_bugs()
        self.assertIsNotNone(bugs("memslot_modification_stress_test", "6.1/base", "ept4-pa52"))
        self.assertIsNone(bugs("memslot_modification_stress_test", "6.1/patched", "ept4-pa52"))


class Cells(unittest.TestCase):
    def test_the_cells(self):
        cells = rig.read_cells()
        for name in ("npt5-pa52", "npt4-pa52", "npt4-pa46", "npt5-pa40", "shadow-pa52",
                     "shadow-pa46"):
            self.assertIn(name, cells)
        self.assertEqual(cells["npt4-pa52"]["bits"], 48)
        self.assertIn("la57=off", cells["npt4-pa52"]["cpu"])
        self.assertEqual(cells["shadow-pa52"]["append"], "kvm_amd.npt=0")
        # Shadow paging maps all 52 bits, also above a smaller host MAXPHYADDR.
        self.assertIn("phys-bits=46", cells["shadow-pa46"]["cpu"])
        self.assertEqual(cells["shadow-pa46"]["bits"], 52)
        self.assertEqual(cells["shadow-pa46"]["append"], "kvm_amd.npt=0")

    def test_one_line_adds_a_cell(self):
        path = data_file(self, "# x\nnpt4-pa39  qemu  max,phys-bits=39,la57=off  39\n")
        self.assertEqual(rig.read_cells(path)["npt4-pa39"],
                         {"emulator": "qemu", "cpu": "max,phys-bits=39,la57=off", "bits": 39, "append": ""})

    def test_bad_cells(self):
        for text in ("a max 39\n", "a vbox max 39\n", "a qemu max x\n",
                     "a qemu max 39\na qemu max 40\n"):
            with self.assertRaises(SystemExit, msg=text):
                rig.read_cells(data_file(self, text))

    def test_a_cell_without_its_emulator_is_skipped_with_the_reason(self):
        import io
        with tempfile.TemporaryDirectory() as d:
            old = rig.BOCHS_DIR
            rig.BOCHS_DIR = d
            try:
                cells = rig.read_cells(data_file(self, "q qemu max 40\nb bochs tigerlake,phys-bits=52 48\n"))
                out = io.StringIO()
                self.assertEqual(rig.usable_cells(cells, ["q", "b"], out), ["q"])
                self.assertIn("skipping cells b: Bochs is not built", out.getvalue())
                with open(os.path.join(d, "unavailable"), "w") as f:
                    f.write("no ../shared/third_party/bochs-2.7.tar.xz\n")
                out = io.StringIO()
                self.assertEqual(rig.usable_cells(cells, ["q", "b"], out), ["q"])
                self.assertEqual(out.getvalue(), "rig: skipping cells b: no ../shared/third_party/bochs-2.7.tar.xz\n")
                os.makedirs(os.path.join(d, "root", "bin"))
                with open(os.path.join(d, "root", "bin", "bochs"), "w") as f:
                    f.write("#!/bin/sh\n")
                os.chmod(os.path.join(d, "root", "bin", "bochs"), 0o755)
                self.assertEqual(rig.usable_cells(cells, ["q", "b"], io.StringIO()), ["q", "b"])
            finally:
                rig.BOCHS_DIR = old

    def test_not_run(self):
        f = rig.read_not_run(data_file(self, "# c\n6.1  ept4-*  hangs early in Bochs\n"))
        self.assertEqual(f("6.1", "ept4-pa52"), "hangs early in Bochs")
        self.assertIsNone(f("6.12", "ept4-pa52"))
        self.assertIsNone(f("6.1", "npt4-pa52"))
        with self.assertRaises(SystemExit):
            rig.read_not_run(data_file(self, "6.1 ept4-*\n"))

    def test_not_run_tests(self):
        f = rig.read_not_run_tests(data_file(
            self, "# c\nqemu_*  6.1*/base  ept4-pa52  crashes\nset_*  *  npt4-pa46  once is enough\n"))
        self.assertEqual(f("qemu_vmm", "6.12/base", "ept4-pa52"), "crashes")
        self.assertEqual(f("qemu_vmm", "6.1/base", "ept4-pa52"), "crashes")
        self.assertIsNone(f("qemu_vmm", "6.12/patched", "ept4-pa52"))
        self.assertIsNone(f("qemu_vmm", "7.2/base", "ept4-pa52"))
        self.assertIsNone(f("qemu_vmm", "6.1/base", "ept4-pa40"))
        self.assertEqual(f("set_memory_region_test", "7.2/patched", "npt4-pa46"), "once is enough")
        self.assertIsNone(f("max_gpa_test", "6.1/base", "npt4-pa46"))
        with self.assertRaises(SystemExit):
            rig.read_not_run_tests(data_file(self, "qemu_vmm ept4-* no-reason\n"))
        # Comma-separated alternatives: any one of them matches.
        f = rig.read_not_run_tests(data_file(self, "set_*  *  npt5-pa52,ept4-*  once\n"))
        self.assertEqual(f("set_memory_region_test", "6.1/base", "npt5-pa52"), "once")
        self.assertEqual(f("set_memory_region_test", "6.1/base", "ept4-pa40"), "once")
        self.assertIsNone(f("set_memory_region_test", "6.1/base", "npt4-pa52"))
        self.assertIsNone(f("set_memory_region_test", "6.1/base", "npt5-pa5"))

    def test_run_tests_drops(self):
        # run_tests boots only the tests it is not told to drop.
        plan = data_file(self, "a 10 ./a\nb 20 ./b\n")
        seen = {}

        def fake_boot(kernel, initrd, cell, entries, timeout, *args, **kw):
            seen["plan"], seen["timeout"] = entries[0][1].decode(), timeout
            raise RuntimeError("stop")
        old = rig.boot
        rig.boot = fake_boot
        try:
            with self.assertRaises(RuntimeError):
                rig.run_tests("k", "i", "npt4-pa52", {}, plan, None, {"kernel": "7.2"}, [], drop={"b"})
        finally:
            rig.boot = old
        self.assertEqual(seen["plan"], "a 10 ./a\n")
        self.assertEqual(seen["timeout"], 10 + rig.BOOT_SLACK)

    def test_plan_parsing(self):
        path = data_file(self, "# c\nfoo 10 ./foo --x\n\n")
        self.assertEqual(rig.read_plan(path), [("foo", 10, "./foo --x")])
        with self.assertRaises(SystemExit):
            rig.read_plan(data_file(self, "foo ten ./foo\n"))


class RegressionRules(unittest.TestCase):
    def test_the_rules_file(self):
        rules = rig.read_regression_rules()
        # Every rule says why; the TCG exclusions are in it.
        for test, verbs in rules.items():
            for verb, (value, why) in verbs.items():
                self.assertGreater(len(why), 20, "%s %s has no real reason" % (verb, test))
        self.assertIn("exclude", rules["x86/nested_exceptions_test"])
        self.assertIn("-icount", rules["x86/kvm_clock_test"]["qemu"][0])
        self.assertNotIn("mmu_stress_test", rig.read_regression_rules(version="6.12"))
        self.assertIn("args", rig.read_regression_rules(version="7.2")["mmu_stress_test"])

    def test_plans(self):
        path = data_file(self, 'exclude b - cannot run here\n'
                          'args c "-x 1 -y" too slow with the defaults\n'
                          'timeout d 900 needs longer\n')
        rules = rig.read_regression_rules(path)
        self.assertEqual(rules["c"]["args"], ("-x 1 -y", "too slow with the defaults"))
        plans, excluded = rig.regression_plans(["a", "b", "c", "d", "x86_64/e"], rules, 3, 300)
        self.assertEqual(excluded, [("b", "cannot run here")])
        self.assertEqual(len(plans), 2)
        lines = [line.split(None, 2) for p in plans for line in p.splitlines()]
        self.assertEqual(lines, [["a", "300", "./a"], ["c", "300", "./c -x 1 -y"],
                                 ["d", "900", "./d"], ["x86_64/e", "300", "./e"]])

    def test_qemu_rules_boot_apart(self):
        path = data_file(self, 'qemu c "-icount shift=0" clock test\n')
        plans, _ = rig.regression_plans(["a", "b", "c"], rig.read_regression_rules(path), 8, 300)
        self.assertEqual(len(plans), 2)
        self.assertNotIn("#qemu", plans[0])
        self.assertTrue(plans[1].startswith("#qemu: -icount shift=0\n"))
        f = data_file(self, plans[1])
        self.assertEqual(rig.read_plan_qemu_args(f), ["-icount", "shift=0"])
        self.assertEqual([t[0] for t in rig.read_plan(f)], ["c"])

    def test_version_rules(self):
        path = data_file(self, 'exclude@6.12 a - broken in 6.12 only\n'
                          'timeout b 900 slow everywhere\n')
        self.assertEqual(set(rig.read_regression_rules(path, "6.12")), {"a", "b"})
        self.assertEqual(set(rig.read_regression_rules(path, "6.1")), {"b"})
        path = data_file(self, 'exclude@6.12,6.1 a - gone in mainline\n')
        self.assertEqual(set(rig.read_regression_rules(path, "6.1")), {"a"})
        self.assertEqual(set(rig.read_regression_rules(path, "7.2")), set())

    def test_mainline_names_map_to_the_tree(self):
        old_tree, new_tree = ["x86_64/a", "b"], ["x86/a", "b"]
        self.assertEqual(rig.tree_test_name("x86/a", old_tree), "x86_64/a")
        self.assertEqual(rig.tree_test_name("x86/a", new_tree), "x86/a")
        self.assertEqual(rig.tree_test_name("b", old_tree), "b")

    def test_bad_rules(self):
        for text in ("exclude onlytwo\n", "skip a - why\n", "timeout a soon because\n",
                     "exclude@ a - no version\n", "exclude a - one\nexclude a - two\n"):
            with self.assertRaises(SystemExit, msg=text):
                rig.read_regression_rules(data_file(self, text))


class Cpio(unittest.TestCase):
    def test_newc_archive_lists_with_cpio(self):
        import subprocess
        with tempfile.TemporaryDirectory() as d:
            out = os.path.join(d, "a.cpio")
            cpio.write(out, [("rig", None, 0o755), ("rig/cmd", b"echo hi\n", 0o644),
                             ("rig/odd", b"x" * 5, 0o755)])
            with open(out, "rb") as f:
                listing = subprocess.run(["cpio", "-it", "--quiet"], stdin=f, capture_output=True,
                                         text=True, check=True).stdout.split()
            self.assertEqual(listing, ["rig", "rig/cmd", "rig/odd"])
            ex = os.path.join(d, "x")
            os.mkdir(ex)
            with open(out, "rb") as f:
                subprocess.run(["cpio", "-id", "--quiet"], stdin=f, cwd=ex, check=True)
            with open(os.path.join(ex, "rig/cmd")) as f:
                self.assertEqual(f.read(), "echo hi\n")
            self.assertTrue(os.access(os.path.join(ex, "rig/odd"), os.X_OK))


if __name__ == "__main__":
    unittest.main()


class KernelAppend(unittest.TestCase):
    def test_version_and_cell_select_words_in_order(self):
        f = rig.read_kernel_append(data_file(
            self, "# c\n6.1  ept4-*  a=1  why\n*  ept4-pa52  b=2  why two\n6.12  *  c=3  other\n"))
        self.assertEqual(f("6.1", "ept4-pa52"), "a=1 b=2")
        self.assertEqual(f("6.1", "ept4-pa40"), "a=1")
        self.assertEqual(f("7.2", "ept4-pa52"), "b=2")
        self.assertEqual(f("7.2", "npt4-pa52"), "")

    def test_a_line_needs_a_reason(self):
        with self.assertRaises(SystemExit):
            rig.read_kernel_append(data_file(self, "6.1  ept4-*  a=1\n"))

    def test_the_rigs_own_file(self):
        f = rig.read_kernel_append()
        self.assertIn("fsrm", f("6.1", "ept4-pa40"))
        self.assertEqual(f("6.12", "ept4-pa52"), "")
        self.assertEqual(f("6.1", "npt4-pa52"), "")


class Bench(unittest.TestCase):
    """bench.py's summary: medians, the ratio and the spread it reports."""

    def setUp(self):
        import bench
        self.bench = bench

    def test_paired_ratio_medians_and_larger_spread(self):
        runs = {"base": {n: {"memslot": v} for n, v in enumerate((100.0, 101.0, 99.0))},
                "patched": {n: {"memslot": v} for n, v in enumerate((102.0, 102.0, 102.5))}}
        row = [r for r in self.bench.summarize("7.2", "npt4-pa52", runs) if r["workload"] == "memslot"][0]
        self.assertEqual((row["median_unpatched"], row["median_patched"]), (100.0, 102.0))
        # Rounds pair up: 102/100, 102/101, 102.5/99; the median is 1.02.
        self.assertAlmostEqual(row["ratio"], 1.02)
        self.assertAlmostEqual(row["ratio_of_medians"], 1.02)
        self.assertAlmostEqual(row["spread"], 0.02)           # unpatched: (101 - 99) / 100
        self.assertAlmostEqual(row["spread_patched"], 0.5 / 102)

    def test_rounds_pair_by_number_not_by_arrival(self):
        # A noisy environment that both kernels of a round share cancels in
        # the paired ratio, whatever order the boots finished in.
        runs = {"base": {2: {"fault_in": 300.0}, 0: {"fault_in": 100.0}, 1: {"fault_in": 200.0}},
                "patched": {0: {"fault_in": 101.0}, 1: {"fault_in": 202.0}, 2: {"fault_in": 303.0}}}
        row = [r for r in self.bench.summarize("6.1", "npt4-pa52", runs) if r["workload"] == "fault_in"][0]
        self.assertAlmostEqual(row["ratio"], 1.01)
        self.assertEqual(row["unpatched"], [100.0, 200.0, 300.0])
        self.assertAlmostEqual(row["ratio_of_medians"], 1.01)

    def test_workload_missing_in_one_boot_gets_no_ratio(self):
        runs = {"base": {0: {"memslot": 1.0}, 1: {}}, "patched": {0: {"memslot": 1.0}, 1: {"memslot": 1.0}}}
        row = [r for r in self.bench.summarize("6.1", "npt5-pa52", runs) if r["workload"] == "memslot"][0]
        self.assertNotIn("ratio", row)
        self.assertEqual(row["unpatched"], [1.0])

    def test_workload_lines_are_found_in_rig_bench_output(self):
        out = ("bench: memslot 31415.5\nbench: check_ext 812.0\nbench: fault_in 9000.2\n"
               "bench: dirty_fault 4000.0\nbench: mapped_pass 30.1\n"
               "bench: mapped_pass_setw 30.2\nbench: fault_in_setw 9000.7\n"
               "bench: dirty_fault_setw 4000.5\n"
               "bench: exit_ns_below_width 50000\nbench: exit_ns_above_width 51000\n")
        import re
        found = {n: float(re.search(rx, out, re.M).group(1)) for n, rx, _ in self.bench.WORKLOADS}
        self.assertEqual(found["memslot"], 31415.5)
        self.assertEqual(found["exit_above"], 51000.0)
        # "fault_in" must not match the set-width VM's line, nor the reverse.
        self.assertEqual(found["fault_in"], 9000.2)
        self.assertEqual(found["fault_in_setw"], 9000.7)
        self.assertEqual(len(found), len(self.bench.WORKLOADS))


class BochsCpu(unittest.TestCase):
    """A Bochs cell's CPU names the model and the width its bochsrc sets."""

    def test_spec(self):
        import bochs_boot
        self.assertEqual(bochs_boot.cpu_spec("tigerlake,phys-bits=40"), ("tigerlake", "40", "0"))
        self.assertEqual(bochs_boot.cpu_spec("tigerlake"), ("tigerlake", "52", "0"))
        self.assertEqual(bochs_boot.cpu_spec("tigerlake,phys-bits=52,ept-5level"), ("tigerlake", "52", "1"))
        for bad in ("tigerlake,phys-bits=53", "tigerlake,phys-bits=35", "tigerlake,la57=off",
                    "tigerlake,phys-bits=", "tiger lake", "tigerlake,ept-5level=1"):
            with self.assertRaises(SystemExit, msg=bad):
                bochs_boot.cpu_spec(bad)

    def test_bochsrc_sets_width(self):
        import bochs_boot
        with tempfile.TemporaryDirectory() as d:
            # The BIOS images of a Bochs install, so that the test does not
            # depend on Debian's bochsbios, which only the Bochs build
            # installs and which make check may not have reached yet.
            share = os.path.join(d, "root", "share", "bochs")
            os.makedirs(share)
            for name in ("BIOS-bochs-latest", "VGABIOS-lgpl-latest"):
                open(os.path.join(share, name), "w").close()
            path = bochs_boot.write_bochsrc(os.path.join(d, "root", "bin", "bochs"), os.path.join(d, "x.iso"),
                                            d, model="tigerlake,phys-bits=40")
            with open(path) as f:
                cpu = [l for l in f if l.startswith("cpu:")]
        self.assertEqual(len(cpu), 1)
        self.assertIn("model=tigerlake, phy_addr_width=40, ept_5level=0,", cpu[0])

    def test_every_bochs_cell_parses(self):
        import bochs_boot
        for name, c in rig.read_cells().items():
            if c["emulator"] == "bochs":
                model, bits, _ = bochs_boot.cpu_spec(c["cpu"])
                # KVM's width (N) is at most the CPU's MAXPHYADDR
                self.assertLessEqual(c["bits"], int(bits), name)


class BootOrder(unittest.TestCase):
    def test_bochs_then_shadow_then_npt(self):
        cells = rig.read_cells()
        order = sorted(cells, key=lambda c: rig.boot_weight(cells[c]))
        kinds = [("bochs" if cells[c]["emulator"] != "qemu" else
                  "shadow" if "npt=0" in cells[c]["append"] else "npt") for c in order]
        self.assertEqual(kinds, sorted(kinds, key=["bochs", "shadow", "npt"].index))
        self.assertEqual(kinds[0], "bochs")
        self.assertEqual(kinds[-1], "npt")


class CpuSummary(unittest.TestCase):
    def test_sums_per_step_and_skips_what_does_not_parse(self):
        import cpu_summary
        path = data_file(self, "kernel-7.2\t100.5\t20.0\t300\n"
                               "Command terminated by signal 15\n"
                               "kernel-7.2\t10\t5\t30\n"
                               "bochs\t50\t10\t900\n"
                               "bochs\tx\t1\t2\n")
        steps = cpu_summary.read(path)
        self.assertEqual(steps["kernel-7.2"], [110.5, 25.0, 330.0, 2])
        self.assertEqual(steps["bochs"], [50.0, 10.0, 900.0, 1])
        lines = cpu_summary.report(steps)
        # Largest first, with its share of all timed CPU (135.5 of 195.5 s).
        self.assertIn("kernel-7.2", lines[1])
        self.assertIn("69.3%", lines[1])
        self.assertIn("bochs", lines[2])
        self.assertTrue(lines[-1].split()[-2:] == ["160", "35"], lines[-1])

    def test_a_missing_log_reports_nothing(self):
        import cpu_summary
        self.assertEqual(cpu_summary.report(cpu_summary.read("/nonexistent/cpu.txt")), [])
        self.assertEqual(cpu_summary.main(["x", "/nonexistent/cpu.txt"]), 0)
