#!/bin/sh
# make regression: every upstream x86_64 KVM selftest of the 6.12 tree, run
# as rig/regression-rules says, on the unpatched and the patched kernel, in
# one cell, in one run; any difference in pass/fail/skip fails, and so does
# any test that fails on both.
# usage: regression.sh BUILD CELL
#   REGRESSION_TIMEOUT: seconds per test without a rule (default 300)
#   REGRESSION_CHUNK: tests per boot (default 8)
set -eu
b=$1 cell=$2
rig=$(dirname "$(readlink -f "$0")")
kdir=$b/src/6.12/tools/testing/selftests/kvm
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/kvm-gpa-rig/ccache}"
make -s -C "$kdir" -j"$(nproc)" OUTPUT="$kdir" CC="ccache gcc" EXTRA_CFLAGS=-static >/dev/null
tests=$(make -s -C "$kdir" -p OUTPUT="$kdir" 2>/dev/null | sed -n 's/^TEST_GEN_PROGS := //p' | tr ' ' '\n' |
	grep / | sed "s|^$kdir/||" | sort)
[ -n "$tests" ] || { echo "regression: no tests found in $kdir" >&2; exit 1; }

# A few tests per boot: a test that kills the guest costs only its chunk,
# and the two kernels run a chunk side by side (one QEMU per host CPU).
plans=$b/regression
rm -rf "$plans"
# shellcheck disable=SC2086
python3 "$rig/rig.py" regression-plan --out-dir "$plans" --chunk "${REGRESSION_CHUNK:-8}" \
	--timeout "${REGRESSION_TIMEOUT:-300}" $tests

bin=$b/guest/6.12-full/bin
rm -rf "$bin" && mkdir -p "$bin"
for t in $(cat "$plans"/chunk-*.tests | awk '{print $1}'); do
	cp "$kdir/$t" "$bin/"
done
cp "$rig"/guest/bin/* "$bin/"
"$rig/mkinitramfs.sh" "$b/guest/6.12-full.cpio" "$bin"/*

set --
for plan in "$plans"/chunk-*.tests; do
	set -- "$@" --run 6.12 base "$b/src/6.12-base/arch/x86/boot/bzImage" "$b/guest/6.12-full.cpio" "$plan" \
		--run 6.12 patched "$b/src/6.12/arch/x86/boot/bzImage" "$b/guest/6.12-full.cpio" "$plan"
done
rm -rf "$b/logs/regression" && mkdir -p "$b/logs/regression"
exec python3 "$rig/rig.py" check "$@" --log-dir "$b/logs/regression" --cells "$cell" --same-skips-ok
