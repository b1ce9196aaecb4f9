#!/bin/sh
# Export the commits of a kernel tree (after the untouched base) into
# patches/<ver>/ and rewrite its series file.  Unchanged patches come out
# byte-identical: no commit ids, no version signature, no numbering.
# usage: export-patches.sh SRCDIR PATCHDIR
set -eu
src=$1 pdir=$2
[ -z "$(git -C "$src" status --porcelain --untracked-files=no)" ] ||
	{ echo "export-patches: uncommitted edits in $src; commit them first" >&2; exit 1; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$src" format-patch -q --zero-commit --no-signature --no-numbered \
	--no-cover-letter -o "$tmp" rig-base..HEAD
mkdir -p "$pdir"
# Drop the patches of the old series that the new one no longer has.
if [ -f "$pdir/series" ]; then
	grep -v '^\s*\(#\|$\)' "$pdir/series" | while read -r p; do
		[ -e "$tmp/$p" ] || rm -f "$pdir/$p"
	done
fi
: > "$tmp/series.new"
for f in "$tmp"/*.patch; do
	[ -e "$f" ] || continue
	n=$(basename "$f")
	cmp -s "$f" "$pdir/$n" || cp "$f" "$pdir/$n"
	echo "$n" >> "$tmp/series.new"
done
mv "$tmp/series.new" "$pdir/series"
# The tree now matches the patches; tell prepare-tree so.
want=$( (cat "$pdir/series"; while read -r p; do cat "$pdir/$p"; done < "$pdir/series") | sha256sum | cut -d' ' -f1)
printf '%s\n%s\n' "$want" "$(git -C "$src" rev-parse HEAD)" > "$(git -C "$src" rev-parse --absolute-git-dir)/rig-series"
echo "export-patches: $(wc -l < "$pdir/series") patch(es) in $pdir"
