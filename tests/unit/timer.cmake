# SPDX-License-Identifier: MIT
# Per-CPU timer queues (hv/common/timer.c): unit cases, a model check and a threaded kill test, against fake arch hooks.
find_package(Threads REQUIRED)
skiff_unit_test(test_timer ${CMAKE_CURRENT_LIST_DIR}/test_timer.c ${PROJECT_SOURCE_DIR}/hv/common/timer.c)
target_link_libraries(test_timer PRIVATE Threads::Threads)
