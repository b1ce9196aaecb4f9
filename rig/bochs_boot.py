"""Boot a rig kernel and initramfs in Bochs (built by rig/build-bochs.sh).

    boot_bochs(bochs_bin, kernel, initrd_path, append, timeout, workdir)
        -> (console_text, results_text, returncode, timed_out, seconds)

Bochs cannot load a kernel directly the way QEMU's -kernel does, so the
kernel, initramfs and command line go on an isolinux CD image that Bochs
boots from.  COM1 (ttyS0) and COM2 (ttyS1) are files in workdir, as QEMU's
-serial file: ones are in rig.py.  The guest ends with an ACPI poweroff, on
which Bochs exits.  Everything boot_bochs writes stays in workdir (ISO,
bochsrc, serial files, Bochs' log) for the caller to keep or remove.

`append` is the caller's kernel command line (console=ttyS0 rdinit=/init ...);
BOCHS_APPEND is added in front of it, so the caller's arguments win.
"""
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "lib"))
from logscan import read_text  # noqa: E402
TEMPLATE = os.path.join(HERE, "bochs", "bochsrc.in")

IPS = 100000000          # emulated instructions per second (= guest TSC rate)
# The widest MAXPHYADDR rig/build-bochs.sh's build emulates (its WIDTH).
BUILD_PHYS_BITS = 52

# What every Bochs boot needs on the kernel command line:
#  tsc_early_khz   the TSC runs at IPS; without it the kernel calibrates the
#                  TSC against emulated timers and its clock runs ~24x slow
#  clearcpuid      Tiger Lake's PKU and AVX-512 xstate components make the
#                  kernel warn under Bochs' xsave emulation (rig/kernel-append
#                  adds FSRM for 6.1, and says why)
#  reboot=t        reboot (after panic=-1) by triple fault, which Bochs turns
#                  into an exit (bochsrc: reset_on_triple_fault=0) instead of
#                  booting the CD again
BOCHS_APPEND = "tsc_early_khz=%d clearcpuid=pku,avx512f reboot=t" % (IPS // 1000)

BIOS_CANDIDATES = ("/usr/share/bochs/BIOS-bochs-latest",            # Debian bochsbios
                   "{share}/BIOS-bochs-latest")                      # bochs' make install
VGABIOS_CANDIDATES = ("/usr/share/vgabios/vgabios.bin",              # Debian vgabios
                      "{share}/VGABIOS-lgpl-latest")

ISOLINUX_BIN = "/usr/lib/ISOLINUX/isolinux.bin"                      # Debian isolinux
LDLINUX_C32 = "/usr/lib/syslinux/modules/bios/ldlinux.c32"           # Debian syslinux-common

AFTER_END_GRACE = 60     # seconds to wait for the poweroff after RIG-END
POWEROFF = "ACPI control: soft power off"   # Bochs' exit message on ACPI S5


def _pick(candidates, share):
    for c in candidates:
        p = c.format(share=share)
        if os.path.isfile(p):
            return p
    raise SystemExit("bochs_boot: none of %s exists (install bochsbios and vgabios)"
                     % ", ".join(c.format(share=share) for c in candidates))


def make_iso(kernel, initrd_path, append, workdir):
    """An isolinux CD image booting kernel + initrd with `append`; returns its path."""
    for p in (ISOLINUX_BIN, LDLINUX_C32):
        if not os.path.isfile(p):
            raise SystemExit("bochs_boot: missing %s (install isolinux and syslinux-common)" % p)
    if "\n" in append:
        raise SystemExit("bochs_boot: the kernel command line must be one line")
    root = os.path.join(workdir, "iso")
    shutil.rmtree(root, ignore_errors=True)
    os.makedirs(os.path.join(root, "isolinux"))
    shutil.copy(ISOLINUX_BIN, os.path.join(root, "isolinux"))
    shutil.copy(LDLINUX_C32, os.path.join(root, "isolinux"))
    shutil.copy(kernel, os.path.join(root, "vmlinuz"))
    shutil.copy(initrd_path, os.path.join(root, "initrd.img"))
    with open(os.path.join(root, "isolinux", "isolinux.cfg"), "w") as f:
        f.write("DEFAULT rig\nPROMPT 0\nTIMEOUT 0\n"
                "LABEL rig\n  KERNEL /vmlinuz\n  INITRD /initrd.img\n  APPEND %s\n" % append)
    iso = os.path.join(workdir, "boot.iso")
    r = subprocess.run(["xorriso", "-as", "mkisofs", "-quiet", "-R", "-J", "-o", iso,
                        "-b", "isolinux/isolinux.bin", "-c", "isolinux/boot.cat",
                        "-no-emul-boot", "-boot-load-size", "4", "-boot-info-table", root],
                       stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if r.returncode != 0:
        raise SystemExit("bochs_boot: xorriso failed: %s" % r.stderr.decode(errors="replace")[-2000:])
    shutil.rmtree(root, ignore_errors=True)
    return iso


def cpu_spec(spec):
    """"tigerlake,phys-bits=40[,ept-5level]" (a cell's CPU, written as
    QEMU's -cpu is) -> ("tigerlake", "40", "0"): the Bochs model, the
    MAXPHYADDR the bochsrc chooses (cpu: phy_addr_width, rig/bochs/0008;
    without phys-bits the widest the rig's build emulates) and whether EPT
    walks may have 5 levels (cpu: ept_5level, rig/bochs/0009)."""
    model, *opts = spec.split(",")
    bits, ept5 = str(BUILD_PHYS_BITS), "0"
    for o in opts:
        key, _, val = o.partition("=")
        if key == "ept-5level" and not val:
            ept5 = "1"
        elif key == "phys-bits" and val.isdigit() and 36 <= int(val) <= BUILD_PHYS_BITS:
            bits = val
        else:
            raise SystemExit("bochs_boot: CPU %r: the options are phys-bits=36..%d and ept-5level" %
                             (spec, BUILD_PHYS_BITS))
    if not re.fullmatch(r"[a-z0-9_]+", model):
        raise SystemExit("bochs_boot: CPU %r: no Bochs model name" % spec)
    return model, bits, ept5


def write_bochsrc(bochs_bin, iso, workdir, megs=2048, ips=IPS, model="tigerlake"):
    share = os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(bochs_bin))), "share", "bochs")
    model, phys_bits, ept5 = cpu_spec(model)
    values = {"MEGS": str(megs), "IPS": str(ips), "ISO": iso, "MODEL": model, "PHYS_BITS": phys_bits,
              "EPT5": ept5,
              "BIOS": _pick(BIOS_CANDIDATES, share), "VGABIOS": _pick(VGABIOS_CANDIDATES, share),
              "CONSOLE": os.path.join(workdir, "console.log"),
              "RESULTS": os.path.join(workdir, "results.log"),
              "LOG": os.path.join(workdir, "bochs.log")}
    with open(TEMPLATE) as f:
        text = f.read()
    for k, v in values.items():
        if any(c in v for c in ", \n\""):
            raise SystemExit("bochs_boot: %s path %r has a character bochsrc cannot take" % (k, v))
        text = text.replace("@%s@" % k, v)
    if re.search(r"^[^#]*@[A-Z]+@", text, re.M):
        raise SystemExit("bochs_boot: %s has a placeholder boot_bochs does not fill" % TEMPLATE)
    path = os.path.join(workdir, "bochsrc")
    with open(path, "w") as f:
        f.write(text)
    return path


def boot_bochs(bochs_bin, kernel, initrd_path, append, timeout, workdir, megs=2048, model="tigerlake"):
    """Boot once; returns (console_text, results_text, returncode, timed_out, seconds).

    returncode is Bochs' exit status, 0 after the guest's ACPI poweroff (which
    Bochs itself reports as a panic, status 1), None if Bochs had to be killed
    (timeout, reboot, or no poweroff after RIG-END).  Notes on
    an abnormal end (timeout, reboot, Bochs panic) are appended to the
    console text as "[bochs] ..." lines, as rig.py does with QEMU's output."""
    for p in (bochs_bin, kernel, initrd_path):
        if not os.path.isfile(p):
            raise SystemExit("bochs_boot: missing %s" % p)
    workdir = os.path.abspath(workdir)
    os.makedirs(workdir, exist_ok=True)
    con, res = os.path.join(workdir, "console.log"), os.path.join(workdir, "results.log")
    for p in (con, res):
        if os.path.exists(p):
            os.unlink(p)
    iso = make_iso(kernel, initrd_path, ("%s %s" % (BOCHS_APPEND, append)).strip(), workdir)
    bochsrc = write_bochsrc(bochs_bin, iso, workdir, megs, model=model)
    notes = []
    t0 = time.time()
    with open(os.path.join(workdir, "bochs.out"), "wb") as bochs_out:
        proc = subprocess.Popen([os.path.abspath(bochs_bin), "-q", "-f", bochsrc], cwd=workdir,
                                stdin=subprocess.DEVNULL, stdout=bochs_out, stderr=subprocess.STDOUT)
        timed_out, ended_at = False, None
        while proc.poll() is None:
            time.sleep(0.5)
            now = time.time()
            if now - t0 > timeout:
                timed_out = True
                notes.append("no poweroff within %ds: killed" % timeout)
            elif read_text(con).count("Linux version ") > 1:
                notes.append("the guest rebooted: killed")
            elif ended_at is None and "RIG-END" in read_text(res):
                ended_at = now
                continue
            elif ended_at is not None and now - ended_at > AFTER_END_GRACE:
                notes.append("RIG-END but no poweroff within %ds: killed" % AFTER_END_GRACE)
            else:
                continue
            proc.kill()
            proc.wait()
            break
    secs = time.time() - t0
    returncode = None if notes else proc.returncode
    out = read_text(os.path.join(workdir, "bochs.out"))
    # Bochs reports the guest's ACPI poweroff as a panic and exits with 1.
    if returncode == 1 and POWEROFF in out:
        returncode = 0
    console = read_text(con)
    if notes or returncode != 0:
        tail = [l for l in read_text(os.path.join(workdir, "bochs.log")).splitlines()
                if ">>PANIC<<" in l][-5:]
        tail += out.splitlines()[-10:]
        console += "".join("\n[bochs] " + l for l in notes + tail)
        if not console.endswith("\n"):
            console += "\n"
    return console, read_text(res), returncode, timed_out, secs
