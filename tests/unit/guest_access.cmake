# SPDX-License-Identifier: MIT
# Guest pointer checks of the x86_64 PV guest access code (the copy itself is assembly and runs in the boot tests).
skiff_unit_test(test_guest_range ${CMAKE_CURRENT_LIST_DIR}/test_guest_range.c
  ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/pv/guest_access.c)
