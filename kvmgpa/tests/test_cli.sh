#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
# Copyright (c) 2026 KVM GPA Team
# kvm-gpa-bits: argument handling and error paths that need no KVM, then
# answers, --check and JSON against a scripted KVM (tests/fake_kvm.c).
# usage: test_cli.sh PATH/TO/kvm-gpa-bits PATH/TO/kvm-gpa-bits-fake
cli=$1 fake=$2
fail=0
expect() {	# expect STATUS PATTERN -- ARGS...
	want=$1 pat=$2; shift 3
	out=$("$cli" "$@" 2>&1); got=$?
	if [ "$got" != "$want" ] || ! printf '%s' "$out" | grep -q -- "$pat"; then
		echo "FAIL: kvm-gpa-bits $*: exit $got (want $want), output: $out"
		fail=1
	fi
}
expect 0 "usage:" -- --help
expect 0 "kvm-gpa-bits [0-9]" -- --version
expect 2 "usage:" -- --bogus
expect 2 "unexpected argument" -- stray
expect 2 "wants GPA and SIZE" -- --check
expect 2 "wants GPA and SIZE" -- --check 0x1000
expect 2 "wants GPA and SIZE" -- --check 0x1000 lots
expect 2 "invalid option" -- --check -1 0x1000
expect 2 "wants GPA and SIZE" -- --check -- -1 0x1000
expect 2 "wants GPA and SIZE" -- --check 0x1000 0x1000 extra
expect 2 "No such file.*module loaded" -- --device /nonexistent/kvm
# Not KVM at all: an error, not an answer made of the host's cpuinfo.
expect 2 "/dev/null is not a KVM device" -- --device /dev/null
expect 2 "/dev/null is not a KVM device" -- --json --vm --device /dev/null
expect 2 "/dev/null is not a KVM device" -- --device /dev/null --check 0x1000 0x1000
# Numbers are decimal, or 0x and hex digits, and nothing else.  A number the
# parser takes gets as far as opening the (missing) device.  printf %b
# turns the \x20 and \t below into the blanks they stand for.
while read -r gpa size; do
	expect 2 "wants GPA and SIZE" -- --device /nonexistent/kvm --check \
		"$(printf '%b' "$gpa")" "$(printf '%b' "$size")"
done <<'BAD'
\x20-5	0x1000
0x1000	\x20-1
+5	0x1000
0x1000	+1
010x	0x1000
0x	0x1000
0X	0x1000
0xg	0x1000
08z	0x1000
\x205	0x1000
5\x20	0x1000
\t5	0x1000
0x-1	0x1000
1e3	0x1000
0b101	0x1000
18446744073709551616	0x1000
0x10000000000000000	0x1000
0x1000	0x1_000
_	0x1000
BAD
while read -r gpa size; do
	expect 2 "cannot open /nonexistent/kvm" -- --device /nonexistent/kvm --check "$gpa" "$size"
done <<'GOOD'
010	08
0	0
0x0	0X1000
0xFFFFFFFFFFFFF000	4096
18446744073709551615	1
GOOD
# --guest-maxphyaddr: a width x86 can have, 32 to 52 bits.
for bad in 31 53 0 -1 " 40" 40x abc 0x; do
	expect 2 "guest-maxphyaddr wants" -- --device /nonexistent/kvm --guest-maxphyaddr "$bad"
done
for good in 32 52 0x28; do
	expect 2 "cannot open /nonexistent/kvm" -- --device /nonexistent/kvm --guest-maxphyaddr "$good"
done
expect 2 "/dev/null is not a KVM device" -- --kvm-only --device /dev/null
# --vm-bits: a width x86 can have, 32 to 52 bits, checked before any device.
for bad in 31 53 0 -1 " 40" 40x abc 0x; do
	expect 2 "vm-bits wants" -- --device /nonexistent/kvm --vm-bits "$bad"
done
for good in 32 52 0x28; do
	expect 2 "cannot open /nonexistent/kvm" -- --device /nonexistent/kvm --vm-bits "$good"
done
expect 2 "/dev/null is not a KVM device" -- --vm-bits 40 --device /dev/null
# Output that cannot be written is an error, not a success; --help and
# --version go through the same check as the answer, and need no KVM.
for opt in --help --version; do
	out=$("$cli" $opt 2>&1 >/dev/full); got=$?
	if [ "$got" != 2 ] || ! printf '%s' "$out" | grep -q "writing the result failed"; then
		echo "FAIL: kvm-gpa-bits $opt >/dev/full: exit $got (want 2), output: $out"
		fail=1
	fi
done
if [ "$(id -u)" != 0 ] && [ -e /dev/kvm ] && [ ! -r /dev/kvm ]; then
	expect 2 "group that owns" -- --device /dev/kvm
fi
# Every option once, spelled out: a repeat or an abbreviation is an error.
expect 2 "'--json' given twice" -- --json --json --device /nonexistent/kvm
expect 2 "'--device' given twice" -- --device=/a --device /nonexistent/kvm
expect 2 "'--guest-maxphyaddr' given twice" -- --guest-maxphyaddr 40 --guest-maxphyaddr 52
expect 2 "'--check' given twice" -- --check --check 0 1
expect 2 "'--vm-bits' given twice" -- --vm-bits 40 --vm-bits 44
expect 2 "unknown option '--vm-b'.*--vm-bits" -- --vm-b 40
expect 2 "unknown option '--js'.*not abbreviated.*--json" -- --js --device /nonexistent/kvm
expect 2 "unknown option '--dev'.*--device" -- --dev /nonexistent/kvm
expect 2 "unknown option '--dev'.*--device" -- --dev=/nonexistent/kvm
expect 2 "unknown option '--guest-max'" -- --guest-max 40 --device /nonexistent/kvm
expect 2 "unknown option '--kvm'" -- --kvm --device /nonexistent/kvm
expect 2 "unknown option '--vers'" -- --vers
expect 2 "ambiguous" -- --v
# Options after GPA SIZE still count, spelled out in full.
expect 2 "cannot open /nonexistent/kvm" -- --check 0 1 --device /nonexistent/kvm

# --- against the scripted KVM --------------------------------------------
fake() {	# fake SCRIPT STATUS PATTERN -- ARGS...
	script=$1 want=$2 pat=$3; shift 4
	out=$(KVMGPA_FAKE=$script "$fake" --device fake-kvm "$@" 2>&1); got=$?
	if [ "$got" != "$want" ] || ! printf '%s' "$out" | grep -q -- "$pat"; then
		echo "FAIL: KVMGPA_FAKE='$script' kvm-gpa-bits $*: exit $got (want $want), output: $out"
		fail=1
	fi
}
p48="cap=48 vgb=48 eax=0x00303034"	# N 48, MAXPHYADDR 52 (4-level TDP)
fake "$p48" 0 "^max GPA bits: 48" --
fake "$p48" 0 "^authoritative: yes" --
# --check judges against min(N, guest MAXPHYADDR): 2^40 fits in N = 48 but
# not in a guest with MAXPHYADDR 40.
fake "$p48" 1 "does NOT fit below 2^40 (guest bits" -- --guest-maxphyaddr 40 --check 0x10000000000 1
fake "$p48" 0 "fits below 2^40" -- --guest-maxphyaddr 40 --check 0xffffffffff 1
fake "$p48" 0 "fits below 2^48" -- --check 0x10000000000 1
fake "$p48" 1 '"fits": false, "bits": 40, "width": "guest_bits"' -- --json --guest-maxphyaddr 40 \
	--check 0x10000000000 1
fake "$p48" 0 '"fits": true, "bits": 48, "width": "guest_bits"' -- --json --check 0x10000000000 1
# Shadow paging on a host with MAXPHYADDR 40: N 52, and KVM's MAXPHYADDR
# is the guest's unless told otherwise.
fake "cap=52 vgb=52 eax=0x00003028" 1 "does NOT fit below 2^40" -- --check 0x10000000000 1
fake "cap=52 vgb=52 eax=0x00003028" 0 "fits below 2^44" -- --guest-maxphyaddr 44 --check 0x10000000000 1
# No MAXPHYADDR known at all: N, and the JSON says so.
fake "cap=48 vgb=48" 0 '"bits": 48, "width": "bits"' -- --json --check 0x100000000000 1
fake "cap=48 vgb=48" 1 "does NOT fit below 2^48 (N; the guest's MAXPHYADDR is unknown)" -- \
	--check 0x1000000000000 1
# The trust rule: KVM_CAP_VM_GPA_BITS 0 or different on /dev/kvm: not believed.
fake "cap=48 vgb=0 eax=0x00303034" 0 '"source": "GuestPhysAddrSize".*answered 48 but KVM_CAP_VM_GPA_BITS 0' -- --json
fake "cap=48 vgb=46 eax=0x00303034" 0 'answered 48 but KVM_CAP_VM_GPA_BITS 46' -- --json
# ... and a VM whose width is below the ceiling answers with its width.
fake "cap=52 vgb=52 vmvgb=44" 0 '"bits": 44, .*"source": "KVM_CAP_VM_GPA_BITS"' -- --json --vm
fake "cap=52 vgb=52 vmvgb=44" 0 '"capability": 52, .*"vm_gpa_bits": 44' -- --json --vm
# Sources: GuestPhysAddrSize and the TDP-off inference are KVM's answers for
# --kvm-only, but not KVM stating its width: not authoritative.
fake "eax=0x00303034" 0 '"source": "GuestPhysAddrSize".*"authoritative": false' -- --json --kvm-only
fake "eax=0x00003034 apicbus=1" 0 '"bits": 52, .*"source": "tdp-off".*"authoritative": false' -- --json --kvm-only
fake "cap=48 vgb=48" 0 '"source": "KVM_CAP_MAX_GPA_BITS".*"authoritative": true' -- --json --kvm-only
fake "" 2 "KVM does not say" -- --kvm-only
# --vm-bits: the VM's width set, then the ceiling and the width read back.
s48="cap=48 vgb=48 eax=0x00303034 setvm=1"
fake "$s48" 0 "^max GPA bits: 40" -- --vm-bits 40
fake "$s48" 0 "^ceiling: *48 (KVM_CAP_MAX_GPA_BITS on the VM)" -- --vm-bits 40
fake "$s48" 0 "^VM width: *40 (KVM_CAP_VM_GPA_BITS, set to 40)" -- --vm-bits 40
fake "$s48" 0 '"bits": 40, .*"source": "KVM_CAP_VM_GPA_BITS", .*"asked": "vm"' -- --json --vm-bits 40
fake "$s48" 0 '"capability": 48, .*"vm_gpa_bits": 40, "set_vm_bits": 40' -- --json --vm-bits 40
fake "$s48" 0 '"vm_gpa_bits": 32, "set_vm_bits": 32' -- --json --vm --vm-bits 32
fake "$s48" 0 '"bits": 48, .*"source": "KVM_CAP_MAX_GPA_BITS".*"vm_gpa_bits": 48, "set_vm_bits": 48' -- \
	--json --vm-bits 48
fake "$s48" 1 "does NOT fit below 2^40" -- --vm-bits 40 --check 0x10000000000 1
fake "$s48" 0 "fits below 2^40" -- --vm-bits 40 --check 0xfffffff000 0x1000
# ... and each way it cannot be set: exit 2, saying why.
fake "$s48" 2 "cannot set the VM's width to 49 bits: above the ceiling, KVM_CAP_MAX_GPA_BITS 48" -- --vm-bits 49
fake "cap=48 vgb=48 eax=0x00303034" 2 "this kernel cannot set a VM's GPA width" -- --vm-bits 40
fake "eax=0x00303034" 2 "this kernel cannot set a VM's GPA width" -- --json --vm-bits 40
fake "$s48 setvmerr=16" 2 "width to 40 bits: Device or resource busy" -- --vm-bits 40
fake "" 0 '"source": "guess".*"authoritative": false' -- --json

[ $fail = 0 ] && echo "test_cli: all passed"
exit $fail
