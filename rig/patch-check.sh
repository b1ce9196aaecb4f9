#!/bin/sh
# Check every patch of a series on its own: it builds (the objects of the C
# files it touches, with W=1, warnings compared with the unpatched tree),
# and `checkpatch.pl --strict` reports nothing beyond the exceptions listed
# in patches/<ver>/checkpatch-exceptions ("<patch file> <TYPE> <reason>").
# The selftests the series touches are built at the last patch.
# usage: patch-check.sh VERSION SRCDIR PATCHDIR
set -eu
# Its own make runs with its own -j: not a parent make's jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL
ver=$1 src=$(readlink -f "$2") pdir=$(readlink -f "$3")
wt=$src-each
. "$(dirname "$(readlink -f "$0")")/ccache.sh"
rig_ccache "$(dirname "$src")"
mk() { make -s -C "$wt" CC="ccache gcc" -j"$(nproc)" "$@"; }
exc=$pdir/checkpatch-exceptions
fail=0

[ -d "$wt" ] || "$(dirname "$(readlink -f "$0")")/worktree.sh" add "$src" "$wt" rig-base
cp "$src/.config" "$wt/.config"
commits=$(git -C "$src" rev-list --reverse rig-base..HEAD)
files=$(git -C "$src" diff --name-only rig-base..HEAD -- '*.c' | grep -v '^tools/' || true)
objs=$(for f in $files; do echo "${f%.c}.o"; done)

warnings() {	# the W=1 warnings of the touched objects, without line numbers
	for o in $objs; do rm -f "$wt/$o"; done
	mk olddefconfig >/dev/null
	mk W=1 $objs 2>&1 | grep 'warning:' | sed -E 's/:[0-9]+(:[0-9]+)?:/:/' | sort -u || true
}

git -C "$wt" checkout -q --detach rig-base
warnings > "$wt/.warn-base"
n=0
for c in $commits; do
	n=$((n + 1))
	subj=$(git -C "$src" log -1 --format=%s "$c")
	name=$(sed -n "${n}p" "$pdir/series")
	git -C "$wt" checkout -q --detach "$c"
	if ! mk $objs >/dev/null 2>"$wt/.err"; then
		echo "FAIL $name: does not build"; sed 's/^/    /' "$wt/.err" | head -20; fail=1; continue
	fi
	warnings > "$wt/.warn"
	new=$(comm -13 "$wt/.warn-base" "$wt/.warn")
	if [ -n "$new" ]; then
		echo "FAIL $name: new W=1 warnings:"; echo "$new" | sed 's/^/    /'; fail=1
	fi
	cp_out=$(cd "$wt" && ./scripts/checkpatch.pl --strict --show-types --terse -g "$c" 2>&1 |
		grep -E ': (ERROR|WARNING|CHECK):' || true)
	left=$(echo "$cp_out" | while IFS= read -r line; do
		[ -n "$line" ] || continue
		type=$(echo "$line" | sed -n 's/.*: \(ERROR\|WARNING\|CHECK\):\([A-Z_0-9]*\):.*/\2/p')
		grep -qE "^$name[[:space:]]+$type[[:space:]]" "$exc" 2>/dev/null || echo "$line"
	done)
	if [ -n "$left" ]; then
		echo "FAIL $name: checkpatch:"; echo "$left" | sed 's/^/    /'; fail=1
	else
		echo "ok   $name: builds alone, no new W=1 warnings, checkpatch clean"
	fi
	[ -z "$subj" ] && fail=1
done
if git -C "$src" diff --name-only rig-base..HEAD | grep -q '^tools/testing/selftests/kvm/'; then
	kst=$wt/tools/testing/selftests/kvm
	adir=x86_64; [ -d "$kst/x86" ] && adir=x86	# x86/ since 7.x
	if mk headers >/dev/null 2>&1 && make -s -C "$kst" OUTPUT="$kst" \
		CC="ccache gcc" -j"$(nproc)" "$kst/$adir/max_gpa_test" >/dev/null 2>"$wt/.err"; then
		echo "ok   selftests build at the last patch"
	else
		echo "FAIL selftests do not build:"; head -20 "$wt/.err"; fail=1
	fi
fi
exit $fail
