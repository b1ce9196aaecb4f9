#!/bin/sh
# Build the named KVM selftests (static, so the busybox initramfs needs no
# libc) and copy them, flattened, to OUTDIR.
# usage: build-selftests.sh TREE OUTDIR TEST...   (TEST as in the KVM Makefile,
#        e.g. set_memory_region_test or x86_64/cpuid_test, x86/cpuid_test on 7.x)
# KVMGPA_LIB: the static libkvmgpa that rig/rig_bench links (make tools).
set -eu
# Its make joins make check's jobserver, or runs -j$(nproc) alone (rig/jobs.sh).
. "$(dirname "$(readlink -f "$0")")/jobs.sh"
tree=$(readlink -f "$1") out=$2; shift 2
kdir=$tree/tools/testing/selftests/kvm
rig=$(dirname "$(readlink -f "$0")")
. "$rig/ccache.sh"
rig_ccache "$(dirname "$tree")"
targets="" progs="" names=""
# The x86 tests live in x86_64/ before 7.x and in x86/ since.
adir=x86_64; [ -d "$kdir/x86" ] && adir=x86
for t in "$@"; do
	case $t in
	rig/*)	# one of the rig's programs: rig/progs/<name>.c
		n=${t#rig/}
		cp "$rig/progs/$n.c" "$kdir/$adir/$n.c"
		progs="$progs $adir/$n"; t=$adir/$n ;;
	esac
	targets="$targets $kdir/$t"; names="$names $t"
done
case " $progs " in
*/rig_bench\ *)
	[ -f "${KVMGPA_LIB:-}" ] || { echo "build-selftests: rig_bench links libkvmgpa: KVMGPA_LIB='${KVMGPA_LIB:-}' is not the static library (make tools builds it)" >&2; exit 1; } ;;
esac
# OUTPUT must be explicit: lib.mk only defaults it at MAKELEVEL 0, and the
# rig calls this from make.
make -s -C "$kdir" -f "$rig/progs/rig-progs.mk" RIG_PROGS="$progs" $RIG_J \
	OUTPUT="$kdir" CC="ccache gcc" EXTRA_CFLAGS=-static \
	RIG_KVMGPA_INC="$rig/../kvmgpa/include" RIG_KVMGPA_LIB="${KVMGPA_LIB:-}" $targets
mkdir -p "$out"
for t in $names; do cp "$kdir/$t" "$out/"; done
