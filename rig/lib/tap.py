"""Parse the TAP the guest init writes to its result port."""
import re

_RES = re.compile(r"^(ok|not ok) (\d+) (\S+)(?: # (.*))?$")
_DUR = re.compile(r"duration_ms=(\d+)")


class Parsed:
    def __init__(self):
        self.results = []      # dicts: test, result, duration_ms, detail, output
        self.header = {}       # '# key: value' lines before the plan
        self.planned = None
        self.began = False
        self.ended = False
        self.out = []          # RIG-OUT lines (ad-hoc runs)
        self.exit = None       # RIG-EXIT code (ad-hoc runs)
        self.uname = None


def parse(text):
    p = Parsed()
    pending = []
    for raw in text.splitlines():
        line = raw.rstrip("\r")
        if line.startswith("RIG-BEGIN"):
            p.began = True
            p.uname = line[len("RIG-BEGIN"):].strip() or None
        elif line == "RIG-END":
            p.ended = True
        elif line.startswith("RIG-OUT "):
            p.out.append(line[len("RIG-OUT "):])
        elif line == "RIG-OUT":
            p.out.append("")
        elif line.startswith("RIG-EXIT "):
            try:
                p.exit = int(line.split()[1])
            except (IndexError, ValueError):
                p.exit = None
        elif line.startswith("1.."):
            try:
                p.planned = int(line[3:])
            except ValueError:
                pass
        elif line.startswith("# "):
            body = line[2:]
            if p.planned is None:
                if ": " in body:
                    k, v = body.split(": ", 1)
                    p.header[k.strip()] = v.strip()
            else:
                pending.append(body)
        elif line == "#" and p.planned is not None:
            pending.append("")
        else:
            m = _RES.match(line)
            if not m:
                continue
            status, _, name, directive = m.groups()
            directive = directive or ""
            d = _DUR.search(directive)
            if status == "ok" and directive.startswith("SKIP"):
                result = "skip"
            elif status == "ok":
                result = "ok"
            else:
                result = "not ok"
            detail = _DUR.sub("", directive).strip()
            p.results.append({
                "test": name,
                "result": result,
                "duration_ms": int(d.group(1)) if d else None,
                "detail": detail,
                "output": pending,
            })
            pending = []
    return p
