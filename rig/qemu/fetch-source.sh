#!/bin/sh
# Fetch QEMU's upstream source (Debian unstable's orig tarball of qemu
# 1:10.2.2+ds-1; Debian 12's apt knows only bookworm, and this is the newest
# QEMU whose source can be downloaded here) and unpack it into a git tree
# whose first commit is the untouched tarball, tagged rig-base; then apply
# patches/qemu/series with git am.  The rig builds that tree (build.sh) to
# run a patched QEMU as the VMM inside its guests.
#
# Only the orig tarball is used, never Debian's patches (its debian.tar.xz
# is deleted once downloaded).  The download goes through a private apt
# configuration under OUTDIR/dl (sources list, lists, cache), signed by the
# installed Debian archive keyring: the system's apt configuration is not
# touched.  It is skipped when the tarball is already there and its SHA-256
# is the one the .dsc beside it names.
#
# The +ds tarball has no python/wheels: the meson QEMU needs (>= 1.5;
# bookworm has 1.0) and pycotap come from bookworm-backports, unpacked (not
# installed) into OUTDIR/py/root; build.sh puts them on PYTHONPATH.
#
# If OUTDIR/src exists, it is not unpacked again, and the series is applied
# only while the tree is at rig-base with nothing else committed (a fresh
# tree, or after make qemu-reset): edits made in the tree are never thrown
# away.
#
# usage: fetch-source.sh OUTDIR PATCHDIR     (OUTDIR: build/qemu)
set -eu
out=$(mkdir -p "$1" && readlink -f "$1")
pdir=$(readlink -f "$2")
ver=${QEMU_VERSION:-10.2.2}
debver=${QEMU_DEB_VERSION:-1:$ver+ds-1}
orig=qemu_$ver+ds.orig.tar.xz
dsc=qemu_$(echo "$debver" | sed 's/^[0-9]*://').dsc
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
dl=$out/dl apt=$out/dl/apt src=$out/src
[ -f "$keyring" ] || { echo "qemu-fetch: $keyring missing (apt-get install debian-archive-keyring)" >&2; exit 1; }

# apt_in NAME CMD ARGS...: run apt-get or apt-cache with the private
# configuration NAME (its sources.list under $apt/NAME).
apt_in() {
	d=$apt/$1 cmd=$2; shift 2
	mkdir -p "$d/lists/partial" "$d/cache/archives/partial"
	"$cmd" -o Dir::Etc::sourcelist="$d/sources.list" -o Dir::Etc::sourceparts=- \
		-o Dir::State::Lists="$d/lists" -o Dir::Cache="$d/cache" -o Debug::NoLocking=1 "$@"
}

# The SHA-256 that the .dsc names for the orig tarball, or nothing.
dsc_sha256() {
	[ -f "$dl/$dsc" ] || return 0
	sed -n '/^Checksums-Sha256:/,/^[^ ]/p' "$dl/$dsc" | awk -v f="$orig" '$3 == f { print $1 }'
}

# --- the source tarball ---------------------------------------------------
want=$(dsc_sha256)
if [ -n "$want" ] && [ -f "$dl/$orig" ] &&
   [ "$(sha256sum "$dl/$orig" | cut -d' ' -f1)" = "$want" ]; then
	echo "qemu-fetch: $orig cached (sha256 matches $dsc)"
else
	echo "qemu-fetch: qemu $debver source from Debian unstable"
	mkdir -p "$apt/unstable"
	echo "deb-src [signed-by=$keyring] http://deb.debian.org/debian unstable main" \
		> "$apt/unstable/sources.list"
	apt_in unstable apt-get -qq update
	rm -f "$dl/$orig" "$dl/$dsc"
	(cd "$dl" && apt_in unstable apt-get -qq source --download-only "qemu=$debver" 2>&1 |
		grep -v 'unsandboxed' >&2 || true)
	rm -f "$dl"/qemu_*.debian.tar.*
	want=$(dsc_sha256)
	[ -n "$want" ] && [ -f "$dl/$orig" ] ||
		{ echo "qemu-fetch: could not download qemu=$debver's $orig and $dsc" >&2; exit 1; }
	[ "$(sha256sum "$dl/$orig" | cut -d' ' -f1)" = "$want" ] ||
		{ echo "qemu-fetch: $orig does not match the SHA-256 in $dsc" >&2; exit 1; }
fi

# --- meson and pycotap from bookworm-backports ---------------------------
if [ -f "$out/py/version" ]; then
	echo "qemu-fetch: $(cat "$out/py/version") already in $out/py"
else
	mkdir -p "$apt/backports"
	echo "deb [signed-by=$keyring] http://deb.debian.org/debian bookworm-backports main" \
		> "$apt/backports/sources.list"
	echo "qemu-fetch: meson, python3-pycotap from bookworm-backports"
	apt_in backports apt-get -qq update
	rm -rf "$out/py" "$apt/debs"
	mkdir -p "$apt/debs"
	pkgs=
	for p in meson python3-pycotap; do
		v=$(apt_in backports apt-cache madison "$p" | awk -F'|' '{ gsub(/ /, "", $2); print $2; exit }')
		[ -n "$v" ] || { echo "qemu-fetch: bookworm-backports has no $p" >&2; exit 1; }
		pkgs="$pkgs $p=$v"
	done
	# shellcheck disable=SC2086 # $pkgs is a list of name=version words
	(cd "$apt/debs" && apt_in backports apt-get -qq download $pkgs 2>&1 | grep -v 'unsandboxed' >&2 || true)
	mkdir -p "$out/py.tmp/root"
	for deb in "$apt/debs"/*.deb; do
		[ -f "$deb" ] || { echo "qemu-fetch: download of$pkgs failed" >&2; exit 1; }
		dpkg-deb -x "$deb" "$out/py.tmp/root"
	done
	[ -f "$out/py.tmp/root/usr/lib/python3/dist-packages/mesonbuild/mesonmain.py" ] ||
		{ echo "qemu-fetch: the meson package holds no mesonbuild" >&2; exit 1; }
	echo "$pkgs" | sed 's/^ //' > "$out/py.tmp/version"
	mv "$out/py.tmp" "$out/py"
	echo "qemu-fetch: $(cat "$out/py/version") -> $out/py/root"
fi

# --- the git tree -----------------------------------------------------------
git_q() { git -C "$src" -c user.name="KVM GPA Team" -c user.email="kvm-gpa@example.org" "$@"; }
if [ ! -d "$src/.git" ]; then
	tmp=$out/src.unpack.$$
	rm -rf "$tmp"; mkdir -p "$tmp"
	echo "qemu-fetch: unpacking $orig"
	tar -xJf "$dl/$orig" -C "$tmp" --strip-components=1
	[ "$(cat "$tmp/VERSION")" = "$ver" ] ||
		{ echo "qemu-fetch: $orig holds QEMU $(cat "$tmp/VERSION"), not $ver" >&2; exit 1; }
	git -C "$tmp" init -q
	git -C "$tmp" config gc.auto 0
	# The tarball carries .gitignore files: force-add everything so that
	# the base commit is exactly the tarball.
	git -C "$tmp" add -A -f .
	GIT_AUTHOR_DATE="2000-01-01T00:00:00Z" GIT_COMMITTER_DATE="2000-01-01T00:00:00Z" \
		git -C "$tmp" -c user.name="KVM GPA Team" -c user.email="kvm-gpa@example.org" \
		commit -q -m "QEMU $ver (Debian orig tarball $orig, qemu $debver)" \
		-m "Untouched; sha256 $(sha256sum "$dl/$orig" | cut -d' ' -f1)."
	git -C "$tmp" tag rig-base
	mv "$tmp" "$src"
fi

series=$pdir/series
if [ "$(git_q rev-parse HEAD)" != "$(git_q rev-parse 'rig-base^{commit}')" ]; then
	echo "qemu-fetch: $src has commits after rig-base; series not applied (make qemu-reset to re-apply it)"
	exit 0
fi
[ -z "$(git_q status --porcelain --untracked-files=no)" ] ||
	{ echo "qemu-fetch: uncommitted edits in $src; commit them or make qemu-reset" >&2; exit 1; }
n=0
if [ -f "$series" ]; then
	for p in $(grep -v '^\s*\(#\|$\)' "$series"); do
		[ -f "$pdir/$p" ] || { echo "qemu-fetch: patch listed in series is missing: $p" >&2; exit 1; }
		if ! git_q am -q --keep-cr --committer-date-is-author-date "$pdir/$p" >/dev/null 2>&1; then
			git_q am --abort >/dev/null 2>&1 || true
			git_q reset -q --hard rig-base
			echo "qemu-fetch: PATCH DOES NOT APPLY: $p" >&2
			exit 1
		fi
		echo "qemu-fetch: applied $p"
		n=$((n + 1))
	done
fi
echo "qemu-fetch: $src at QEMU $ver + $n patch(es)"
