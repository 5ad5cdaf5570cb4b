# SPDX-License-Identifier: MIT
# dom0's console backend (backends/console) against fake rings: lines, wrap, long lines, hostile indices.
skiff_unit_test(test_console_back test_console_back.c ${PROJECT_SOURCE_DIR}/backends/console/console_back.c)
target_include_directories(test_console_back PRIVATE ${PROJECT_SOURCE_DIR}/backends/console)
