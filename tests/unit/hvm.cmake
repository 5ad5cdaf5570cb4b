# SPDX-License-Identifier: MIT
# HVM logic that touches no hardware (hv/arch/x86_64/hvm/): the NPT over a fake frame allocator, the CPUID filter, the 16550, the I/O APIC.
skiff_unit_test(test_hvm ${CMAKE_CURRENT_LIST_DIR}/test_hvm.c ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm/npt.c
  ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm/cpuid.c ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm/uart16550.c
  ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm/vioapic.c)
target_include_directories(test_hvm PRIVATE ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm)
# A directly booted Linux's needs: the xAPIC MMIO decoder, ACPI tables and E820 map, the bzImage header, the RTC.
skiff_unit_test(test_hvm_boot ${CMAKE_CURRENT_LIST_DIR}/test_hvm_boot.c
  ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm/mmio_decode.c ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm/hvm_firmware.c
  ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm/linux_boot.c ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm/cmos_rtc.c)
target_include_directories(test_hvm_boot PRIVATE ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm)
