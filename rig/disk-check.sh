#!/bin/sh
# Refuse to start a build that cannot fit, with the figures, rather than die
# half-way with ENOSPC (CI machines share their disk).
#
# usage: disk-check.sh BUILDDIR VERSION...
# A kernel version not yet unpacked needs about PER_VERSION_MB (its git
# objects, three sparse worktrees with objects, selftests); anything else
# the rig writes (guests, logs, Bochs, boots in $TMPDIR) fits in SLACK_MB.
set -eu
b=$1; shift
per_version=${RIG_DISK_PER_VERSION_MB:-5500}
slack=${RIG_DISK_SLACK_MB:-2000}
need=$slack missing=""
# A third of it per worktree still to make: make run never makes <ver>-each,
# and must not be asked for room it will not use.
for v in "$@"; do
	n=0
	for t in "$v/.git" "$v-base" "$v-each"; do
		[ -d "$b/src/$t" ] || n=$((n + 1))
	done
	[ $n = 0 ] && continue
	need=$((need + per_version * n / 3)); missing="$missing $v"
done
mkdir -p "$b"
free=$(df -Pm "$b" | awk 'NR == 2 { print $4 }')
if [ "$free" -lt "$need" ]; then
	echo "disk-check: $b has ${free} MB free; the rig needs about ${need} MB" \
	     "(${missing:+kernel trees to unpack:$missing; }plus ${slack} MB for guests, logs and boots)." >&2
	echo "disk-check: free some space (make distclean in other checkouts, old /tmp/rig-*) and retry." >&2
	exit 1
fi
