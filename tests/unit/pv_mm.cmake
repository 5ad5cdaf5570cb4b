# SPDX-License-Identifier: MIT
# PV memory management core (hv/common/pv_mm*.c): reference/type state machine and page-table validation over the arena harness.
find_package(Threads REQUIRED)

set(PV_MM_TEST_SOURCES
  ${CMAKE_CURRENT_LIST_DIR}/test_pv_mm_util.c
  ${CMAKE_CURRENT_LIST_DIR}/host_mm.c
  ${PROJECT_SOURCE_DIR}/hv/common/frame.c
  ${PROJECT_SOURCE_DIR}/hv/common/pv_mm.c
  ${PROJECT_SOURCE_DIR}/hv/common/pv_mm_pt.c)

skiff_unit_test(test_pv_mm ${CMAKE_CURRENT_LIST_DIR}/test_pv_mm.c ${PV_MM_TEST_SOURCES})

skiff_unit_test(test_pv_mm_stress ${CMAKE_CURRENT_LIST_DIR}/test_pv_mm_stress.c ${PV_MM_TEST_SOURCES})
target_link_libraries(test_pv_mm_stress PRIVATE Threads::Threads)

# Preemptible validation: its own binary, because it replaces the weak preemption and deferral hooks.
skiff_unit_test(test_pv_mm_preempt ${CMAKE_CURRENT_LIST_DIR}/test_pv_mm_preempt.c ${PV_MM_TEST_SOURCES})

# A dying domain's frames: giving them up, zombies kept until their last put (raced from two threads), the per-frame walk.
skiff_unit_test(test_pv_mm_zombie ${CMAKE_CURRENT_LIST_DIR}/test_pv_mm_zombie.c ${PV_MM_TEST_SOURCES})
target_link_libraries(test_pv_mm_zombie PRIVATE Threads::Threads)
