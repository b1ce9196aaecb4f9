#!/bin/sh
# make regression: every upstream x86_64 KVM selftest of the 6.12 tree (but
# those in rig/tcg-exclude), on the unpatched and the patched kernel, in one
# cell, in one run; any difference in pass/fail/skip fails.
# usage: regression.sh BUILD CELL
#   REGRESSION_TIMEOUT: seconds per test (default 300)
#   REGRESSION_CHUNK: tests per boot (default 8)
set -eu
b=$1 cell=$2
rig=$(dirname "$(readlink -f "$0")")
kdir=$b/src/6.12/tools/testing/selftests/kvm
export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/kvm-gpa-rig/ccache}"
make -s -C "$kdir" -j"$(nproc)" OUTPUT="$kdir" CC="ccache gcc" EXTRA_CFLAGS=-static >/dev/null
tests=$(make -s -C "$kdir" -p OUTPUT="$kdir" 2>/dev/null | sed -n 's/^TEST_GEN_PROGS := //p' | tr ' ' '\n' |
	grep / | sed "s|^$kdir/||" | sort)
bin=$b/guest/6.12-full/bin
rm -rf "$bin" && mkdir -p "$bin"
plans=$b/regression
rm -rf "$plans" && mkdir -p "$plans"
# A few tests per boot: a test that kills the guest costs only its chunk,
# and the two kernels run a chunk side by side (one QEMU per host CPU).
per=${REGRESSION_CHUNK:-8}
i=0
for t in $tests; do
	if grep -qE "^$t[[:space:]]" "$rig/tcg-exclude"; then
		echo "excluded: $t: $(grep -E "^$t[[:space:]]" "$rig/tcg-exclude" | sed 's/^[^ ]* *//')"
		continue
	fi
	cp "$kdir/$t" "$bin/"
	printf '%-50s %s ./%s\n' "$t" "${REGRESSION_TIMEOUT:-300}" "$(basename "$t")" \
		>> "$plans/$(printf 'chunk-%02d' $((i / per))).tests"
	i=$((i + 1))
done
cp "$rig"/guest/bin/* "$bin/"
"$rig/mkinitramfs.sh" "$b/guest/6.12-full.cpio" "$bin"/*
set --
for plan in "$plans"/chunk-*.tests; do
	set -- "$@" --run 6.12 base "$b/src/6.12-base/arch/x86/boot/bzImage" "$b/guest/6.12-full.cpio" "$plan" \
		--run 6.12 patched "$b/src/6.12/arch/x86/boot/bzImage" "$b/guest/6.12-full.cpio" "$plan"
done
echo "regression: $i tests in $(ls "$plans" | wc -l) boots per kernel, cell $cell"
rm -rf "$b/logs/regression" && mkdir -p "$b/logs/regression"
exec python3 "$rig/rig.py" check "$@" --log-dir "$b/logs/regression" --cells "$cell" --same-skips-ok
