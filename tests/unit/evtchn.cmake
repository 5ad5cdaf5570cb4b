# SPDX-License-Identifier: MIT
# Event channels (hv/common/event_channel.c, 2-level ABI) over fake domains, shared_info pages and guest memory in evtchn_harness.c.
find_package(Threads REQUIRED)
set(EVTCHN_TEST_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/evtchn_harness.c
  ${PROJECT_SOURCE_DIR}/hv/common/event_channel.c
  ${PROJECT_SOURCE_DIR}/hv/common/event_pirq.c
  ${PROJECT_SOURCE_DIR}/hv/common/event_fifo.c
  ${PROJECT_SOURCE_DIR}/hv/common/priv.c)

skiff_unit_test(test_evtchn ${CMAKE_CURRENT_LIST_DIR}/test_evtchn.c ${EVTCHN_TEST_SOURCES})
target_link_libraries(test_evtchn PRIVATE Threads::Threads)

skiff_unit_test(test_evtchn_limits ${CMAKE_CURRENT_LIST_DIR}/test_evtchn_limits.c ${EVTCHN_TEST_SOURCES})
target_link_libraries(test_evtchn_limits PRIVATE Threads::Threads)

skiff_unit_test(test_evtchn_stress ${CMAKE_CURRENT_LIST_DIR}/test_evtchn_stress.c ${EVTCHN_TEST_SOURCES})
target_link_libraries(test_evtchn_stress PRIVATE Threads::Threads)
