#!/bin/sh
# Configure (tinyconfig + fragments) and build a kernel in place, then install
# its uapi headers for the selftests.  ccache makes rebuilds of a second tree
# with the same sources cheap.
#
# usage: build-kernel.sh TREE FRAGMENT...
set -eu
# Its make joins make check's jobserver, or runs -j$(nproc) alone (rig/jobs.sh).
. "$(dirname "$(readlink -f "$0")")/jobs.sh"
tree=$1; shift
frags=""
for f in "$@"; do frags="$frags $(readlink -f "$f")"; done
set -- $frags
rig=$(dirname "$(readlink -f "$0")")
. "$rig/ccache.sh"
rig_ccache "$(readlink -f "$tree/..")"
# A fixed build number too: a tree seeded from another (rig/seed-tree.sh)
# would otherwise count on from its build number, and differ from a tree
# built from nothing in that alone.
export KBUILD_BUILD_TIMESTAMP="2000-01-01" KBUILD_BUILD_USER=rig KBUILD_BUILD_HOST=rig KBUILD_BUILD_VERSION=1
mk() { make -s -C "$tree" CC="ccache gcc" $RIG_J "$@"; }

stamp=$tree/.rig-config-stamp
want=$(cat "$@" | sha256sum | cut -d' ' -f1)
if [ ! -f "$tree/.config" ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
	echo "build-kernel: configuring $tree"
	mk tinyconfig >/dev/null
	(cd "$tree" && KCONFIG_CONFIG=.config ./scripts/kconfig/merge_config.sh -m .config "$@" >/dev/null)
	mk olddefconfig >/dev/null
	"$rig/check-config.sh" "$tree/.config" "$@"
	echo "$want" > "$stamp"
fi
echo "build-kernel: building $tree"
mk bzImage
mk headers >/dev/null
