# The devices of the rig's QEMU (rig/qemu/build.sh), given to its configure
# as --with-devices-x86_64 with --without-default-devices: every symbol not
# named here or selected by one named here stays out.  Only what
# rig/vmm/vmm-test runs: the pc machine booting SeaBIOS with -kernel, one
# ivshmem-plain BAR, one pc-dimm, isa-debug-exit and the serial port.

# The pc machine (i440FX + PIIX).  It selects fw_cfg with DMA (-kernel's
# linuxboot_dma/multiboot_dma option ROMs read the kernel through it), the
# 16550 ISA serial port, the APIC/IOAPIC, PIT, PIC, RTC and ACPI with memory
# hotplug, and DIMM (pc-dimm).  What it only implies (VGA, e1000, HPET,
# IPMI, TPM, pvpanic, ...) stays out.  q35, isapc and microvm are not built.
CONFIG_I440FX=y

# -device ivshmem-plain: a PCI BAR backed by a memory-backend-file.
CONFIG_IVSHMEM_DEVICE=y

# -device isa-debug-exit: the L2 payload's exit code.
CONFIG_ISA_DEBUG=y

# Not devices the rig uses: i440FX's ACPI (ACPI_X86) always selects
# ACPI_CXL, whose hw/acpi/cxl.c calls cxl_fmws_get_all_sorted() from
# hw/cxl/cxl-host.c, which only CXL builds (on by default only with q35's
# PCI Express and expander bridge); without it QEMU 10.2.2 fails to link
# ("undefined reference to `cxl_fmws_get_all_sorted'").  CXL depends on
# PCI_EXPRESS and PXB, its mailbox code calls into the type-3 memory
# device (CXL_MEM_DEVICE), and its root port's QOM parent is
# pcie-root-port-base (PCIE_PORT; without it QEMU aborts at start: "Type
# 'cxl-rp' is missing its parent"), none of which CXL selects, so those
# come too: 16 more files to compile.  A Kconfig fix in QEMU
# (ACPI_X86 selecting ACPI_CXL only with CXL) would make all five
# unnecessary.
CONFIG_PCI_EXPRESS=y
CONFIG_PCIE_PORT=y
CONFIG_PXB=y
CONFIG_CXL=y
CONFIG_CXL_MEM_DEVICE=y
