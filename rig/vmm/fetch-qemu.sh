#!/bin/sh
# Unpack Debian 12's bookworm-backports QEMU (qemu-system-x86, its data
# package and the SeaBIOS it depends on) into OUTDIR/root, beside the
# system's QEMU 7.2 that runs the cells: a private sources list, lists
# directory and cache under OUTDIR (the system's apt configuration is not
# touched), signed by the installed Debian archive keyring.  Libraries it
# needs that the system lacks are unpacked too.  Writes OUTDIR/version.
# usage: fetch-qemu.sh OUTDIR
set -eu
out=$(mkdir -p "$1" && readlink -f "$1")
keyring=/usr/share/keyrings/debian-archive-keyring.gpg
apt=$out/apt
[ -f "$keyring" ] || { echo "fetch-qemu: $keyring missing (apt-get install debian-archive-keyring)" >&2; exit 1; }
mkdir -p "$apt/lists/partial" "$apt/cache/archives/partial"
for suite in bookworm-backports bookworm; do
	echo "deb [signed-by=$keyring] http://deb.debian.org/debian $suite main"
done > "$apt/sources.list"
set -- -o Dir::Etc::sourcelist="$apt/sources.list" -o Dir::Etc::sourceparts=- \
	-o Dir::State::Lists="$apt/lists" -o Dir::Cache="$apt/cache" -o Debug::NoLocking=1
echo "fetch-qemu: qemu-system-x86 from bookworm-backports"
apt-get "$@" -qq update
# The newest version apt knows is the backports one.
ver=$(apt-cache "$@" madison qemu-system-x86 | awk -F'|' '/bookworm-backports/{gsub(/ /,"",$2); print $2; exit}')
[ -n "$ver" ] || { echo "fetch-qemu: bookworm-backports has no qemu-system-x86" >&2; exit 1; }
sbver=$(apt-cache "$@" madison seabios | awk -F'|' '/bookworm-backports/{gsub(/ /,"",$2); print $2; exit}')
rm -rf "$apt/debs" "$out/root"
mkdir -p "$apt/debs" "$out/root"
missing=$(apt-cache "$@" show "qemu-system-x86=$ver" | sed -n 's/^Depends: //p' | tr ',' '\n' |
	sed 's/(.*//; s/|.*//; s/ //g' | grep -v '^\(qemu\|seabios\|ipxe\)' | while read -r p; do
		dpkg -s "$p" >/dev/null 2>&1 || echo "$p"
	done)
(cd "$apt/debs" && apt-get "$@" -qq download "qemu-system-x86=$ver" "qemu-system-data=$ver" \
	${sbver:+"seabios=$sbver"} $missing 2>&1 | grep -v unsandboxed >&2 || true)
for deb in "$apt/debs"/*.deb; do
	dpkg-deb -x "$deb" "$out/root"
done
[ -x "$out/root/usr/bin/qemu-system-x86_64" ] || { echo "fetch-qemu: download failed" >&2; exit 1; }
echo "qemu-system-x86 $ver, seabios ${sbver:-(system)}${missing:+, libraries:$(echo $missing)}" > "$out/version"
echo "fetch-qemu: $(cat "$out/version") -> $out/root"
