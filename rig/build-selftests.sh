#!/bin/sh
# Build the named KVM selftests (static, so the busybox initramfs needs no
# libc) and copy them, flattened, to OUTDIR.
# usage: build-selftests.sh TREE OUTDIR TEST...   (TEST as in the KVM Makefile,
#        e.g. set_memory_region_test or x86_64/cpuid_test)
set -eu
tree=$(readlink -f "$1") out=$2; shift 2
kdir=$tree/tools/testing/selftests/kvm
export CCACHE_DIR="${CCACHE_DIR:-$(dirname "$(readlink -f "$0")")/../build/ccache}"
rig=$(dirname "$(readlink -f "$0")")
targets="" progs="" names=""
for t in "$@"; do
	case $t in
	rig/*)	# one of the rig's programs: rig/progs/<name>.c
		n=${t#rig/}
		cp "$rig/progs/$n.c" "$kdir/x86_64/$n.c"
		progs="$progs x86_64/$n"; t=x86_64/$n ;;
	esac
	targets="$targets $kdir/$t"; names="$names $t"
done
# OUTPUT must be explicit: lib.mk only defaults it at MAKELEVEL 0, and the
# rig calls this from make.
make -s -C "$kdir" -f "$rig/progs/rig-progs.mk" RIG_PROGS="$progs" -j"$(nproc)" \
	OUTPUT="$kdir" CC="ccache gcc" EXTRA_CFLAGS=-static $targets
mkdir -p "$out"
for t in $names; do cp "$kdir/$t" "$out/"; done
