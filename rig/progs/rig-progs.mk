# Build the rig's own selftest-style programs (rig/progs/*.c, copied into the
# tree's x86 test directory, x86_64/ before 7.x and x86/ since, as rig_*.c)
# with the tree's KVM selftests Makefile and library.  Used as:
# make -C <kvm selftests dir> -f rig-progs.mk RIG_PROGS=...
# rig_bench -w sets a VM's width with libkvmgpa (RIG_KVMGPA_INC, the header;
# RIG_KVMGPA_LIB, the static library) on the KVM_CREATE_VM the selftests
# library issues, through a wrapper of ioctl() (rig_bench.c says why).
%/rig_bench: CFLAGS += -I$(RIG_KVMGPA_INC)
%/rig_bench: LDFLAGS += -Wl,--wrap=ioctl
%/rig_bench: LDLIBS += $(RIG_KVMGPA_LIB)
TEST_GEN_PROGS_EXTENDED_x86_64 += $(RIG_PROGS)
TEST_GEN_PROGS_EXTENDED_x86 += $(RIG_PROGS)
include Makefile
