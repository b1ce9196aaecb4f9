#!/bin/sh
# Check every patch of a series on its own: it builds (the objects of the C
# files it touches, with W=1, warnings compared with the unpatched tree),
# and `checkpatch.pl --strict` reports nothing beyond the exceptions listed
# in patches/<ver>/checkpatch-exceptions ("<patch file> <TYPE> <reason>").
# The selftests the series touches are built at the last patch.
#
# The objects are built in rig/config/matrix*.config, the boot configuration
# plus what distributions and the kernel test robot build: KVM as modules,
# SEV, TDX (7.2), Xen, Hyper-V and lockdep.  They are built with gcc, and
# again with clang where Debian's clang (RIG_CLANG, clang-16) is one the
# kernel supports (scripts/min-tool-version.sh: 6.12 and 6.1, not 7.2).
# usage: patch-check.sh VERSION SRCDIR PATCHDIR
set -eu
# Its make joins make check's jobserver, or runs -j$(nproc) alone (rig/jobs.sh).
. "$(dirname "$(readlink -f "$0")")/jobs.sh"
ver=$1 src=$(readlink -f "$2") pdir=$(readlink -f "$3")
rig=$(dirname "$(readlink -f "$0")")
. "$rig/ccache.sh"
rig_ccache "$(dirname "$src")"
exc=$pdir/checkpatch-exceptions
clang=${RIG_CLANG:-clang-16}
fail=0
frags="$rig/config/matrix.config"
[ ! -f "$rig/config/matrix-$ver.config" ] || frags="$frags $rig/config/matrix-$ver.config"

commits=$(git -C "$src" rev-list --reverse rig-base..HEAD)
files=$(git -C "$src" diff --name-only rig-base..HEAD -- '*.c' | grep -v '^tools/' || true)
objs=$(for f in $files; do echo "${f%.c}.o"; done)

# One worktree per compiler; the gcc one starts from the unpatched kernel's
# build, when there is one, so that its first objects compile on a prepared
# tree instead of preparing one from nothing.
setup() {	# WORKTREE CC: check out rig-base, configure for the matrix
	[ -d "$1" ] || "$rig/worktree.sh" add "$src" "$1" rig-base
	git -C "$1" checkout -q --detach rig-base
	cp "$src/.config" "$1/.config"
	(cd "$1" && KCONFIG_CONFIG=.config ./scripts/kconfig/merge_config.sh -m .config $frags >/dev/null)
	make -s -C "$1" CC="$2" olddefconfig >/dev/null
	"$rig/check-config.sh" "$1/.config" $frags
}

# Compile the touched objects afresh with W=1 (one compile proves that the
# patch builds and gives its warnings); their warnings, without line
# numbers, go to FILE, the compiler's output to $wt/.err.
build_w1() {
	for o in $objs; do rm -f "$wt/$o"; done
	make -s -C "$wt" CC="$cc" $RIG_J W=1 $objs >/dev/null 2>"$wt/.err" || return 1
	grep 'warning:' "$wt/.err" | sed -E 's/:[0-9]+(:[0-9]+)?:/:/' | sort -u >"$1" || true
}

errors() { grep -v 'warning:' "$wt/.err" | sed 's/^/    /' | head -20; }

checkpatch() {	# COMMIT NAME: checkpatch's findings less the exceptions
	cp_out=$(cd "$wt" && ./scripts/checkpatch.pl --strict --show-types --terse -g "$1" 2>&1 |
		grep -E ': (ERROR|WARNING|CHECK):' || true)
	echo "$cp_out" | while IFS= read -r line; do
		[ -n "$line" ] || continue
		type=$(echo "$line" | sed -n 's/.*: \(ERROR\|WARNING\|CHECK\):\([A-Z_0-9]*\):.*/\2/p')
		grep -qE "^$2[[:space:]]+$type[[:space:]]" "$exc" 2>/dev/null || echo "$line"
	done
}

# The clang pass only where the kernel supports the clang Debian has.
compilers=gcc
if command -v "$clang" >/dev/null 2>&1; then
	need=$(cd "$src" && SRCARCH=x86 ./scripts/min-tool-version.sh llvm)
	have=$("$clang" -dumpversion)
	if [ "$(printf '%s\n%s\n' "$need" "$have" | sort -V | head -1)" = "$need" ]; then
		compilers="gcc clang"
	else
		echo "note $clang $have: this kernel needs LLVM $need, so only gcc builds the patches"
	fi
else
	echo "note no $clang: only gcc builds the patches"
fi

for comp in $compilers; do
	if [ "$comp" = gcc ]; then
		wt=$src-each cc="ccache gcc"
		[ -d "$wt" ] || "$rig/worktree.sh" add "$src" "$wt" rig-base
		[ ! -e "$src-base/vmlinux" ] || "$rig/seed-tree.sh" "$src-base" "$wt"
	else
		wt=$src-each-clang cc="ccache $clang"
	fi
	setup "$wt" "$cc"
	build_w1 "$wt/.warn-base" ||
		{ echo "FAIL [$comp] the unpatched tree does not build:"; errors; exit 1; }
	n=0
	for c in $commits; do
		n=$((n + 1))
		subj=$(git -C "$src" log -1 --format=%s "$c")
		name=$(sed -n "${n}p" "$pdir/series")
		git -C "$wt" checkout -q --detach "$c"
		# A new symbol would make kbuild's own syncconfig ask for its value.
		if git -C "$src" diff --name-only "$c^" "$c" | grep -q 'Kconfig'; then
			make -s -C "$wt" CC="$cc" olddefconfig >/dev/null
		fi
		if ! build_w1 "$wt/.warn"; then
			echo "FAIL $name [$comp]: does not build"; errors; fail=1; continue
		fi
		new=$(comm -13 "$wt/.warn-base" "$wt/.warn")
		if [ -n "$new" ]; then
			echo "FAIL $name [$comp]: new W=1 warnings:"; echo "$new" | sed 's/^/    /'; fail=1
		fi
		[ -z "$subj" ] && fail=1
		[ "$comp" = gcc ] || { echo "ok   $name [clang]: builds alone, no new W=1 warnings"; continue; }
		left=$(checkpatch "$c" "$name")
		if [ -n "$left" ]; then
			echo "FAIL $name: checkpatch:"; echo "$left" | sed 's/^/    /'; fail=1
		else
			echo "ok   $name: builds alone (matrix configuration), no new W=1 warnings, checkpatch clean"
		fi
	done
done
wt=$src-each
if git -C "$src" diff --name-only rig-base..HEAD | grep -q '^tools/testing/selftests/kvm/'; then
	kst=$wt/tools/testing/selftests/kvm
	adir=x86_64; [ -d "$kst/x86" ] && adir=x86	# x86/ since 7.x
	if make -s -C "$wt" headers >/dev/null 2>&1 && make -s -C "$kst" OUTPUT="$kst" \
		CC="ccache gcc" $RIG_J "$kst/$adir/max_gpa_test" >/dev/null 2>"$wt/.err"; then
		echo "ok   selftests build at the last patch"
	else
		echo "FAIL selftests do not build:"; head -20 "$wt/.err"; fail=1
	fi
fi
exit $fail
