#!/bin/sh
# make regression: every upstream x86 KVM selftest of a kernel tree, run
# as rig/regression-rules says, on the unpatched and the patched kernel, in
# one cell, in one run; any difference in pass/fail/skip fails, and so does
# any test that fails on both.
# usage: regression.sh [--build-only] BUILD CELL [VERSION]   (VERSION: 7.2, the default, 6.12 or 6.1)
#   --build-only: only build the tests (make check does that beside its
#                 other builds, so the boots after them need not wait for it)
#   REGRESSION_TIMEOUT: seconds per test without a rule (default 300)
#   REGRESSION_CHUNK: tests per boot (default 12)
set -eu
build_only=no
[ "$1" != --build-only ] || { build_only=yes; shift; }
b=$1 cell=$2 v=${3:-7.2}
rig=$(dirname "$(readlink -f "$0")")
kdir=$b/src/$v/tools/testing/selftests/kvm
# An output directory of its own: the in-tree one is shared with other
# builds, and once held dynamic binaries that make took as up to date.
out=$b/selftests/$v-regression
mkdir -p "$out"
. "$rig/ccache.sh"
rig_ccache "$b"
. "$rig/jobs.sh"
# -k: a test that does not build is reported below (unless a rule excludes
# it), not allowed to stop the others.
mkdir -p "$b/logs"
# -static in CC: 6.1 links some tests without CFLAGS, so EXTRA_CFLAGS is not enough.
mk() { make -C "$kdir" OUTPUT="$out" CC="ccache gcc -static" "$@"; }
mk -s -k $RIG_J > "$b/logs/regression-build-$v.log" 2>&1 ||
	echo "regression: some $v selftests did not build, see $b/logs/regression-build-$v.log"
[ $build_only = no ] || exit 0
# -q: only read the test list. Without it, make -p also remade whatever it
# found out of date, quietly: a cold CI run got every test relinked
# dynamically here (the default CC) after the static build above.
tests=$(mk -s -p -q 2>/dev/null | sed -n 's/^TEST_GEN_PROGS := //p' | tr ' ' '\n' |
	grep / | sed "s|^$out/||" | sort)
[ -n "$tests" ] || { echo "regression: no tests found in $kdir" >&2; exit 1; }

# A few tests per boot: a test that kills the guest costs only its chunk,
# and the two kernels run a chunk side by side (one QEMU per host CPU).
plans=$b/regression
rm -rf "$plans"
# shellcheck disable=SC2086
python3 "$rig/rig.py" regression-plan --version "$v" --out-dir "$plans" --chunk "${REGRESSION_CHUNK:-12}" \
	--timeout "${REGRESSION_TIMEOUT:-300}" $tests

bin=$b/guest/$v-full/bin
rm -rf "$bin" && mkdir -p "$bin"
missing=
for t in $(grep -hv '^#' "$plans"/chunk-*.tests | awk '{print $1}'); do
	# The initramfs has no dynamic loader: a dynamic binary would "not found".
	if [ -x "$out/$t" ] && ! readelf -l "$out/$t" | grep -q INTERP; then
		cp "$out/$t" "$bin/"
	else
		missing="$missing $t"
	fi
done
if [ -n "$missing" ]; then
	echo "regression: not built (or not static):$missing (see $b/logs/regression-build-$v.log)" >&2
	exit 1
fi
cp "$rig"/guest/bin/* "$bin/"
"$rig/mkinitramfs.sh" "$b/guest/$v-full.cpio" "$bin"/*

set --
for plan in "$plans"/chunk-*.tests; do
	set -- "$@" --run "$v" base "$b/src/$v-base/arch/x86/boot/bzImage" "$b/guest/$v-full.cpio" "$plan" \
		--run "$v" patched "$b/src/$v/arch/x86/boot/bzImage" "$b/guest/$v-full.cpio" "$plan"
done
rm -rf "$b/logs/regression" && mkdir -p "$b/logs/regression"
exec python3 "$rig/rig.py" check "$@" --log-dir "$b/logs/regression" --cells "$cell" --same-skips-ok
