#!/bin/sh
# Build the base initramfs: busybox-static, the rig's init, and the programs
# given (placed in /rig/bin); a directory given is copied whole to /rig/<name>
# (e.g. a kselftest install tree).
# usage: mkinitramfs.sh OUT.cpio PROGRAM|DIR...
set -eu
out=$1; shift
rig=$(dirname "$(readlink -f "$0")")
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
mkdir -p "$stage/bin" "$stage/sbin" "$stage/usr/bin" "$stage/usr/sbin" "$stage/proc" \
	"$stage/sys" "$stage/dev" "$stage/tmp" "$stage/rig/bin" "$stage/rig/extra"
cp /bin/busybox "$stage/bin/busybox"
file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' ||
	{ echo "mkinitramfs: /bin/busybox is not static (apt-get install busybox-static)" >&2; exit 1; }
for applet in $("$stage/bin/busybox" --list); do
	[ -e "$stage/bin/$applet" ] || ln -s busybox "$stage/bin/$applet"
done
mknod "$stage/dev/console" c 5 1
cp "$rig/guest/init" "$stage/init"
for p in "$@"; do
	if [ -d "$p" ]; then
		cp -a "$p" "$stage/rig/$(basename "$p")"
		continue
	fi
	[ -x "$p" ] || { echo "mkinitramfs: not an executable: $p" >&2; exit 1; }
	cp "$p" "$stage/rig/bin/"
	strip --strip-debug "$stage/rig/bin/$(basename "$p")" 2>/dev/null || true
done
(cd "$stage" && find . | LC_ALL=C sort | cpio -o -H newc --quiet -R 0:0) > "$out.tmp"
mv "$out.tmp" "$out"
