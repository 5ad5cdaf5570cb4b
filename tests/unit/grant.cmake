# SPDX-License-Identifier: MIT
# Grant-table core (hv/common/grant_table.c) over the arena harness, with the real pv_mm reference counting.
find_package(Threads REQUIRED)
skiff_unit_test(test_grant
  ${CMAKE_CURRENT_LIST_DIR}/test_grant.c
  ${CMAKE_CURRENT_LIST_DIR}/test_pv_mm_util.c
  ${CMAKE_CURRENT_LIST_DIR}/host_mm.c
  ${PROJECT_SOURCE_DIR}/hv/common/frame.c
  ${PROJECT_SOURCE_DIR}/hv/common/heap.c
  ${PROJECT_SOURCE_DIR}/hv/common/pv_mm.c
  ${PROJECT_SOURCE_DIR}/hv/common/pv_mm_pt.c
  ${PROJECT_SOURCE_DIR}/hv/common/grant_table.c
  ${PROJECT_SOURCE_DIR}/hv/common/grant_maptrack.c)
target_link_libraries(test_grant PRIVATE Threads::Threads)

# grant_table_op's decoding (hv/common/grant_op.c) over the same core, with fake guest memory, preemption and arch glue.
skiff_unit_test(test_grant_op
  ${CMAKE_CURRENT_LIST_DIR}/test_grant_op.c
  ${CMAKE_CURRENT_LIST_DIR}/grant_op_harness.c
  ${CMAKE_CURRENT_LIST_DIR}/test_pv_mm_util.c
  ${CMAKE_CURRENT_LIST_DIR}/host_mm.c
  ${PROJECT_SOURCE_DIR}/hv/common/frame.c
  ${PROJECT_SOURCE_DIR}/hv/common/heap.c
  ${PROJECT_SOURCE_DIR}/hv/common/pv_mm.c
  ${PROJECT_SOURCE_DIR}/hv/common/pv_mm_pt.c
  ${PROJECT_SOURCE_DIR}/hv/common/priv.c
  ${PROJECT_SOURCE_DIR}/hv/common/grant_table.c
  ${PROJECT_SOURCE_DIR}/hv/common/grant_maptrack.c
  ${PROJECT_SOURCE_DIR}/hv/common/grant_op.c)
# Guest-controlled lengths and offsets meet real copies here: run it under ASan and UBSan.
target_compile_options(test_grant_op PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=all)
target_link_options(test_grant_op PRIVATE -fsanitize=address,undefined)
