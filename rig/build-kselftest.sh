#!/bin/sh
# Install KVM selftests the way CI systems run them: through the kselftest
# framework (make -C tools/testing/selftests TARGETS=kvm install), static, so
# that run_kselftest.sh can run them in the busybox guest.  Only the named x86
# tests are built and installed, to keep the initramfs small.
# usage: build-kselftest.sh TREE OUTDIR TEST...   (TEST as in Makefile.kvm,
#        e.g. x86/max_gpa_test)
set -eu
# Its make joins make check's jobserver, or runs -j$(nproc) alone (rig/jobs.sh).
. "$(dirname "$(readlink -f "$0")")/jobs.sh"
tree=$(readlink -f "$1") out=$(mkdir -p "$2" && readlink -f "$2"); shift 2
. "$(dirname "$(readlink -f "$0")")/ccache.sh"
rig_ccache "$(dirname "$(dirname "$tree")")"
rm -rf "$out"
# Overriding the per-arch lists on the command line replaces the tree's
# lists; the shared library objects are built as usual.
# The top-level selftests build includes the uapi headers in another order
# than the KVM Makefile alone and warns about it; keep that in a log.
log=$out.log
if ! make -s -C "$tree/tools/testing/selftests" TARGETS=kvm KSFT_INSTALL_PATH="$out" \
	O="$out.build" CC="ccache gcc" EXTRA_CFLAGS=-static $RIG_J \
	TEST_GEN_PROGS_x86="$*" TEST_GEN_PROGS_EXTENDED_x86= TEST_PROGS_x86= install >"$log" 2>&1; then
	grep -v 'warning:\|note:' "$log" | tail -20 >&2
	echo "build-kselftest: the kselftest install failed; see $log" >&2
	exit 1
fi
# The install flattens the tests into kvm/.
for t in "$@"; do
	[ -x "$out/kvm/${t##*/}" ] || { echo "build-kselftest: $t was not installed in $out" >&2; exit 1; }
done
grep -q "^kvm:" "$out/kselftest-list.txt" ||
	{ echo "build-kselftest: no kvm tests in $out/kselftest-list.txt" >&2; exit 1; }
