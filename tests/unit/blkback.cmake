# SPDX-License-Identifier: MIT
# blkback's ring core (backends/blkback/blkback.c) against a simulated hostile frontend: grants, a RAM disk, lying indices.
skiff_unit_test(test_blkback ${CMAKE_CURRENT_LIST_DIR}/test_blkback.c ${PROJECT_SOURCE_DIR}/backends/blkback/blkback.c)
target_include_directories(test_blkback PRIVATE ${PROJECT_SOURCE_DIR}/backends/blkback ${PROJECT_SOURCE_DIR}/pv-abi/include)
set_property(TEST unit.test_blkback APPEND PROPERTY LABELS blk)

# The xenbus handshake (backends/blkback/blkback_xenbus.c) against a store in memory: nodes, states, bad frontends.
skiff_unit_test(test_blkback_xenbus ${CMAKE_CURRENT_LIST_DIR}/test_blkback_xenbus.c
  ${PROJECT_SOURCE_DIR}/backends/blkback/blkback_xenbus.c)
target_include_directories(test_blkback_xenbus PRIVATE ${PROJECT_SOURCE_DIR}/backends/blkback
  ${PROJECT_SOURCE_DIR}/pv-abi/include)
set_property(TEST unit.test_blkback_xenbus APPEND PROPERTY LABELS blk)

# Persistent grants' table (backends/blkback/blkback_pgnt.c): the bound, hostile refs, emptying it whole.
skiff_unit_test(test_blkback_pgnt ${CMAKE_CURRENT_LIST_DIR}/test_blkback_pgnt.c
  ${PROJECT_SOURCE_DIR}/backends/blkback/blkback_pgnt.c)
target_include_directories(test_blkback_pgnt PRIVATE ${PROJECT_SOURCE_DIR}/backends/blkback ${PROJECT_SOURCE_DIR}/pv-abi/include)
set_property(TEST unit.test_blkback_pgnt APPEND PROPERTY LABELS blk)
