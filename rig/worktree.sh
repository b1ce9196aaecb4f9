#!/bin/sh
# The rig's kernel working trees leave out what rig/sparse-checkout lists.
#
# usage: worktree.sh sparse TREE          (apply to an existing checkout)
#        worktree.sh add SRC NEWTREE REV  (a linked worktree of SRC at REV)
set -eu
patterns=$(dirname "$(readlink -f "$0")")/sparse-checkout

sparse() {	# write TREE's own pattern file and update its files to match
	# (core.sparseCheckout is shared by all worktrees; one without a pattern
	# file stays whole)
	git -C "$1" config core.sparseCheckout true
	f=$(cd "$1" && git rev-parse --path-format=absolute --git-path info/sparse-checkout)
	mkdir -p "$(dirname "$f")"
	cp "$patterns" "$f"
	git -C "$1" read-tree -mu HEAD
}

case ${1:-} in
sparse)
	sparse "$2" ;;
add)
	new=$(readlink -m "$3")	# git -C would take a relative NEWTREE from SRC
	git -C "$2" worktree add -q --no-checkout --detach "$new" "$4"
	sparse "$new" ;;
*)
	echo "usage: $0 sparse TREE | add SRC NEWTREE REV" >&2; exit 2 ;;
esac
