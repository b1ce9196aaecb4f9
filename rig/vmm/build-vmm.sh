#!/bin/sh
# Collect what the real-VMM test (rig/vmm/vmm-test) needs in the guest into
# OUTDIR: for each QEMU given (a root directory holding usr/bin/
# qemu-system-x86_64, usr/share/qemu and usr/share/seabios: / for the
# system's), OUTDIR/qemu-<version>/ with the binary and the firmware it
# loads (SeaBIOS, the multiboot and linuxboot option ROMs); their shared
# libraries and dynamic loader in OUTDIR/lib (QEMU runs through the loader,
# so the guest needs no /lib); and the L2 payload built here.
# usage: build-vmm.sh OUTDIR ROOT...
set -eu
out=$1; shift
here=$(dirname "$(readlink -f "$0")")
rm -rf "$out.tmp"
mkdir -p "$out.tmp/lib"
for root in "$@"; do
	qemu=$root/usr/bin/qemu-system-x86_64
	[ -x "$qemu" ] || { echo "build-vmm: no $qemu (apt-get install qemu-system-x86)" >&2; exit 1; }
	libdir=$root/usr/lib/x86_64-linux-gnu
	ver=$(LD_LIBRARY_PATH=$libdir "$qemu" --version | sed -n '1s/^QEMU emulator version \([0-9.]*\).*/\1/p')
	[ -n "$ver" ] || { echo "build-vmm: $qemu --version says no version" >&2; exit 1; }
	d=$out.tmp/qemu-$ver
	mkdir -p "$d/fw"
	cp "$qemu" "$d/qemu-system-x86_64"
	LD_LIBRARY_PATH=$libdir "$qemu" --version | head -1 > "$d/version"
	LD_LIBRARY_PATH=$libdir ldd "$qemu" > "$out.tmp/ldd"
	! grep 'not found' "$out.tmp/ldd" >&2 || { echo "build-vmm: $qemu misses libraries" >&2; exit 1; }
	awk '/=> \//{print $3} /^\t\/.*ld-linux/{print $1}' "$out.tmp/ldd" | while read -r lib; do
		cp -L "$lib" "$out.tmp/lib/"
	done
	for f in seabios/bios-256k.bin qemu/multiboot_dma.bin qemu/linuxboot_dma.bin qemu/kvmvapic.bin; do
		[ -f "$root/usr/share/$f" ] || { echo "build-vmm: missing firmware $root/usr/share/$f" >&2; exit 1; }
		cp -L "$root/usr/share/$f" "$d/fw/"
	done
done
rm -f "$out.tmp/ldd"
[ -f "$out.tmp/lib/ld-linux-x86-64.so.2" ] || { echo "build-vmm: no dynamic loader found by ldd" >&2; exit 1; }
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
