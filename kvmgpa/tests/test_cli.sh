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
# Not KVM at all: every KVM source fails and the answer is still given.
expect 0 "source:" -- --device /dev/null
expect 0 '"skipped": \["KVM_CAP_MAX_GPA_BITS: KVM_CHECK_EXTENSION failed' -- --json --device /dev/null
expect 1 "does NOT fit" -- --device /dev/null --check 0xfffffffffffff000 0x2000
expect 2 "KVM_CREATE_VM failed" -- --vm --device /dev/null
if [ "$(id -u)" != 0 ] && [ -e /dev/kvm ] && [ ! -r /dev/kvm ]; then
	expect 2 "group that owns" -- --device /dev/kvm
fi
[ $fail = 0 ] && echo "test_cli: all passed"
exit $fail
