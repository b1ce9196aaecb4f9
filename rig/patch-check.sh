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

rig=$(dirname "$(readlink -f "$0")")
[ -d "$wt" ] || "$rig/worktree.sh" add "$src" "$wt" rig-base
# The unpatched kernel's build, when there is one: the first patch's objects
# then compile on a prepared tree instead of preparing one from nothing.
[ ! -e "$src-base/vmlinux" ] || "$rig/seed-tree.sh" "$src-base" "$wt"
cp "$src/.config" "$wt/.config"
commits=$(git -C "$src" rev-list --reverse rig-base..HEAD)
files=$(git -C "$src" diff --name-only rig-base..HEAD -- '*.c' | grep -v '^tools/' || true)
objs=$(for f in $files; do echo "${f%.c}.o"; done)

# Compile the touched objects afresh with W=1 (one compile proves that the
# patch builds and gives its warnings); their warnings, without line
# numbers, go to FILE, the compiler's output to $wt/.err.
build_w1() {
	for o in $objs; do rm -f "$wt/$o"; done
	mk W=1 $objs >/dev/null 2>"$wt/.err" || return 1
	grep 'warning:' "$wt/.err" | sed -E 's/:[0-9]+(:[0-9]+)?:/:/' | sort -u >"$1" || true
}

errors() { grep -v 'warning:' "$wt/.err" | sed 's/^/    /' | head -20; }

git -C "$wt" checkout -q --detach rig-base
mk olddefconfig >/dev/null
build_w1 "$wt/.warn-base" || { echo "FAIL the unpatched tree does not build:"; errors; exit 1; }
n=0
for c in $commits; do
	n=$((n + 1))
	subj=$(git -C "$src" log -1 --format=%s "$c")
	name=$(sed -n "${n}p" "$pdir/series")
	git -C "$wt" checkout -q --detach "$c"
	# A new symbol would make kbuild's own syncconfig ask for its value.
	if git -C "$src" diff --name-only "$c^" "$c" | grep -q 'Kconfig'; then
		mk olddefconfig >/dev/null
	fi
	if ! build_w1 "$wt/.warn"; then
		echo "FAIL $name: does not build"; errors; fail=1; continue
	fi
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
