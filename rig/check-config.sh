#!/bin/sh
# Fail if an option requested by a fragment did not survive olddefconfig.
# usage: check-config.sh DOTCONFIG FRAGMENT...
set -eu
cfg=$1; shift
bad=0
for frag in "$@"; do
	grep -E '^CONFIG_[A-Za-z0-9_]+=' "$frag" | while IFS= read -r line; do
		opt=${line%%=*} val=${line#*=}
		if [ "$val" = n ]; then
			if grep -q "^$opt=" "$cfg"; then
				echo "check-config: $opt=n requested ($frag) but it is set" >&2
				echo bad
			fi
		elif ! grep -qx "$line" "$cfg"; then
			got=$(grep -E "^$opt=|^# $opt is not set" "$cfg" || echo "absent")
			echo "check-config: $line requested ($frag) but got: $got" >&2
			echo bad
		fi
	done
# grep without -q reads to the end, so that every bad line is reported.
done | grep bad >/dev/null && { echo "check-config: requested options did not survive olddefconfig" >&2; exit 1; }
exit 0
