#!/bin/sh
# Fetch Debian unstable's linux-source-<ver> (Debian 12's apt knows only
# bookworm) without touching the system's apt configuration: a private
# sources list, lists directory and cache under OUTDIR, signed by the Debian
# archive keyring that is already installed.  Unpacks the .deb's tarball to
# OUTDIR/linux-source-<ver>.tar.xz and records the package version in
# OUTDIR/linux-source-<ver>.version.
#
# usage: fetch-source.sh VERSION OUTDIR
set -eu
ver=$1 out=$(mkdir -p "$2" && readlink -f "$2")
pkg=linux-source-$ver
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
apt=$out/apt
[ -f "$keyring" ] || { echo "fetch-source: $keyring missing (apt-get install debian-archive-keyring)" >&2; exit 1; }
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial" "$apt/debs"
echo "deb [signed-by=$keyring] http://deb.debian.org/debian unstable main" > "$apt/sources.list"
set -- -o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=- \
	-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o Debug::NoLocking=1
echo "fetch-source: $pkg from Debian unstable"
apt-get "$@" -qq update
rm -f "$apt/debs/$pkg"_*.deb
(cd "$apt/debs" && apt-get "$@" -qq download "$pkg" 2>&1 | grep -v 'unsandboxed' >&2 || true)
deb=$(ls "$apt/debs/$pkg"_*.deb 2>/dev/null | head -1)
[ -n "$deb" ] || { echo "fetch-source: could not download $pkg" >&2; exit 1; }
pver=$(dpkg-deb -f "$deb" Version)
tmp=$out/.unpack.$$
rm -rf "$tmp"; mkdir -p "$tmp"
dpkg-deb --fsys-tarfile "$deb" | tar -x -C "$tmp" "./usr/src/$pkg.tar.xz"
mv "$tmp/usr/src/$pkg.tar.xz" "$out/$pkg.tar.xz"
rm -rf "$tmp"
echo "$pver" > "$out/$pkg.version"
echo "fetch-source: $pkg $pver -> $out/$pkg.tar.xz"
