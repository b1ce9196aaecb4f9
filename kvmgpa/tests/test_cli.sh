#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
# Copyright (c) 2026 KVM GPA Team
# kvm-gpa-bits: argument handling and error paths that need no KVM, then
# answers, --check and JSON against a scripted KVM (tests/fake_kvm.c), as
# the architecture the programs were built for has them.
# usage: test_cli.sh PATH/TO/kvm-gpa-bits PATH/TO/kvm-gpa-bits-fake [ARCH [RUNNER...]]
#   ARCH: x86 (the default), arm64 or riscv64; RUNNER: what runs the programs
#   of another architecture, e.g. qemu-aarch64-static.
cli=$1 fake=$2 arch=${3:-x86}
shift 2; shift $(($# < 1 ? $# : 1))
run="$*"
fail=0 n=0
expect() {	# expect STATUS PATTERN -- ARGS...
	want=$1 pat=$2 n=$((n + 1)); shift 3
	out=$($run "$cli" "$@" 2>&1); got=$?
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
# An option that takes a width, checked before any device is opened: each
# bad value is refused, each good one gets as far as opening the device.
width_option() {	# width_option OPTION PATTERN BAD... -- GOOD...
	wopt=$1 wpat=$2; shift 2
	while [ "$1" != -- ]; do
		expect 2 "$wpat" -- --device /nonexistent/kvm "$wopt" "$1"
		shift
	done
	shift
	for good; do
		expect 2 "cannot open /nonexistent/kvm" -- --device /nonexistent/kvm "$wopt" "$good"
	done
}
# The widths: x86's and arm64's 32 to 52 bits; riscv64's up to the 59 bits
# of Sv57x4, and for a VM only a G-stage mode's: 41, 50 or 59.
if [ "$arch" = riscv64 ]; then
	max=59 vm_bad="31 40 42 60" vm_good="41 50 59 0x29"
else
	max=52 vm_bad="31 53" vm_good="32 52 0x28"
fi
# --guest-maxphyaddr: a width a guest of this architecture can have.
width_option --guest-maxphyaddr "guest-maxphyaddr wants" 31 $((max + 1)) 0 -1 " 40" 40x abc 0x -- \
	32 $max 0x28
expect 2 "/dev/null is not a KVM device" -- --kvm-only --device /dev/null
# --vm-bits: a width KVM can give a VM here.
# shellcheck disable=SC2086 # the lists are words
width_option --vm-bits "vm-bits wants" $vm_bad 0 -1 " 40" 40x abc 0x -- $vm_good
expect 2 "/dev/null is not a KVM device" -- --vm-bits ${vm_good%% *} --device /dev/null
# Output that cannot be written is an error, not a success; --help and
# --version go through the same check as the answer, and need no KVM.
for opt in --help --version; do
	out=$($run "$cli" $opt 2>&1 >/dev/full); got=$?
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
expect 2 "'--vm-bits' given twice" -- --vm-bits 41 --vm-bits 50
expect 2 "unknown option '--vm-b'.*--vm-bits" -- --vm-b 41
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
	script=$1 want=$2 pat=$3 n=$((n + 1)); shift 4
	out=$(KVMGPA_FAKE=$script $run "$fake" --device fake-kvm "$@" 2>&1); got=$?
	if [ "$got" != "$want" ] || ! printf '%s' "$out" | grep -q -- "$pat"; then
		echo "FAIL: KVMGPA_FAKE='$script' kvm-gpa-bits $*: exit $got (want $want), output: $out"
		fail=1
	fi
}

# set_width SCRIPT BITS CEILING WHERE: --vm-bits BITS sets the VM's width,
# and the text gives N, the ceiling (and where KVM said it) and the width.
set_width() {
	fake "$1" 0 "^max GPA bits: $2" -- --vm-bits "$2"
	fake "$1" 0 "^ceiling: *$3 ($4)" -- --vm-bits "$2"
	fake "$1" 0 "^VM width: *$2 (KVM_CAP_VM_GPA_BITS, set to $2)" -- --vm-bits "$2"
}

case $arch in
x86)
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
	set_width "$s48" 40 48 "KVM_CAP_MAX_GPA_BITS on the VM"
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
	;;
arm64)
	# KVM_CAP_ARM_VM_IPA_SIZE on /dev/kvm: the host's limit, which a VM
	# created with KVM_VM_TYPE_ARM_IPA_SIZE(limit) has.
	i48="ipa=48"
	fake "$i48" 0 "^max GPA bits: 48" --
	fake "$i48" 0 "^source: *KVM_CAP_ARM_VM_IPA_SIZE" --
	fake "$i48" 0 "^authoritative: yes" --
	fake "$i48" 0 '"bits": 48, .*"source": "KVM_CAP_ARM_VM_IPA_SIZE".*"capability": 48, "capability_number": 165.*"authoritative": true' -- --json
	fake "$i48" 0 '"guest_phys_addr_size": null, "maxphyaddr": null.*"vm_gpa_bits": null' -- --json
	fake "$i48" 0 "fits below 2^48" -- --check 0xffffffffffff 1
	fake "$i48" 1 "does NOT fit below 2^44 (guest bits" -- --guest-maxphyaddr 44 --check 0x100000000000 1
	fake "ipa=52" 0 "^max GPA bits: 52" -- --kvm-only
	fake "ipa=36" 0 "type 0, 40 bits, cannot be created here" --
	# A VM: KVM does not say its IPA size; type 0's 40 is a guess.
	fake "$i48" 0 '"bits": 40, .*"source": "guess".*"asked": "vm".*48 bits is the host.s limit.*"authoritative": false' -- --json --vm
	fake "$i48" 1 "does NOT fit below 2^40" -- --vm --check 0x10000000000 1
	fake "$i48" 2 "KVM does not say.*KVM_CAP_ARM_VM_IPA_SIZE is the host's limit, not a VM's IPA size" -- --vm --kvm-only
	# A kernel before 4.20: every VM has 40 bits.
	fake "" 0 '"bits": 40, .*"source": "legacy-ipa-40".*"capability": 0, .*"authoritative": false' -- --json --kvm-only
	fake "" 0 '"bits": 40, .*"source": "legacy-ipa-40"' -- --json --vm
	# --vm-bits: arm64 chooses a VM's IPA size when it is created.
	fake "$i48 setvm=1" 2 "cannot set the VM's width to 40 bits: arm64 fixes a VM's IPA size when KVM_CREATE_VM creates it" -- --vm-bits 40
	;;
riscv64)
	# KVM_CAP_VM_GPA_BITS: on /dev/kvm the widest G-stage mode's width.
	v59="vgb=59"
	fake "$v59" 0 "^max GPA bits: 59" --
	fake "$v59" 0 "^source: *KVM_CAP_VM_GPA_BITS" --
	fake "$v59" 0 "^authoritative: yes" --
	fake "$v59" 0 "^explanation: .*Sv57x4" --
	fake "$v59" 0 '"bits": 59, .*"source": "KVM_CAP_VM_GPA_BITS".*"capability": 59, "capability_number": 207.*"authoritative": true.*"vm_gpa_bits": 59' -- --json --kvm-only
	fake "$v59" 0 "fits below 2^59" -- --check 0x7fffffffffff000 0x1000
	fake "$v59" 0 "fits below 2^52 (guest bits" -- --guest-maxphyaddr 52 --check 0xfffffffffffff 1
	# ... and on a VM fd the VM's own.
	fake "$v59 vmvgb=50" 0 '"bits": 50, .*"asked": "vm".*"capability": 59, .*"vm_gpa_bits": 50' -- --json --vm
	fake "$v59 vmvgb=50" 1 "does NOT fit below 2^50" -- --vm --check 0x4000000000000 1
	# No capability: the guess, 41 bits (Sv39x4).
	fake "" 0 '"bits": 41, .*"source": "guess".*does not have it.*"authoritative": false' -- --json
	fake "" 2 "KVM does not say.*no KVM_CAP_VM_GPA_BITS" -- --kvm-only
	# --vm-bits: a G-stage mode's width set, then the ceiling and the width read back.
	s59="$v59 setvm=1"
	set_width "$s59" 41 59 "KVM_CAP_VM_GPA_BITS on /dev/kvm"
	fake "$s59" 0 '"bits": 50, .*"source": "KVM_CAP_VM_GPA_BITS".*"vm_gpa_bits": 50, "set_vm_bits": 50' -- --json --vm-bits 50
	fake "$s59" 0 '"vm_gpa_bits": 59, "set_vm_bits": 59' -- --json --vm --vm-bits 59
	fake "$s59" 1 "does NOT fit below 2^41" -- --vm-bits 41 --check 0x20000000000 1
	# ... and each way it cannot be set.
	fake "vgb=50 setvm=1" 2 "width to 59 bits: above the ceiling, KVM_CAP_VM_GPA_BITS on /dev/kvm 50" -- --vm-bits 59
	fake "$v59" 2 "this kernel cannot set a VM's GPA width" -- --vm-bits 41
	fake "" 2 "this kernel cannot set a VM's GPA width" -- --vm-bits 41
	fake "$s59 setvmerr=16" 2 "width to 41 bits: Device or resource busy" -- --vm-bits 41
	;;
*)
	echo "FAIL: test_cli.sh knows no architecture '$arch'"
	fail=1
	;;
esac

[ $fail = 0 ] && echo "test_cli ($arch): all $n passed"
exit $fail
