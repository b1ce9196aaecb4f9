"""README.md and docs/*.md: every relative link resolves, and the front page
stays a front page (at most 150 lines)."""
import glob
import os
import re
import shutil
import tempfile
import unittest
import urllib.parse

RIG = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TOP = os.path.dirname(RIG)
README_MAX_LINES = 150

# [text](target) and ![alt](target); the target may be <...> and may carry
# a "title".  Reference-style definitions: [label]: target
INLINE = re.compile(r"!?\[(?:[^\[\]]|\[[^\]]*\])*\]\(\s*(<[^>]*>|[^)\s]+)(?:\s+\"[^\"]*\")?\s*\)")
REFDEF = re.compile(r"^\s{0,3}\[[^\]]+\]:\s*(<[^>]*>|\S+)")
FENCE = re.compile(r"^\s{0,3}(`{3,}|~{3,})")
HEADING = re.compile(r"^\s{0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
CODESPAN = re.compile(r"(`+)(.+?)\1")


def doc_files():
    files = [os.path.join(TOP, "README.md")]
    files += sorted(glob.glob(os.path.join(TOP, "docs", "*.md")))
    return [f for f in files if os.path.isfile(f)]


def prose_lines(text):
    """(line number, line) outside fenced code blocks."""
    fence = None
    for n, line in enumerate(text.splitlines(), 1):
        m = FENCE.match(line)
        if m:
            mark = m.group(1)
            if fence is None:
                fence = mark[0] * len(mark)
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = None
            continue
        if fence is None:
            yield n, line


def slug(heading):
    """GitHub's anchor for a heading's text."""
    text = re.sub(r"!?\[([^\]]*)\]\([^)]*\)", r"\1", heading)   # links: their text
    text = text.replace("`", "").lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def anchors(path):
    seen = {}
    out = set()
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for _, line in prose_lines(text):
        m = HEADING.match(line)
        if not m:
            continue
        s = slug(m.group(2))
        if s in seen:
            seen[s] += 1
            out.add("%s-%d" % (s, seen[s]))
        else:
            seen[s] = 0
            out.add(s)
    return out


def links(path):
    """(line number, target) of every link in the file's prose."""
    with open(path, encoding="utf-8") as f:
        text = f.read()
    for n, line in prose_lines(text):
        m = REFDEF.match(line)
        if m:
            yield n, m.group(1).strip("<>")
            continue
        line = CODESPAN.sub("", line)
        for m in INLINE.finditer(line):
            yield n, m.group(1).strip("<>")


def is_external(target):
    return bool(re.match(r"^[a-zA-Z][a-zA-Z0-9+.-]*:", target)) or target.startswith("//")


def problems(path, root=TOP):
    """What is wrong with the relative links of one file under root."""
    bad = []
    here = os.path.dirname(path)
    for n, target in links(path):
        if is_external(target):
            continue
        where = "%s:%d: %s" % (os.path.relpath(path, root), n, target)
        file_part, _, frag = target.partition("#")
        file_part = urllib.parse.unquote(file_part)
        dest = os.path.normpath(os.path.join(here, file_part)) if file_part else path
        if not os.path.exists(dest):
            bad.append(where + ": no such file")
            continue
        real, top = os.path.realpath(dest), os.path.realpath(root)
        if real != top and not real.startswith(top + os.sep):
            bad.append(where + ": outside the repository")
            continue
        if frag and dest.endswith(".md"):
            if urllib.parse.unquote(frag).lower() not in anchors(dest):
                bad.append(where + ": no heading #" + frag)
    return bad


class Slug(unittest.TestCase):
    def test_github_rules(self):
        self.assertEqual(slug("What `make run` prints"), "what-make-run-prints")
        self.assertEqual(slug("QEMU as the VMM (`qemu_vmm`)"), "qemu-as-the-vmm-qemu_vmm")
        self.assertEqual(slug("Regression: all upstream x86 selftests (`make regression`)"),
                         "regression-all-upstream-x86-selftests-make-regression")


class Links(unittest.TestCase):
    def test_files_exist(self):
        self.assertTrue(os.path.isfile(os.path.join(TOP, "README.md")))
        self.assertTrue(glob.glob(os.path.join(TOP, "docs", "*.md")))

    def test_every_relative_link_resolves(self):
        bad = []
        for path in doc_files():
            bad += problems(path)
        self.assertEqual(bad, [], "broken links:\n" + "\n".join(bad))

    def test_readme_is_a_front_page(self):
        with open(os.path.join(TOP, "README.md"), encoding="utf-8") as f:
            n = len(f.read().splitlines())
        self.assertLessEqual(n, README_MAX_LINES,
                             "README.md has %d lines; details belong in docs/" % n)

    def test_checker_catches_breakage(self):
        d = tempfile.mkdtemp()
        try:
            a = os.path.join(d, "a.md")
            b = os.path.join(d, "b.md")
            with open(b, "w") as f:
                f.write("# Title\n\n## Some `code` here\n\n## Some `code` here\n")
            with open(a, "w") as f:
                f.write("[ok](b.md) [ok](b.md#title) [ok](b.md#some-code-here-1)\n"
                        "[ok](#self) [ext](https://example.org/x) `[code](nope.md)`\n"
                        "```\n[fenced](nope.md)\n```\n"
                        "# Self\n"
                        "[bad](missing.md) [bad](b.md#nope) [bad](#nope) [bad](../x.md)\n")
            got = problems(a, root=d)
            self.assertEqual(len(got), 4, got)
            self.assertTrue(all(":7: " in p for p in got), got)
        finally:
            shutil.rmtree(d)


if __name__ == "__main__":
    unittest.main()
