#!/bin/bash
# Build Bochs 2.7 from its source tarball with rig/bochs/*.patch applied:
#   OUTDIR/root/bin/bochs   an x86-64 CPU with VMX (EPT) and SVM, no GUI, no
#                           SMP, whose MAXPHYADDR the bochsrc chooses
#                           (cpu: phy_addr_width=N, up to 52: patch 0008).
#
# usage: build-bochs.sh TARBALL OUTDIR
#
# A no-op when OUTDIR holds a build stamped with the same inputs (the
# tarball's sha256, the patches, this script).  Exits 3 with one line on
# stderr when TARBALL is missing, so that the rig can skip its Bochs cells.
# Installs missing build and boot dependencies with apt-get (as root).
set -euo pipefail
# Its make joins make check's jobserver, or runs -j$(nproc) alone (rig/jobs.sh).
. "$(dirname "$(readlink -f "$0")")/jobs.sh"

SHA256=c28bf09287a5e05c9dfa93a6071438b405526e41780bacf9c0e244b0a7117be7
# The widest MAXPHYADDR the build can emulate; each cell chooses its own.
WIDTH=52
# Build dependencies, and what rig/bochs_boot.py needs to boot (BIOS images,
# isolinux, xorriso).
PKGS="g++ make patch xz-utils ccache bochsbios vgabios isolinux syslinux-common xorriso"
CONFIGURE_FLAGS="--enable-x86-64 --enable-cpu-level=6 --enable-vmx=2 --enable-svm
	--enable-avx --enable-evex --enable-pci --enable-all-optimizations
	--enable-monitor-mwait --disable-show-ips --with-nogui --disable-docbook"
# --enable-show-ips is left out on purpose: its SIGALRM handler deadlocks.

if [ $# -ne 2 ]; then
	echo "usage: $0 TARBALL OUTDIR" >&2
	exit 2
fi
tarball=$1
outdir=$(realpath -m "$2")
if [ ! -f "$tarball" ]; then
	echo "build-bochs: missing $tarball (Bochs 2.7 source, sha256 $SHA256); Bochs cells cannot run" >&2
	exit 3
fi
tarball=$(realpath "$tarball")
here=$(dirname "$(realpath "$0")")
patches=$(find "$here/bochs" -maxdepth 1 -name '*.patch' | LC_ALL=C sort)
# JOBS=N: make -jN instead of rig/jobs.sh's choice.
[ -z "${JOBS:-}" ] || RIG_J=-j$JOBS

sha=$(sha256sum "$tarball" | cut -d' ' -f1)
if [ "$sha" != "$SHA256" ]; then
	echo "build-bochs: $tarball has sha256 $sha, expected $SHA256" >&2
	exit 1
fi

stamp=$( { echo "$sha"; for p in $patches; do basename "$p"; cat "$p"; done; cat "$0"; } |
	sha256sum | cut -d' ' -f1)
uptodate=1
[ "$(cat "$outdir/.stamp" 2>/dev/null)" = "$stamp" ] || uptodate=0
[ -x "$outdir/root/bin/bochs" ] || uptodate=0

missing=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}\n' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing="$missing $p"
done
if [ -n "$missing" ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "build-bochs: missing packages:$missing (install them as root)" >&2
		exit 1
	fi
	echo "build-bochs: installing$missing"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null
	# shellcheck disable=SC2086
	apt-get install -y -qq --no-install-recommends $missing >/dev/null
fi

if [ "$uptodate" = 1 ]; then
	exit 0
fi

mkdir -p "$(dirname "$outdir")"
work=$(mktemp -d "$outdir.build.XXXXXX")
trap 'rm -rf "$work"' EXIT
trap 'exit 130' INT TERM
log=$work/build.log
fail() {
	echo "build-bochs: $1 failed; the end of its log:" >&2
	tail -n 30 "$log" >&2
	mkdir -p "$outdir" && cp "$log" "$outdir/build-failed.log" &&
		echo "build-bochs: whole log in $outdir/build-failed.log" >&2
	exit 1
}

# ccache: a rebuild (a fresh clone on the same machine) takes nearly every
# object from it.  Paths are relative to $work, which changes from build to
# build.
. "$(dirname "$(readlink -f "$0")")/ccache.sh"
rig_ccache "$work"
export CC="ccache gcc" CXX="ccache g++"

echo "build-bochs: building Bochs 2.7 (MAXPHYADDR up to $WIDTH) into $outdir"
t0=$(date +%s)
src=$work/src
mkdir -p "$src"
tar -xJf "$tarball" -C "$src" --strip-components=1
for p in $patches; do
	patch -d "$src" -p1 --quiet --forward < "$p" >>"$log" 2>&1 || fail "patch $(basename "$p")"
done
# The prefix is the final place: Bochs compiles its share path in.
# shellcheck disable=SC2086
(cd "$src" && ./configure --prefix="$outdir/root" --enable-phy-address-width="$WIDTH" \
	$CONFIGURE_FLAGS) >>"$log" 2>&1 || fail "configure"
if ! grep -q "^#define BX_CONFIGURED_PHY_ADDRESS_WIDTH $WIDTH\$" "$src/config.h"; then
	echo "config.h does not set the width to $WIDTH" >>"$log"
	fail "configure"
fi
make -C "$src" $RIG_J >>"$log" 2>&1 || fail "make"
make -C "$src" install DESTDIR="$work/stage" >>"$log" 2>&1 || fail "make install"

# Replace the old build only now that the new one is complete (and the
# per-width builds of older checkouts with it).
mkdir -p "$outdir"
rm -f "$outdir/.stamp" "$outdir/build-failed.log"
rm -rf "$outdir/root" "$outdir/pa40" "$outdir/pa52"
mv "$work/stage$outdir/root" "$outdir/root"
cp "$log" "$outdir/build.log"
echo "$stamp" > "$outdir/.stamp"
echo "build-bochs: done in $(( $(date +%s) - t0 ))s"
