#!/bin/sh
# Unpack Debian's linux-source-<ver> into a git tree whose first commit is the
# untouched source, then apply patches/<ver>/series with git am.  A second
# worktree at the untouched commit is the "unpatched" kernel.
#
# usage: prepare-tree.sh VERSION SRCDIR PATCHDIR
#
# If SRCDIR already exists and its commits after the base match the series,
# nothing is done, so edits made in the tree are never thrown away silently.
set -eu
ver=$1 src=$2 pdir=$3
# RIG_TARBALL lets the rig's own tests use a small stand-in.
tarball=${RIG_TARBALL:-/usr/src/linux-source-$ver.tar.xz}
base_tag=rig-base
[ -f "$tarball" ] || { echo "prepare-tree: $tarball missing (apt-get install linux-source-$ver)" >&2; exit 1; }
# The Debian package version, for the logs: fetch-source.sh leaves it beside
# the tarball; otherwise it is the installed package's.
pver=$(cat "${tarball%.tar.xz}.version" 2>/dev/null ||
	dpkg-query -W -f='${Version}' "linux-source-$ver" 2>/dev/null || echo unknown)

git_k() { git -C "$src" -c user.name="rig" -c user.email="rig@localhost" "$@"; }

if [ ! -d "$src/.git" ]; then
	tmp=$src.unpack.$$
	rm -rf "$tmp"; mkdir -p "$tmp"
	echo "prepare-tree: unpacking $tarball (Debian linux-source-$ver $pver)"
	tar -xJf "$tarball" -C "$tmp" --strip-components=1
	git -C "$tmp" init -q
	git -C "$tmp" config core.preloadIndex true
	git -C "$tmp" config gc.auto 0
	# The Debian tarball carries .gitignore files; force-add everything so
	# the base commit is exactly the tarball.
	git -C "$tmp" add -A -f .
	GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
		git -C "$tmp" -c user.name="rig" -c user.email="rig@localhost" \
		commit -q -m "linux-source-$ver $pver (untouched, $(basename "$tarball"))"
	git -C "$tmp" tag "$base_tag"
	"$(dirname "$(readlink -f "$0")")/worktree.sh" sparse "$tmp"
	mv "$tmp" "$src"
fi

series=$pdir/series
stampf=$src/.git/rig-series
want=$( (cat "$series" 2>/dev/null; grep -v '^\s*\(#\|$\)' "$series" 2>/dev/null |
	while read -r p; do cat "$pdir/$p" 2>/dev/null || echo "missing $p"; done) | sha256sum | cut -d' ' -f1)
have=$(sed -n 1p "$stampf" 2>/dev/null || true)
head_then=$(sed -n 2p "$stampf" 2>/dev/null || true)
head_now=$(git_k rev-parse HEAD)

if [ "$want" = "$have" ]; then
	[ "$head_now" = "$head_then" ] ||
		echo "prepare-tree: $ver: note: the tree has commits not exported to $pdir (make export-$ver)" >&2
	exit 0
fi
if [ -n "$have" ] && [ "$head_now" != "$head_then" ]; then
	echo "prepare-tree: $ver: $pdir changed AND the tree has unexported commits;" \
	     "export them (make export-$ver) or drop them (make reset-$ver)" >&2
	exit 1
fi
if [ -n "$(git_k status --porcelain --untracked-files=no)" ]; then
	echo "prepare-tree: $ver: uncommitted edits in $src; commit or stash them first" >&2
	exit 1
fi
git_k reset -q --hard "$base_tag"
if [ -f "$series" ]; then
	for p in $(grep -v '^\s*\(#\|$\)' "$series"); do
		[ -f "$pdir/$p" ] || { echo "prepare-tree: $ver: patch listed in series is missing: $p" >&2; exit 1; }
		if ! git_k am -q --keep-cr --committer-date-is-author-date "$(readlink -f "$pdir/$p")" >/dev/null 2>&1; then
			git_k am --abort >/dev/null 2>&1 || true
			git_k reset -q --hard "$base_tag"
			echo "prepare-tree: $ver: PATCH DOES NOT APPLY: $p" >&2
			exit 1
		fi
		echo "prepare-tree: $ver: applied $p"
	done
fi
printf '%s\n%s\n' "$want" "$(git_k rev-parse HEAD)" > "$stampf"
