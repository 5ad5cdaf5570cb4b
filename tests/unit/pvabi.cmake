# SPDX-License-Identifier: MIT
# pv-abi header checks: every header compiled into a host binary (static asserts included), run-time layout
# spot checks, and the shared-ring helpers exercised single-threaded and across two threads.
find_package(Threads REQUIRED)
skiff_unit_test(test_pvabi ${CMAKE_CURRENT_LIST_DIR}/test_pvabi.c)
target_link_libraries(test_pvabi PRIVATE pvabi Threads::Threads)
