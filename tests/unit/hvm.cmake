# SPDX-License-Identifier: MIT
# HVM logic that touches no hardware (hv/arch/x86_64/hvm/): the NPT over a fake frame allocator, the CPUID filter, the 16550.
skiff_unit_test(test_hvm ${CMAKE_CURRENT_LIST_DIR}/test_hvm.c ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm/npt.c
  ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm/cpuid.c ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm/uart16550.c)
target_include_directories(test_hvm PRIVATE ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/hvm)
