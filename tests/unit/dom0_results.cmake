# SPDX-License-Identifier: MIT
# dom0's results (backends/dom0/results.c) on the host: refused and unfollowed builds make dom0's end a failure.
skiff_unit_test(test_dom0_results test_dom0_results.c ${PROJECT_SOURCE_DIR}/backends/dom0/results.c)
# dom0_results_host first: its rt.h stands in for the freestanding runtime's.
target_include_directories(test_dom0_results BEFORE PRIVATE ${CMAKE_CURRENT_SOURCE_DIR}/dom0_results_host)
target_include_directories(test_dom0_results PRIVATE ${PROJECT_SOURCE_DIR}/backends/dom0
  ${PROJECT_SOURCE_DIR}/backends/toolstack ${PROJECT_SOURCE_DIR}/pv-abi/include ${PROJECT_SOURCE_DIR}/backends/console
  ${PROJECT_SOURCE_DIR}/backends/xenstored/transport ${PROJECT_SOURCE_DIR}/backends/xenstored/core
  ${PROJECT_SOURCE_DIR}/frontends/runtime/include)
