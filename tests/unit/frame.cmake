# SPDX-License-Identifier: MIT
# Frame allocator and heap unit tests: the real hv/common sources over the arena harness in host_mm.c.
find_package(Threads REQUIRED)

skiff_unit_test(test_frame
  ${CMAKE_CURRENT_LIST_DIR}/test_frame.c
  ${CMAKE_CURRENT_LIST_DIR}/host_mm.c
  ${PROJECT_SOURCE_DIR}/hv/common/frame.c)
target_link_libraries(test_frame PRIVATE Threads::Threads)

skiff_unit_test(test_heap
  ${CMAKE_CURRENT_LIST_DIR}/test_heap.c
  ${CMAKE_CURRENT_LIST_DIR}/host_mm.c
  ${PROJECT_SOURCE_DIR}/hv/common/frame.c
  ${PROJECT_SOURCE_DIR}/hv/common/heap.c)
target_link_libraries(test_heap PRIVATE Threads::Threads)

skiff_unit_test(test_frame_split
  ${CMAKE_CURRENT_LIST_DIR}/test_frame_split.c
  ${CMAKE_CURRENT_LIST_DIR}/host_mm.c
  ${PROJECT_SOURCE_DIR}/hv/common/frame.c)
