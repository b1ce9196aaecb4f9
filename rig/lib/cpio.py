"""Write a newc cpio archive (the initramfs format) without external tools."""
import os
import stat


def _hdr(ino, mode, size, name, nlink=1):
    fields = [ino, mode, 0, 0, nlink, 0, size, 0, 0, 0, 0, len(name) + 1, 0]
    return ("070701" + "".join("%08X" % f for f in fields)).encode()


def _pad(n):
    return b"\0" * ((4 - n % 4) % 4)


def write(out, entries):
    """entries: list of (path_in_archive, bytes or None for a directory, mode)."""
    ino = 1
    with open(out, "wb") as f:
        for name, data, mode in entries + [("TRAILER!!!", b"", 0)]:
            bname = name.encode()
            if data is None:
                mode = stat.S_IFDIR | (mode or 0o755)
                data = b""
            elif name != "TRAILER!!!":
                mode = stat.S_IFREG | (mode or 0o644)
            h = _hdr(ino, mode, len(data), bname, 2 if stat.S_ISDIR(mode) else 1)
            f.write(h + bname + b"\0" + _pad(len(h) + len(bname) + 1))
            f.write(data + _pad(len(data)))
            ino += 1


def tree_entries(src, prefix):
    """Entries for every file under directory `src`, placed under `prefix`."""
    entries = []
    for root, dirs, files in os.walk(src):
        dirs.sort()
        rel = os.path.relpath(root, src)
        base = prefix if rel == "." else prefix + "/" + rel
        entries.append((base, None, 0o755))
        for fn in sorted(files):
            p = os.path.join(root, fn)
            with open(p, "rb") as fh:
                entries.append((base + "/" + fn, fh.read(), os.stat(p).st_mode & 0o777))
    return entries
