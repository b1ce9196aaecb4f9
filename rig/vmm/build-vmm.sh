#!/bin/sh
# Collect what the real-VMM test (rig/vmm/vmm-test) needs in the guest into
# OUTDIR: Debian's qemu-system-x86_64 with its shared libraries and dynamic
# loader (run through the loader, so the guest needs no /lib), the firmware
# it loads (SeaBIOS, the multiboot and linuxboot option ROMs), and the L2
# payload built here.
# usage: build-vmm.sh OUTDIR [QEMU-BINARY [FIRMWARE-DIR...]]
set -eu
out=$1
qemu=${2:-/usr/bin/qemu-system-x86_64}
here=$(dirname "$(readlink -f "$0")")
[ -x "$qemu" ] || { echo "build-vmm: no $qemu (apt-get install qemu-system-x86)" >&2; exit 1; }
rm -rf "$out.tmp"
mkdir -p "$out.tmp/lib" "$out.tmp/fw"
cp "$qemu" "$out.tmp/qemu-system-x86_64"
ldd "$qemu" | awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' | while read -r lib; do
	cp -L "$lib" "$out.tmp/lib/"
done
[ -f "$out.tmp/lib/ld-linux-x86-64.so.2" ] || { echo "build-vmm: no dynamic loader found by ldd" >&2; exit 1; }
# SeaBIOS comes from the seabios package; the option ROMs from qemu's.
for f in /usr/share/seabios/bios-256k.bin /usr/share/qemu/multiboot_dma.bin \
	/usr/share/qemu/linuxboot_dma.bin /usr/share/qemu/kvmvapic.bin; do
	[ -f "$f" ] || { echo "build-vmm: missing firmware $f" >&2; exit 1; }
	cp -L "$f" "$out.tmp/fw/"
done
cflags="-m32 -march=i686 -ffreestanding -fno-pic -fno-pie -fno-stack-protector
	-fno-asynchronous-unwind-tables -mgeneral-regs-only -O2 -Wall -Wextra -Werror"
gcc $cflags -c "$here/l2-payload.c" -o "$out.tmp/l2-payload.o"
gcc -m32 -c "$here/l2-entry.S" -o "$out.tmp/l2-entry.o"
ld -m elf_i386 -nostdlib -T "$here/l2.ld" -o "$out.tmp/l2-payload.elf" \
	"$out.tmp/l2-entry.o" "$out.tmp/l2-payload.o"
rm -f "$out.tmp"/*.o
cp "$here/vmm-test" "$out.tmp/"
rm -rf "$out"
mv "$out.tmp" "$out"
