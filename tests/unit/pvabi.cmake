# pv-abi header checks: every header compiled into a host binary (static asserts included) plus run-time spot checks.
skiff_unit_test(test_pvabi ${CMAKE_CURRENT_LIST_DIR}/test_pvabi.c)
target_link_libraries(test_pvabi PRIVATE pvabi)
