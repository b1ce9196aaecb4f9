#!/bin/sh
# Bring a series' hand-written cover letter in line with its tree: the
# shortlog and diffstat at its end, and the patch count in its subject,
# are taken from what git format-patch --cover-letter writes for the
# tree's commits after rig-base.  The text above the shortlog is left
# alone.  A patch directory without a cover letter is left alone too.
# usage: cover-tail.sh SRCDIR PATCHDIR
set -eu
src=$1 cover=$2/0000-cover-letter.patch
[ -f "$cover" ] || exit 0
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
git -C "$src" format-patch -q --cover-letter --zero-commit -o "$tmp/fp" rig-base..HEAD
tmpl=$tmp/fp/0000-cover-letter.patch
count=$(sed -n 's/^Subject: \[PATCH [0-9]*\/\([0-9]*\)\].*/\1/p' "$tmpl")
[ -n "$count" ] || { echo "cover-tail: no patch count in git's template" >&2; exit 1; }
# The body: everything before the shortlog's "Author Name (N):" line.
awk '/^[^ \t].* \([0-9]+\):$/ { exit } { print }' "$cover" > "$tmp/new"
# git's template: everything after its blurb placeholder.
awk 'found { print } /^\*\*\* BLURB HERE \*\*\*$/ { found = 1; getline }' "$tmpl" >> "$tmp/new"
# Subject: "[PATCH <prefix> vN NN/MM]" keeps its prefix and version.
sed -i -E "1,/^Subject:/ s#^(Subject: \[[^]]*PATCH[^]]* )[0-9]+/[0-9]+\]#\1$(printf '%0*d' ${#count} 0)/$count]#" "$tmp/new"
cmp -s "$tmp/new" "$cover" || cp "$tmp/new" "$cover"
