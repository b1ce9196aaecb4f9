#!/bin/sh
# SPDX-License-Identifier: LGPL-2.1-or-later OR BSD-3-Clause
# Copyright (c) 2026 KVM GPA Team
# Print the unit tests' line coverage of each library source and fail below
# a floor.  usage: coverage.sh FLOOR COVDIR UNIT:SOURCE...
#   UNIT is the compiled file whose coverage data holds SOURCE (system.c is
#   compiled inside tests/test_system.c).
set -eu
floor=$1 cov=$2; shift 2
fail=0
for pair in "$@"; do
	unit=${pair%%:*} src=${pair#*:}
	line=$(gcov -n -o "$cov/$(dirname "$unit")" "$unit" 2>/dev/null |
		awk -v f="$(basename "$src")" '/^File / { hit = index($0, f "'"'"'") > 0 } hit && /^Lines executed/ { print; exit }')
	pct=$(echo "$line" | sed -n 's/Lines executed:\([0-9.]*\)% of \([0-9]*\)/\1/p')
	n=$(echo "$line" | sed -n 's/Lines executed:\([0-9.]*\)% of \([0-9]*\)/\2/p')
	[ -n "$pct" ] || { echo "coverage: no data for $src"; fail=1; continue; }
	echo "coverage: $src: $pct% of $n lines"
	if awk -v p="$pct" -v f="$floor" 'BEGIN { exit !(p < f) }'; then
		echo "coverage: $src is below the floor of $floor%"; fail=1
	fi
done
exit $fail
