# SPDX-License-Identifier: MIT
# The host checker xlcfg-check and qemu-run --domain, without QEMU (tests/unit/xlcfg-check-test).
add_test(NAME unit.xlcfg_check COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/xlcfg-check-test)
set_tests_properties(unit.xlcfg_check PROPERTIES LABELS unit TIMEOUT 60
  ENVIRONMENT "SKIFF_TOP=${PROJECT_SOURCE_DIR};SKIFF_BUILD=${PROJECT_BINARY_DIR}")
