# Sourced by the rig's build scripts: how many jobs their make runs.
# usage: . rig/jobs.sh; make $RIG_J ...
#
# Under a make that passes its jobserver (make check's builds: recipe lines
# marked '+'), a script's make joins it, so that the builds running side by
# side run no more compilers together than make check's -j allows.  Each
# script with its own -j$(nproc) had up to ten on two CPUs, and that costs
# CPU, not only wall time: a 6.1 kernel took 330 CPU-s alone and 391 CPU-s
# beside another (docs/performance.md).  Alone, or under a make that does
# not pass its jobserver, it runs -j$(nproc) as before.
#
# Nothing else of the parent's MAKEFLAGS reaches the script's make: a
# command-line variable of the rig's (V=, VERSIONS=) means something else
# to kbuild.
rig_jobs() {
	_auth=$(printf '%s\n' ${MAKEFLAGS:-} | sed -n 's/^--jobserver-auth=//p' | tail -1)
	# The parent's -jN with it, as make passes them: a bare -j would mean
	# "no limit" to a make that kbuild hands only -j (its tools/ build).
	_j=$(printf '%s\n' ${MAKEFLAGS:-} | grep -E '^-j[0-9]+$' | tail -1)
	unset MAKEFLAGS MFLAGS MAKELEVEL
	case $_auth in
	[0-9]*,[0-9]*)
		if [ -n "$_j" ] && [ -e "/dev/fd/${_auth%,*}" ] && [ -e "/dev/fd/${_auth#*,}" ]; then
			export MAKEFLAGS="$_j --jobserver-auth=$_auth"
			RIG_J=
			return
		fi ;;
	esac
	RIG_J=-j$(nproc)
}
rig_jobs
