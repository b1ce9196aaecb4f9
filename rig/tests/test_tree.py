"""prepare-tree.sh and export-patches.sh on a small stand-in for the kernel
tarball: the round trip between a git tree and patches/<ver>/."""
import os
import shutil
import subprocess
import tarfile
import tempfile
import time
import unittest

RIG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


class Tree(unittest.TestCase):
    def setUp(self):
        self.d = tempfile.mkdtemp()
        top = os.path.join(self.d, "linux-source-9.9")
        os.makedirs(os.path.join(top, "kvm"))
        with open(os.path.join(top, "kvm", "mmu.c"), "w") as f:
            f.write("".join("line %d\n" % i for i in range(40)))
        for rel in ("drivers/gpu/drm/amd/include/asic_reg/gc.h", "arch/arm/Kconfig",
                    "arch/x86/Kconfig", "arch/Kconfig"):
            os.makedirs(os.path.dirname(os.path.join(top, rel)), exist_ok=True)
            with open(os.path.join(top, rel), "w") as f:
                f.write(rel + "\n")
        with open(os.path.join(top, ".gitignore"), "w") as f:
            f.write("/*\n")       # like Debian's: ignore everything
        self.tarball = os.path.join(self.d, "src.tar.xz")
        with tarfile.open(self.tarball, "w:xz") as t:
            t.add(top, arcname="linux-source-9.9")
        self.src = os.path.join(self.d, "tree")
        self.pdir = os.path.join(self.d, "patches")
        os.makedirs(self.pdir)
        self.env = dict(os.environ, RIG_TARBALL=self.tarball)

    def tearDown(self):
        shutil.rmtree(self.d)

    def run_rig(self, script, *args, ok=True):
        p = subprocess.run([os.path.join(RIG, script)] + list(args), env=self.env,
                           capture_output=True, text=True)
        if ok:
            self.assertEqual(p.returncode, 0, p.stdout + p.stderr)
        return p

    def git(self, *args):
        return subprocess.run(["git", "-C", self.src, "-c", "user.name=t", "-c", "user.email=t@t"]
                              + list(args), capture_output=True, text=True, check=True).stdout

    def edit_and_commit(self, old, new, msg):
        path = os.path.join(self.src, "kvm", "mmu.c")
        with open(path) as f:
            text = f.read()
        with open(path, "w") as f:
            f.write(text.replace(old, new))
        self.git("commit", "-qam", msg)

    def patches(self):
        out = {}
        for n in sorted(os.listdir(self.pdir)):
            with open(os.path.join(self.pdir, n)) as f:
                out[n] = f.read()
        return out

    def test_round_trip(self):
        self.run_rig("prepare-tree.sh", "9.9", self.src, self.pdir)
        self.assertIn("untouched", self.git("log", "-1", "--format=%s", "rig-base"))
        self.edit_and_commit("line 5\n", "line five\n", "kvm: first change")
        self.edit_and_commit("line 30\n", "line thirty\n", "kvm: second change")
        self.run_rig("export-patches.sh", self.src, self.pdir)
        first = self.patches()
        self.assertEqual(first["series"].split(),
                         ["0001-kvm-first-change.patch", "0002-kvm-second-change.patch"])
        # No churn: exporting again, or after a rebuild of the tree, changes nothing.
        self.run_rig("export-patches.sh", self.src, self.pdir)
        self.assertEqual(self.patches(), first)
        shutil.rmtree(self.src)
        p = self.run_rig("prepare-tree.sh", "9.9", self.src, self.pdir)
        self.assertIn("applied 0002-kvm-second-change.patch", p.stdout)
        with open(os.path.join(self.src, "kvm", "mmu.c")) as f:
            self.assertIn("line thirty", f.read())
        self.run_rig("export-patches.sh", self.src, self.pdir)
        self.assertEqual(self.patches(), first)

    def test_sparse_trees(self):
        """The worktrees leave out rig/sparse-checkout's paths, the base
        commit keeps them, and patches still apply and export."""
        def present(tree):
            return {rel: os.path.exists(os.path.join(tree, rel)) for rel in
                    ("drivers/gpu/drm/amd/include/asic_reg/gc.h", "arch/arm/Kconfig",
                     "arch/x86/Kconfig", "arch/Kconfig", "kvm/mmu.c")}
        want = {"drivers/gpu/drm/amd/include/asic_reg/gc.h": False, "arch/arm/Kconfig": True,
                "arch/x86/Kconfig": True, "arch/Kconfig": True, "kvm/mmu.c": True}
        self.run_rig("prepare-tree.sh", "9.9", self.src, self.pdir)
        self.assertEqual(present(self.src), want)
        self.assertIn("asic_reg/gc.h", self.git("ls-tree", "-r", "--name-only", "rig-base"))
        self.assertEqual(self.git("status", "--porcelain"), "")
        self.edit_and_commit("line 5\n", "line five\n", "kvm: change")
        self.run_rig("export-patches.sh", self.src, self.pdir)
        self.assertEqual(self.patches()["series"].split(), ["0001-kvm-change.patch"])
        wt = self.src + "-base"
        self.run_rig("worktree.sh", "add", self.src, wt, "rig-base")
        self.assertEqual(present(wt), want)
        with open(os.path.join(wt, "kvm", "mmu.c")) as f:
            self.assertIn("line 5\n", f.read())
        st = subprocess.run(["git", "-C", wt, "status", "--porcelain"], capture_output=True,
                            text=True, check=True).stdout
        self.assertEqual(st, "")

    def test_seeded_tree_rebuilds_only_what_differs(self):
        """seed-tree.sh: the unpatched tree, seeded with the patched tree's
        build, rebuilds exactly the outputs of what the series changed, and
        ends up with the unpatched tree's sources and outputs."""
        self.run_rig("prepare-tree.sh", "9.9", self.src, self.pdir)
        self.edit_and_commit("line 5\n", "line five\n", "kvm: change")
        with open(os.path.join(self.src, "kvm", "new.c"), "w") as f:
            f.write("only in the patched tree\n")
        self.git("add", "-f", "kvm/new.c")
        self.git("commit", "-qm", "kvm: add a file")
        wt = self.src + "-base"
        self.run_rig("worktree.sh", "add", self.src, wt, "rig-base")
        # A stand-in for kbuild (untracked, like the build's own files):
        # each output records the rule that made it.
        mk = ("all: vmlinux\n"
              "kvm/mmu.o: kvm/mmu.c\n\techo made $@ >>log; cp $< $@\n"
              "arch/x86/Kconfig.o: arch/x86/Kconfig\n\techo made $@ >>log; cp $< $@\n"
              "vmlinux: kvm/mmu.o arch/x86/Kconfig.o\n\techo made $@ >>log; cat $^ >$@\n")
        with open(os.path.join(self.src, "Makefile.rig"), "w") as f:
            f.write(mk)
        old = time.time() - 100
        for root, dirs, files in os.walk(self.src):
            dirs[:] = [d for d in dirs if d != ".git"]
            for n in files:
                os.utime(os.path.join(root, n), (old, old))
        with open(os.path.join(self.src, ".config"), "w") as f:
            f.write("configured after the unpatched tree's checkout\n")
        subprocess.run(["make", "-r", "-s", "-C", self.src, "-f", "Makefile.rig"], check=True)
        p = self.run_rig("seed-tree.sh", self.src, wt)
        # Only the build's files were copied: the sources keep their checkout.
        kconfig = os.path.join("arch", "x86", "Kconfig")
        self.assertGreater(os.stat(os.path.join(wt, kconfig)).st_mtime, old + 50)
        self.assertIn("seed-tree:", p.stdout)
        self.assertFalse(os.path.exists(os.path.join(wt, "kvm", "new.c")))
        def rebuilt(tree):	# what make remade there after the seed
            os.remove(os.path.join(tree, "log"))
            subprocess.run(["make", "-r", "-s", "-C", tree, "-f", "Makefile.rig"], check=True)
            with open(os.path.join(tree, "log")) as f:
                return f.read().split("\n")[:-1]
        self.assertEqual(rebuilt(wt), ["made kvm/mmu.o", "made vmlinux"])
        with open(os.path.join(wt, "vmlinux")) as f:
            v = f.read()
        self.assertIn("line 5\n", v)
        self.assertNotIn("line five", v)
        st = subprocess.run(["git", "-C", wt, "status", "--porcelain", "--untracked-files=no"],
                            capture_output=True, text=True, check=True).stdout
        self.assertEqual(st, "")
        # A tree that has built before is left alone; a dirty one is refused.
        p = self.run_rig("seed-tree.sh", self.src, wt)
        self.assertEqual(p.stdout, "")
        # One checked out after the build (its sources newer than the
        # objects) is seeded with the sources too, and rebuilds no more.
        wt3 = self.src + "-later"
        self.run_rig("worktree.sh", "add", self.src, wt3, "rig-base")
        self.run_rig("seed-tree.sh", self.src, wt3)
        self.assertEqual(os.stat(os.path.join(wt3, kconfig)).st_mtime, old)
        self.assertEqual(rebuilt(wt3), ["made kvm/mmu.o", "made vmlinux"])
        with open(os.path.join(wt3, "vmlinux")) as f:
            self.assertNotIn("line five", f.read())
        wt2 = self.src + "-each"
        self.run_rig("worktree.sh", "add", self.src, wt2, "rig-base")
        with open(os.path.join(wt2, "kvm", "mmu.c"), "a") as f:
            f.write("an edit\n")
        p = self.run_rig("seed-tree.sh", self.src, wt2, ok=False)
        self.assertEqual(p.returncode, 1)
        self.assertIn("uncommitted edits", p.stderr)

    def test_disk_check(self):
        """Refuses with the figures when the build folder's disk is too small,
        counting only the versions whose trees are not there yet."""
        b = os.path.join(self.d, "build")
        env = dict(self.env, RIG_DISK_SLACK_MB="0", RIG_DISK_PER_VERSION_MB="1")
        p = subprocess.run([os.path.join(RIG, "disk-check.sh"), b, "9.9"], env=env,
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        env["RIG_DISK_PER_VERSION_MB"] = str(1 << 40)
        p = subprocess.run([os.path.join(RIG, "disk-check.sh"), b, "9.9", "9.8"], env=env,
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1)
        self.assertIn("kernel trees to unpack: 9.9 9.8", p.stderr)
        # make run makes no <ver>-each: only that worktree's share is asked.
        st = os.statvfs(b)
        env["RIG_DISK_PER_VERSION_MB"] = str(2 * st.f_bavail * st.f_frsize // (1 << 20))
        for t in ("9.9/.git", "9.9-base"):
            os.makedirs(os.path.join(b, "src", t))
        p = subprocess.run([os.path.join(RIG, "disk-check.sh"), b, "9.9"], env=env,
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)
        p = subprocess.run([os.path.join(RIG, "disk-check.sh"), b, "9.8"], env=env,
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 1, p.stderr)
        env["RIG_DISK_PER_VERSION_MB"] = str(1 << 40)
        os.makedirs(os.path.join(b, "src", "9.9-each"))
        p = subprocess.run([os.path.join(RIG, "disk-check.sh"), b, "9.9"], env=env,
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 0, p.stderr)

    def test_bad_patch_is_named(self):
        self.run_rig("prepare-tree.sh", "9.9", self.src, self.pdir)
        self.edit_and_commit("line 5\n", "line five\n", "kvm: good")
        self.edit_and_commit("line 30\n", "line thirty\n", "kvm: bad")
        self.run_rig("export-patches.sh", self.src, self.pdir)
        bad = os.path.join(self.pdir, "0002-kvm-bad.patch")
        with open(bad) as f:
            text = f.read()
        with open(bad, "w") as f:
            f.write(text.replace(" line 29\n", " line 29 (not what the tree has)\n"))
        shutil.rmtree(self.src)
        p = self.run_rig("prepare-tree.sh", "9.9", self.src, self.pdir, ok=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("PATCH DOES NOT APPLY: 0002-kvm-bad.patch", p.stderr)

    def test_unexported_work_is_kept(self):
        self.run_rig("prepare-tree.sh", "9.9", self.src, self.pdir)
        self.edit_and_commit("line 5\n", "line five\n", "kvm: exported")
        self.run_rig("export-patches.sh", self.src, self.pdir)
        self.edit_and_commit("line 7\n", "line seven\n", "kvm: not exported yet")
        # Someone else changes the series meanwhile: refuse rather than lose work.
        with open(os.path.join(self.pdir, "series"), "a") as f:
            f.write("")
        os.utime(os.path.join(self.pdir, "series"))
        with open(os.path.join(self.pdir, "0001-kvm-exported.patch"), "a") as f:
            f.write("\n")
        p = self.run_rig("prepare-tree.sh", "9.9", self.src, self.pdir, ok=False)
        self.assertNotEqual(p.returncode, 0)
        self.assertIn("unexported commits", p.stderr)
        self.assertIn("not exported yet", self.git("log", "-1", "--format=%s"))


if __name__ == "__main__":
    unittest.main()


class CheckConfig(unittest.TestCase):
    """check-config.sh: every requested option that olddefconfig dropped or
    kept is named, not only the first."""

    def test_every_bad_option_is_reported(self):
        with tempfile.TemporaryDirectory() as d:
            cfg, frag = os.path.join(d, ".config"), os.path.join(d, "frag.config")
            with open(cfg, "w") as f:
                f.write("CONFIG_A=y\nCONFIG_B=y\nCONFIG_C=y\n# CONFIG_D is not set\n")
            with open(frag, "w") as f:
                f.write("# comment\nCONFIG_A=y\nCONFIG_B=n\nCONFIG_C=n\nCONFIG_D=y\nCONFIG_E=n\n")
            p = subprocess.run([os.path.join(RIG, "check-config.sh"), cfg, frag],
                               capture_output=True, text=True)
            self.assertEqual(p.returncode, 1)
            for opt in ("CONFIG_B=n", "CONFIG_C=n", "CONFIG_D=y"):
                self.assertIn(opt + " requested", p.stderr)
            self.assertNotIn("CONFIG_A", p.stderr)
            self.assertNotIn("CONFIG_E", p.stderr)
            with open(frag, "w") as f:
                f.write("CONFIG_A=y\nCONFIG_E=n\n")
            p = subprocess.run([os.path.join(RIG, "check-config.sh"), cfg, frag],
                               capture_output=True, text=True)
            self.assertEqual((p.returncode, p.stderr), (0, ""))
