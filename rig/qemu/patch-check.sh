#!/bin/sh
# Each patch of patches/qemu on its own, as QEMU's submitting-a-patch.rst
# asks: QEMU's scripts/checkpatch.pl on the patch file, then the rig's
# qemu-system-x86_64 built at that patch (so that a bisection never lands
# on a tree that doesn't build).  One line per patch, "ok" or "FAIL", and
# exit status 1 if any failed.
#
# It works in its own worktree and build folder (QDIR/each/src, QDIR/each/obj)
# and never touches QDIR/src or QDIR/obj: build.sh configures there once,
# then each patch is an incremental build through ccache.
#
# checkpatch.pl's one expected complaint: patch 1 is a placeholder
# linux-headers update (NOT FOR MERGE, see its changelog), written by hand
# rather than by scripts/update-linux-headers.sh; that warning, and only
# that one, is accepted for the linux-headers patch.
#
# usage: patch-check.sh QDIR FWROOT PATCHDIR   (QDIR: build/qemu, made by
#                                               make qemu-tree)
set -eu
q=$(readlink -f "$1") fwroot=$(readlink -f "$2") pdir=$(readlink -f "$3")
here=$(dirname "$(readlink -f "$0")")
src=$q/src each=$q/each
git -C "$src" rev-parse -q --verify rig-base >/dev/null ||
	{ echo "qemu-patch-check: no tree in $src (make qemu-tree)" >&2; exit 1; }
# build.sh takes QDIR/src, QDIR/obj and QDIR/py: the worktree, a build
# folder of its own, and the same meson.
mkdir -p "$each"
[ -e "$each/py" ] || ln -s "$q/py" "$each/py"
if [ ! -e "$each/src/.git" ]; then
	git -C "$src" worktree prune
	git -C "$src" worktree add -q --detach "$each/src" rig-base
fi
headers_warning='are you using scripts/update-linux-headers.sh?'
rc=0 n=0
for commit in $(git -C "$src" rev-list --reverse rig-base..HEAD); do
	n=$((n + 1))
	num=$(printf %04d $n)
	subject=$(git -C "$src" log -1 --format=%s "$commit")
	# make export-qemu numbers the files in the tree's order.
	patch=$(ls "$pdir/$num"-*.patch 2>/dev/null | head -1 || true)
	what="$num $subject"
	if [ -z "$patch" ]; then
		echo "FAIL $what: no patch file $num-*.patch in $pdir"; rc=1; continue
	fi
	out=$(cd "$src" && ./scripts/checkpatch.pl "$patch" 2>&1) || true
	errors=$(printf '%s\n' "$out" | sed -n 's/^total: \([0-9]*\) errors, \([0-9]*\) warnings.*/\1 \2/p')
	# shellcheck disable=SC2086 # "E W": two words, split on purpose
	set -- $errors
	warnings_left=${2:-1}
	case $subject in
	linux-headers:*)
		if printf '%s\n' "$out" | grep -qF "$headers_warning"; then
			warnings_left=$((warnings_left - 1))
		fi ;;
	esac
	if [ "${1:-1}" != 0 ] || [ "$warnings_left" != 0 ]; then
		echo "FAIL $what: checkpatch.pl: ${1:-?} errors, ${2:-?} warnings"
		printf '%s\n' "$out" | grep -E '^(ERROR|WARNING)' | sed 's/^/    /'
		rc=1
	fi
	git -C "$each/src" checkout -q --detach "$commit"
	if ! "$here/build.sh" "$each" "$fwroot" > "$each/build-$n.log" 2>&1; then
		echo "FAIL $what: does not build ($each/build-$n.log)"
		tail -20 "$each/build-$n.log" | sed 's/^/    /'
		rc=1
		continue
	fi
	echo "ok   $what: checkpatch.pl clean$( [ "$warnings_left" = "${2:-0}" ] || echo ' (but for the placeholder header warning)'), builds"
done
[ "$n" -gt 0 ] || { echo "FAIL no patches in $src above rig-base"; rc=1; }
exit $rc
