# Sourced by the rig's build scripts: how they all call ccache.
# usage: . rig/ccache.sh; rig_ccache BASEDIR
rig_ccache() {
	# The Makefile's default too: outside the checkout, so a fresh clone on
	# the same machine reuses it.
	export CCACHE_DIR="${CCACHE_DIR:-$HOME/.cache/kvm-gpa-rig/ccache}"
	# Paths under BASEDIR are hashed relative to the working directory: the
	# unpatched tree beside the patched one, or a fresh clone elsewhere, hits
	# the first one's objects.
	export CCACHE_BASEDIR="$1" CCACHE_NOHASHDIR=1
	export CCACHE_SLOPPINESS=time_macros,include_file_mtime,include_file_ctime
	# Depend mode: a miss is compiled once, with the dependencies taken from
	# the compiler's -MD output, instead of running the preprocessor first
	# to hash its output.  A cold 7.2 kernel: 314 s instead of 380 s on two
	# CPUs (281 s without ccache).  Compilations without -MD (Bochs) fall
	# back to the usual mode.
	export CCACHE_DEPEND=1
	# Remember each header's hash by inode and timestamps: a kernel object
	# includes hundreds of headers, and without this every compile hashes
	# them all again.  7.2's kernel/ and mm/ from nothing (a cold cache, two
	# CPUs): 105.6 and 99.7 CPU-s in depend mode, 97.7, 96.1 and 98.9 with
	# the inode cache, 99.4 and 95.8 without ccache.
	export CCACHE_INODECACHE=1
}
