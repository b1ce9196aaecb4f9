#!/bin/sh
# Build the rig's QEMU from QDIR/src (rig/qemu/fetch-source.sh) in QDIR/obj
# and stage it as a root directory that rig/vmm/build-vmm.sh takes beside
# Debian's QEMUs: QDIR/root/usr/bin/qemu-system-x86_64, the option ROMs
# -kernel needs (multiboot_dma.bin, linuxboot_dma.bin, kvmvapic.bin) in
# QDIR/root/usr/share/qemu, and SeaBIOS (bios-256k.bin) in
# QDIR/root/usr/share/seabios, copied from FWROOT (bookworm-backports'
# QEMU, rig/vmm/fetch-qemu.sh): the +ds source carries no firmware blobs.
#
# Only what the rig runs is built, to keep the build short: the x86_64
# system emulator with KVM and no TCG, no tools, no docs, no optional
# features (--without-default-features: no display, audio, network
# backends, ...) and only the devices in rig/qemu/devices.mak
# (--without-default-devices), without debug info.  Only the
# qemu-system-x86_64 target is built, not everything the tree defines.
# configure runs again only when its command line changes; otherwise ninja
# rebuilds what the source tree's edits touch (and re-runs meson itself
# when a meson.build or Kconfig changed).  C files compile through ccache
# (rig/ccache.sh: CCACHE_DIR from the environment); the three option ROMs
# with plain gcc, through their own Makefile (nothing for ccache to save).
#
# The edk2 workaround: configure stops at pc-bios/meson.build, which
# decompresses the edk2-*.fd.bz2 firmware whenever x86_64-softmmu is built
# and bzip2 is on the PATH; the +ds tarball has no such files, and meson's
# files() fails at configure time for a missing input.  No option turns
# that off: --disable-install-blobs (given too) only stops the blobs from
# being installed, and a meson native file that hides bzip2 cannot be
# passed through configure.  So each missing edk2-*.fd.bz2 that
# pc-bios/meson.build lists gets a placeholder, a valid bzip2 stream of
# nothing, listed in the tree's .git/info/exclude so that git, and so
# make export-qemu, never sees it.  This is sound because nothing uses the
# result: the placeholders would only decompress into empty edk2-*.fd in
# QDIR/obj if the target "all" were built (only qemu-system-x86_64 is),
# they are never installed (--disable-install-blobs), the staged root holds
# no edk2 file, and the rig's pc machine boots SeaBIOS from the -L
# directory, never EDK2.  A real .bz2 in the tree is never replaced.
#
# usage: build.sh QDIR FWROOT    (QDIR: build/qemu; FWROOT:
#                                 build/qemu-backports/root)
set -eu
q=$(readlink -f "$1") fwroot=$(readlink -f "$2")
here=$(dirname "$(readlink -f "$0")")
src=$q/src obj=$q/obj
[ -f "$src/configure" ] || { echo "qemu: no source in $src (make qemu-tree)" >&2; exit 1; }
[ -f "$q/py/version" ] || { echo "qemu: no meson in $q/py (make qemu-tree)" >&2; exit 1; }
[ -f "$fwroot/usr/share/seabios/bios-256k.bin" ] ||
	{ echo "qemu: no $fwroot/usr/share/seabios/bios-256k.bin (rig/vmm/fetch-qemu.sh)" >&2; exit 1; }
. "$here/../ccache.sh"
rig_ccache "$q"
# ninja (1.11) cannot join make check's jobserver (rig/jobs.sh): under one,
# it runs one job in the slot it holds; alone, -j$(nproc).
. "$here/../jobs.sh"
ninja_j=${RIG_J:--j1}
# meson (>= 1.5) and pycotap from bookworm-backports, unpacked by
# fetch-source.sh; configure's Python venv sees them through PYTHONPATH,
# and so does meson when ninja re-runs it.
PYTHONPATH=$q/py/root/usr/lib/python3/dist-packages${PYTHONPATH:+:$PYTHONPATH}
export PYTHONPATH

# The edk2 placeholders (see above).
exclude=$(git -C "$src" rev-parse --absolute-git-dir)/info/exclude
mkdir -p "$(dirname "$exclude")"
for f in $(sed -n "/^ *fds = \[/,/\]/s/^ *'\(edk2-[^']*\.fd\)',*$/\1/p" "$src/pc-bios/meson.build"); do
	[ -e "$src/pc-bios/$f.bz2" ] && continue
	printf '' | bzip2 -c > "$src/pc-bios/$f.bz2"
	grep -qx "/pc-bios/$f.bz2" "$exclude" 2>/dev/null || echo "/pc-bios/$f.bz2" >> "$exclude"
done

# configure takes the device file by a name under
# configs/devices/x86_64-softmmu/ and appends .mak: a relative path up and
# out of the tree names rig/qemu/devices.mak.
devices=$(realpath -m --relative-to="$src/configs/devices/x86_64-softmmu" "$here/devices")
set -- --python=/usr/bin/python3 --target-list=x86_64-softmmu \
	--enable-kvm --disable-tcg \
	--without-default-features --without-default-devices --with-devices-x86_64="$devices" \
	-Dfdt=system --disable-tools --disable-docs --disable-install-blobs --disable-debug-info
rommk=$obj/pc-bios/optionrom/config.mak
if [ ! -f "$obj/build.ninja" ] || [ ! -f "$rommk" ] ||
   [ "$*" != "$(cat "$obj/rig-configure" 2>/dev/null)" ]; then
	echo "qemu: configuring"
	rm -rf "$obj"
	mkdir -p "$obj"
	if ! (cd "$obj" && CC="ccache gcc" "$src/configure" "$@" > configure.log 2>&1); then
		tail -20 "$obj/configure.log" >&2
		echo "qemu: configure failed; the whole log: $obj/configure.log" >&2
		exit 1
	fi
	# The option ROMs are built for i386 by the host compiler with -m32,
	# which configure takes only if it links with -lgcc.
	[ -f "$rommk" ] ||
		{ echo "qemu: configure found no -m32 compiler for the option ROMs (apt-get install lib32gcc-12-dev)" >&2; exit 1; }
	echo "$*" > "$obj/rig-configure"
fi

# ninja re-runs meson itself when a meson.build, a Kconfig or devices.mak
# changed; do that first, so that the dry run counts the real work.
ninja_q() {
	ninja -C "$obj" $ninja_j "$@" > "$obj/build.log" 2>&1 && return 0
	grep -A20 '^FAILED' "$obj/build.log" | head -60 >&2
	echo "qemu: build failed; the whole log: $obj/build.log" >&2
	exit 1
}
ninja_q build.ninja
n=$(ninja -C "$obj" -n qemu-system-x86_64 | grep -c '^\[' || true)
echo "qemu: building $n targets"
ninja_q qemu-system-x86_64
roms="multiboot_dma.bin linuxboot_dma.bin kvmvapic.bin"
# shellcheck disable=SC2086 # $roms is a list of file names
make -C "$obj/pc-bios/optionrom" CC=gcc CCAS=gcc PYTHON=/usr/bin/python3 $roms \
	> "$obj/optionrom.log" 2>&1 ||
	{ cat "$obj/optionrom.log" >&2; echo "qemu: the option ROMs failed to build" >&2; exit 1; }

# Staged file by file, each replaced only when it changed: a rebuild that
# changed nothing leaves QDIR/root's times alone, so that what depends on
# it (build-vmm.sh's output, the guests' initramfs) is not remade.
stage() {
	cmp -s "$1" "$2" && return 0
	mkdir -p "$(dirname "$2")"
	cp -L "$1" "$2.tmp"
	mv "$2.tmp" "$2"
}
stage "$obj/qemu-system-x86_64" "$q/root/usr/bin/qemu-system-x86_64"
for r in $roms; do
	stage "$obj/pc-bios/optionrom/$r" "$q/root/usr/share/qemu/$r"
done
stage "$fwroot/usr/share/seabios/bios-256k.bin" "$q/root/usr/share/seabios/bios-256k.bin"
echo "qemu: $("$q/root/usr/bin/qemu-system-x86_64" --version | head -1) -> $q/root"
