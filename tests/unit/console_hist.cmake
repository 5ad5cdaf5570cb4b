# SPDX-License-Identifier: MIT
# The console's history for xl dmesg (hv/common/console_hist.c), the real code on the host.
skiff_unit_test(test_console_hist ${CMAKE_CURRENT_LIST_DIR}/test_console_hist.c
  ${PROJECT_SOURCE_DIR}/hv/common/console_hist.c)
