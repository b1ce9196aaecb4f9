#!/bin/sh
# kvm-gpa-bits: argument handling and error paths that need no KVM.
# usage: test_cli.sh PATH/TO/kvm-gpa-bits
cli=$1
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
[ $fail = 0 ] && echo "test_cli: all passed"
exit $fail
