#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
# Copyright (c) 2026 KVM GPA Team
# The documentation cannot drift from the code:
#  - kvm-gpa-bits: the options in its option table, its --help, and the
#    man page's SYNOPSIS and OPTIONS; the JSON keys it prints and the man
#    page's JSON OUTPUT; the text lines it prints and OUTPUT; its exit
#    statuses and EXIT STATUS;
#  - kvmgpa.h: every function, macro and source in kvmgpa(3), and every
#    function in the symbol map.
# Run from kvmgpa/.  usage: test_docs.sh PATH/TO/kvm-gpa-bits PATH/TO/kvm-gpa-bits-fake
cli=$1 fake=$2
man1=man/kvm-gpa-bits.1 man3=man/kvmgpa.3
fail=0
d=$(mktemp -d)
trap 'rm -rf "$d"' EXIT

# same NAME FILE1 FILE2: the two sorted lists must be equal.
same() {
	if ! cmp -s "$2" "$3"; then
		echo "FAIL: $1 differ (< $(basename "$2"), > $(basename "$3")):"
		diff "$2" "$3" | grep '^[<>]'
		fail=1
	fi
}
# section NAME FILE: the roff of one .SH section.
section() {
	awk -v s="$1" '/^\.SH / { on = ($0 == ".SH " s || $0 == ".SH \"" s "\"") ; next } on' "$2"
}

# --- options ---------------------------------------------------------------
sed -n 's/^[[:space:]]*{ "\([a-z-]*\)", [a-z_]*, NULL, .* },$/--\1/p' cli/kvm-gpa-bits.c |
	sort > "$d/table"
"$cli" --help | grep -o -- '--[a-z][a-z-]*' | sort -u > "$d/help"
section SYNOPSIS "$man1" | sed 's/\\-/-/g' | grep -o -- '--[a-z][a-z-]*' | sort -u > "$d/synopsis"
section OPTIONS "$man1" | awk '/^\.TP/ { getline; print }' | sed 's/\\-/-/g' |
	sed -n 's/^\.BI\{0,1\} \(--[a-z-]*\).*/\1/p' | sort -u > "$d/options"
[ "$(wc -l < "$d/table")" -ge 8 ] || { echo "FAIL: read only $(wc -l < "$d/table") options from the option table"; fail=1; }
same "the option table's and --help's options" "$d/table" "$d/help"
same "the option table's and kvm-gpa-bits(1) SYNOPSIS's options" "$d/table" "$d/synopsis"
same "the option table's and kvm-gpa-bits(1) OPTIONS' options" "$d/table" "$d/options"

# --- JSON keys: every key the program can print (with --check, so that the
# check object is there), nested ones as check.KEY --------------------------
: > "$d/json"
for args in "--json --check 0 1" "--json --vm --check 0 1 --guest-maxphyaddr 40" "--json" \
	    "--json --vm-bits 40 --check 0 1"; do
	KVMGPA_FAKE="cap=48 vgb=48 eax=0x00303034 setvm=1" "$fake" --device fake-kvm $args > "$d/out" ||
		{ echo "FAIL: kvm-gpa-bits-fake $args: exit $?"; fail=1; }
	python3 - "$d/out" >> "$d/json" <<'EOF' || { echo "FAIL: the JSON does not parse"; fail=1; }
import json, sys
obj = json.load(open(sys.argv[1]))
for k, v in obj.items():
    print(k)
    if isinstance(v, dict):
        for kk in v:
            print("%s.%s" % (k, kk))
EOF
done
sort -u "$d/json" -o "$d/json"
section "JSON OUTPUT" "$man1" | awk '/^\.TP/ { getline; if ($1 == ".B") print $2 }' | sed 's/\\//g' |
	sort -u > "$d/json-man"
[ "$(wc -l < "$d/json")" -ge 15 ] || { echo "FAIL: only $(wc -l < "$d/json") JSON keys seen"; fail=1; }
same "the JSON keys printed and kvm-gpa-bits(1) JSON OUTPUT's" "$d/json" "$d/json-man"

# --- text lines: the label before the colon (or "region") of every line the
# program can print: a skipped source and --check included ------------------
{
	KVMGPA_FAKE="cap=48 vgb=0 eax=0x00303034" "$fake" --device fake-kvm --check 0 1
	KVMGPA_FAKE="cap=48 vgb=48 eax=0x00303034 setvm=1" "$fake" --device fake-kvm --vm-bits 40
} | sed -n 's/^\(region\) .*/\1/p; s/^\([a-zA-Z][a-zA-Z ]*:\) .*/\1/p' | sort -u > "$d/text"
section OUTPUT "$man1" | awk '/^\.TP/ { getline; if ($1 == ".B") { sub(/^\.B /, ""); gsub(/"/, ""); print } }' |
	sort -u > "$d/text-man"
[ "$(wc -l < "$d/text")" -ge 8 ] || { echo "FAIL: only $(wc -l < "$d/text") text lines seen"; fail=1; }
same "the text lines printed and kvm-gpa-bits(1) OUTPUT's" "$d/text" "$d/text-man"

# --- exit statuses ------------------------------------------------------------
sed -n 's/^enum { EXIT_FITS = \([0-9]\), EXIT_DOES_NOT_FIT = \([0-9]\), EXIT_ERROR = \([0-9]\) };$/\1\n\2\n\3/p' \
	cli/kvm-gpa-bits.c | sort > "$d/exit"
section "EXIT STATUS" "$man1" | awk '/^\.TP/ { getline; print }' | sort > "$d/exit-man"
[ -s "$d/exit" ] || { echo "FAIL: no exit statuses read from cli/kvm-gpa-bits.c"; fail=1; }
same "the exit statuses and kvm-gpa-bits(1) EXIT STATUS'" "$d/exit" "$d/exit-man"
"$cli" --help | tr '\n' ' ' | grep -q "Exit status: 0 .*1 .*2 " || { echo "FAIL: --help does not give the exit statuses"; fail=1; }

# --- kvmgpa.h and kvmgpa(3) ---------------------------------------------------
# Functions: declared in the header; in the SYNOPSIS and NAME; in the map.
sed -n 's/^[a-z_0-9 ]*[ *]\(kvmgpa_[a-z_0-9]*\)(.*/\1/p' include/kvmgpa.h | sort -u > "$d/funcs"
section SYNOPSIS "$man3" | grep -o 'kvmgpa_[a-z_0-9]*(' | tr -d '(' | sort -u > "$d/funcs-syn"
section NAME "$man3" | grep -o 'kvmgpa_[a-z_0-9]*' | sort -u > "$d/funcs-name"
sed -n 's/^[[:space:]]*\(kvmgpa_[a-z_0-9]*\);$/\1/p' libkvmgpa.map | sort -u > "$d/funcs-map"
[ "$(wc -l < "$d/funcs")" -ge 10 ] || { echo "FAIL: only $(wc -l < "$d/funcs") functions read from kvmgpa.h"; fail=1; }
same "kvmgpa.h's functions and kvmgpa(3) SYNOPSIS'" "$d/funcs" "$d/funcs-syn"
same "kvmgpa.h's functions and kvmgpa(3) NAME's" "$d/funcs" "$d/funcs-name"
same "kvmgpa.h's functions and libkvmgpa.map's" "$d/funcs" "$d/funcs-map"
# Macros and sources: each named in kvmgpa(3).
for name in $(sed -n 's/^#define \(KVMGPA_[A-Z0-9_]*\).*/\1/p' include/kvmgpa.h | grep -vx KVMGPA_H) \
	    $(sed -n 's/^[[:space:]]*\(KVMGPA_SOURCE_[A-Z_]*\),.*/\1/p' include/kvmgpa.h); do
	grep -q "$name" "$man3" || { echo "FAIL: kvmgpa(3) does not mention $name"; fail=1; }
done
# kvmgpa_set_vm_bits(): every errno its header comment gives is in RETURN
# VALUE, and SYSTEM CALLS names the ioctl that sets the width.
awk '/^\/\*$/ { c = "" } { c = c $0 "\n" } /^int kvmgpa_set_vm_bits\(/ { printf "%s", c; exit }' \
	include/kvmgpa.h | grep -o -- '-E[A-Z0-9]*' | sort -u > "$d/set-errnos"
section "RETURN VALUE" "$man3" | sed 's/\\-/-/g' | grep -o -- '-E[A-Z0-9]*' | sort -u > "$d/rv-errnos"
[ "$(wc -l < "$d/set-errnos")" -ge 4 ] || { echo "FAIL: only $(wc -l < "$d/set-errnos") errnos read for kvmgpa_set_vm_bits"; fail=1; }
missing=$(comm -23 "$d/set-errnos" "$d/rv-errnos" | tr '\n' ' ')
[ -z "$missing" ] || { echo "FAIL: kvmgpa(3) RETURN VALUE lacks kvmgpa_set_vm_bits's $missing"; fail=1; }
section "SYSTEM CALLS" "$man3" | grep -q "kvmgpa_set_vm_bits" &&
	section "SYSTEM CALLS" "$man3" | tr '\n' ' ' | grep -q "KVM_ENABLE_CAP(KVM_CAP_VM_GPA_BITS)" ||
	{ echo "FAIL: kvmgpa(3) SYSTEM CALLS does not list kvmgpa_set_vm_bits's KVM_ENABLE_CAP"; fail=1; }
# Sections the header's users need.
for s in "RETURN VALUE" ERRORS ATTRIBUTES "SYSTEM CALLS" VERSIONS; do
	[ -n "$(section "$s" "$man3")" ] || { echo "FAIL: kvmgpa(3) has no $s section"; fail=1; }
done

[ $fail = 0 ] && echo "test_docs: $(wc -l < "$d/table") options, $(wc -l < "$d/json") JSON keys, $(wc -l < "$d/text") text lines, $(wc -l < "$d/exit") exit statuses and $(wc -l < "$d/funcs") functions as documented"
exit $fail
