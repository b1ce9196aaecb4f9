#!/bin/sh
# Give an unbuilt worktree the build of another worktree of the same
# repository, so that its first build compiles only what the two checkouts
# differ in.  The unpatched kernel and the patch-check tree differ from the
# patched kernel in the series' files only, yet building them from nothing
# costs a whole kernel's make, fixdep, objtool and ccache lookups (on two
# CPUs, minutes each).
#
# FROM's untracked files (what its build wrote: about 160 MB of a 1.4 GB
# worktree) are copied with their mtimes; then every file in which the two
# checkouts differ is written again from DST's own commit.  Those files are
# newer than every copied object, so kbuild rebuilds exactly what depends on
# them.  DST's other sources must be older than FROM's objects: true when
# DST was checked out before FROM was configured (the unpatched tree, made
# with the patched one).  A DST checked out later (the patch-check tree)
# gets FROM's sources copied too, with their mtimes, and then the same
# rewrite.  In-tree kbuild records its dependencies with relative paths,
# which is what makes the copied objects valid in DST.
#
# usage: seed-tree.sh FROM DST    (both worktrees of one repository; DST
#                                  is left alone unless it has never built)
set -eu
from=$(readlink -f "$1") dst=$(readlink -f "$2")
if [ -e "$dst/vmlinux" ] || [ -e "$dst/.config" ]; then
	exit 0	# built (or configured) before: its own objects are right
fi
[ -e "$from/vmlinux" ] || { echo "seed-tree: $from has not been built" >&2; exit 1; }
rev_from=$(git -C "$from" rev-parse HEAD)
rev_dst=$(git -C "$dst" rev-parse HEAD)
if [ -n "$(git -C "$dst" status --porcelain --untracked-files=no)" ]; then
	echo "seed-tree: $dst has uncommitted edits; not seeding it" >&2
	exit 1
fi
echo "seed-tree: $dst from the build of $from"
changed=$(git -C "$dst" diff --no-renames --name-only "$rev_dst" "$rev_from")
if [ "$dst/.git" -nt "$from/.config" ]; then	# .git: made with the checkout
	# rsync, not cp: DST's .git is a file pointing at the shared repository.
	rsync -a --exclude=/.git "$from/" "$dst/"
else
	git -C "$from" ls-files -z --others | rsync -a --from0 --files-from=- "$from/" "$dst/"
fi
for f in $changed; do	# a file DST's commit lacks stays removed
	rm -f "$dst/$f"
	if git -C "$dst" cat-file -e "$rev_dst:$f" 2>/dev/null; then
		git -C "$dst" checkout -q "$rev_dst" -- "$f"
	fi
done
# The index's stat data describes the old files: refresh it, and prove the
# checkout is DST's commit again before anything builds from it.
git -C "$dst" update-index -q --refresh >/dev/null || true
if [ -n "$(git -C "$dst" status --porcelain --untracked-files=no)" ]; then
	echo "seed-tree: $dst does not match $rev_dst after seeding:" >&2
	git -C "$dst" status --short --untracked-files=no | head >&2
	exit 1
fi
