#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
# Copyright (c) 2026 KVM GPA Team
# make install into a scratch DESTDIR, then build and run a consumer against
# the installed header, shared library and pkg-config file.
# usage: test_install.sh BUILDDIR
set -eu
# Its own make runs with its own -j: not a parent make's jobserver.
unset MAKEFLAGS MFLAGS MAKELEVEL
o=$(readlink -f "$1")
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
make -s O="$o" install PREFIX=/opt/kvmgpa DESTDIR="$d" >/dev/null
v=$(sed -n 's/^#define KVMGPA_VERSION "\(.*\)"/\1/p' include/kvmgpa.h)
for f in include/kvmgpa.h lib/libkvmgpa.a lib/libkvmgpa.so.$v lib/libkvmgpa.so.1 lib/libkvmgpa.so \
	 lib/pkgconfig/kvmgpa.pc bin/kvm-gpa-bits share/man/man1/kvm-gpa-bits.1 share/man/man3/kvmgpa.3 \
	 share/doc/kvmgpa/COPYING; do
	[ -e "$d/opt/kvmgpa/$f" ] || { echo "FAIL: make install did not install $f"; exit 1; }
done
cat > "$d/use.c" <<'EOC'
#include <kvmgpa.h>
#include <stdio.h>
int main(void)
{
	/* [2^48 - 4K, 2^48) fits in 48 bits, one more page does not. */
	return !(kvmgpa_region_fits(48, (1ull << 48) - 4096, 4096) &&
		 !kvmgpa_region_fits(48, (1ull << 48) - 4096, 8192));
}
EOC
# The header is usable from C++, and KVMGPA_OPTIONS_INIT with it.
printf '#include <kvmgpa.h>\nint main() { struct kvmgpa_options o = KVMGPA_OPTIONS_INIT; return o.vm_fd != -1; }\n' \
	> "$d/use.cc"
c++ -I"$d/opt/kvmgpa/include" "$d/use.cc" -o "$d/usecc" && "$d/usecc" ||
	{ echo "FAIL: kvmgpa.h from C++"; exit 1; }
flags=$(PKG_CONFIG_PATH="$d/opt/kvmgpa/lib/pkgconfig" PKG_CONFIG_SYSROOT_DIR="$d" pkg-config --cflags --libs kvmgpa)
cc "$d/use.c" $flags -o "$d/use"
LD_LIBRARY_PATH="$d/opt/kvmgpa/lib" "$d/use" || { echo "FAIL: consumer of the installed library"; exit 1; }
grep -qx 'libdir=${prefix}/lib' "$d/opt/kvmgpa/lib/pkgconfig/kvmgpa.pc" ||
	{ echo "FAIL: kvmgpa.pc does not write libdir under \${prefix}"; exit 1; }
cmp -s COPYING "$d/opt/kvmgpa/share/doc/kvmgpa/COPYING" || { echo "FAIL: the installed COPYING differs"; exit 1; }
[ "$(readlink "$d/opt/kvmgpa/lib/libkvmgpa.so.1")" = "libkvmgpa.so.$v" ] ||
	{ echo "FAIL: lib/libkvmgpa.so.1 is not a link to libkvmgpa.so.$v"; exit 1; }
# The shared library exports its API and nothing else (no test seam, no
# helpers for the library's own programs), each symbol at the version that
# brought it: 1.0's never move.
want="kvmgpa_cap_number@@KVMGPA_1.0 kvmgpa_guest_cpuid_80000008_eax@@KVMGPA_1.0 kvmgpa_max_gpa@@KVMGPA_1.0 kvmgpa_query@@KVMGPA_1.0 kvmgpa_query_ex@@KVMGPA_1.0 kvmgpa_region_fits@@KVMGPA_1.0 kvmgpa_result_region_fits@@KVMGPA_1.1 kvmgpa_set_vm_bits@@KVMGPA_1.1 kvmgpa_source_name@@KVMGPA_1.0 kvmgpa_usable_bits@@KVMGPA_1.1 kvmgpa_version@@KVMGPA_1.0"
got=$(nm -D --defined-only "$d/opt/kvmgpa/lib/libkvmgpa.so.1" | awk '$2 ~ /[TDRB]/ { print $3 }' |
	sort | tr '\n' ' ' | sed 's/ $//')
[ "$got" = "$want" ] || { echo "FAIL: libkvmgpa.so.1 exports '$got', want '$want'"; exit 1; }
# The static library cannot hide names: everything global it defines is the
# API or starts with kvmgpa__, so a VMM linking it gets no stray names.
api=$(echo "$want" | tr ' ' '\n' | sed 's/@.*//')
stray=$(nm -g --defined-only "$d/opt/kvmgpa/lib/libkvmgpa.a" | awk 'NF == 3 { print $3 }' | sort -u |
	while read -r sym; do
		case $sym in kvmgpa__*) continue ;; esac
		echo "$api" | grep -qx "$sym" || echo "$sym"
	done | tr '\n' ' ')
[ -z "$stray" ] || { echo "FAIL: libkvmgpa.a defines non-API names: $stray"; exit 1; }
soname=$(readelf -d "$d/opt/kvmgpa/lib/libkvmgpa.so.1" | sed -n 's/.*(SONAME).*\[\(.*\)\]/\1/p')
[ "$soname" = libkvmgpa.so.1 ] || { echo "FAIL: soname '$soname', want libkvmgpa.so.1"; exit 1; }
vers=$(readelf -V "$d/opt/kvmgpa/lib/libkvmgpa.so.1" | sed -n 's/.*Name: \(KVMGPA_[0-9.]*\).*/\1/p' | sort -u | tr '\n' ' ')
[ "$vers" = "KVMGPA_1.0 KVMGPA_1.1 " ] || { echo "FAIL: symbol versions '$vers', want KVMGPA_1.0 KVMGPA_1.1"; exit 1; }
# The 1.1 node inherits 1.0's.
readelf -V "$d/opt/kvmgpa/lib/libkvmgpa.so.1" | grep -A1 "Name: KVMGPA_1.1" | grep -q "Parent 1: KVMGPA_1.0" ||
	{ echo "FAIL: KVMGPA_1.1 does not inherit KVMGPA_1.0"; exit 1; }
# make uninstall takes back every file make install put there.
make -s O="$o" uninstall PREFIX=/opt/kvmgpa DESTDIR="$d" >/dev/null
left=$(find "$d/opt/kvmgpa" -type f)
[ -z "$left" ] || { echo "FAIL: make uninstall left $left"; exit 1; }
echo "test_install: installed files (COPYING included) present, soname, symbol versions and exports as declared, static library's names clean, pkg-config consumer builds and runs"
