#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
# Copyright (c) 2026 KVM GPA Team
# The source tree: licence files and SPDX lines, the version in one place,
# kvmgpa/build/ ignored by git, and printf-format checking of the library's
# message helpers.  Run from kvmgpa/.
# usage: test_tree.sh BUILDDIR
o=$1
fail=0
bad() { echo "FAIL: $*"; fail=1; }

spdx="SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause"
copyright="Copyright (c) 2026 KVM GPA Team"

# Licence texts: the library's, and (in a checkout) the repository's.
[ -f COPYING ] || bad "no COPYING"
grep -q "^$copyright\$" COPYING || bad "COPYING lacks '$copyright'"
grep -q "Redistribution and use in source and binary forms" COPYING || bad "COPYING lacks BSD-3-Clause's text"
grep -q "GNU LESSER GENERAL PUBLIC LICENSE" COPYING || bad "COPYING lacks the LGPL-2.1's text"
grep -q "Version 2.1, February 1999" COPYING || bad "COPYING's LGPL is not version 2.1"
if [ -f ../patches/7.2/series ] || [ -d ../rig ]; then
	[ -f ../LICENSE ] || bad "no LICENSE at the repository's root"
	[ -f ../docs/licensing.md ] || bad "no docs/licensing.md"
	grep -q "^$copyright\$" ../LICENSE || bad "LICENSE lacks '$copyright'"
fi

# Every source, header, script, man page, Makefile, map and template says
# its licence and copyright in its first lines.
files=$(find . -path ./build -prune -o -path "./$(basename "$o")" -prune -o -type f \
	\( -name '*.c' -o -name '*.h' -o -name '*.sh' -o -name '*.[0-9]' -o -name Makefile \
	   -o -name '*.map' -o -name '*.in' -o -name .gitignore \) -print | sort)
n=0
for f in $files; do
	n=$((n + 1))
	head -4 "$f" | grep -q "$spdx\( \*/\)\?\$" || bad "$f: no '$spdx' in its first lines"
	head -5 "$f" | grep -q "$copyright" || bad "$f: no '$copyright' in its first lines"
done
[ "$n" -ge 20 ] || bad "only $n files checked for SPDX lines: is the find wrong?"
# ...and no file in the library still says only one of the two.
grep -rl "SPDX-License-Identifier: LGPL-2.1-or-later\( \*/\)\?\$" $files && bad "files above have the old SPDX line"

# The version: the header's KVMGPA_VERSION, and everything that shows it.
v=$(sed -n 's/^#define KVMGPA_VERSION "\(.*\)"/\1/p' include/kvmgpa.h)
case $v in [0-9]*.[0-9]*.[0-9]*) ;; *) bad "KVMGPA_VERSION '$v' is not X.Y.Z" ;; esac
mm=${v%.*}
grep -q "^\.TH KVM-GPA-BITS 1 .* \"kvmgpa $v\"" man/kvm-gpa-bits.1 || bad "kvm-gpa-bits.1's .TH is not version $v"
grep -q "^\.TH KVMGPA 3 .* \"libkvmgpa $mm\"" man/kvmgpa.3 || bad "kvmgpa.3's .TH is not version $mm"
grep -q "^Version: $v\$" "$o/kvmgpa.pc" || bad "kvmgpa.pc: $(grep ^Version "$o/kvmgpa.pc"), want $v"
[ -f "$o/libkvmgpa.so.$v" ] && [ "$(readlink "$o/libkvmgpa.so.1")" = "libkvmgpa.so.$v" ] ||
	bad "libkvmgpa.so.1 is not a link to libkvmgpa.so.$v"
# A new minor version has its own symbol version node.
grep -q "^KVMGPA_$mm {" libkvmgpa.map || bad "libkvmgpa.map has no KVMGPA_$mm node"

# kvmgpa/build/, make's default O, is not for git (in a git checkout).
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
	git check-ignore -q build/anything || bad "kvmgpa/build/ is not ignored by git"
	git check-ignore -q src/kvmgpa.c && bad "src/kvmgpa.c is ignored by git"
fi

# The message helpers are checked like printf: a wrong argument is a
# compile error (and the right one is not, so that the test is fair).
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT
for kind in good bad; do
	if [ $kind = good ]; then arg='"x"'; else arg=42; fi
	cat > "$d/fmt.c" <<EOF
#include "$(pwd)/src/kvmgpa.c"
void kvmgpa__fmt_test(struct kvmgpa_result *res);
void kvmgpa__fmt_test(struct kvmgpa_result *res)
{
	skip(res, "%s", $arg);
	say(res->explanation, "%s", $arg);
}
EOF
	if ${CC:-cc} -Iinclude -Isrc -D_GNU_SOURCE -Werror=format -c "$d/fmt.c" -o "$d/fmt.o" 2>"$d/err"; then
		[ $kind = good ] || bad "skip()/say() with a wrong printf argument compiled: no format attribute"
	else
		[ $kind = bad ] || { bad "the format test does not compile:"; cat "$d/err"; }
	fi
done

[ $fail = 0 ] && echo "test_tree: $n files with SPDX and copyright lines, licence files, version $v throughout, build/ ignored, printf formats checked"
exit $fail
