# SPDX-License-Identifier: MIT
# TSC and APIC-free time keeping (hv/arch/x86_64/time.c) against a model PIT, CMOS and TSC with stalls.
skiff_unit_test(test_time_calibrate ${CMAKE_CURRENT_LIST_DIR}/test_time_calibrate.c
  ${PROJECT_SOURCE_DIR}/hv/arch/x86_64/time.c)
