# SPDX-License-Identifier: MIT
# dom0's learning switch (backends/switch/l2switch.c) on the host: learning, forwarding, flooding, ageing, quotas.
skiff_unit_test(test_l2switch ${CMAKE_CURRENT_LIST_DIR}/test_l2switch.c ${PROJECT_SOURCE_DIR}/backends/switch/l2switch.c
  ${PROJECT_SOURCE_DIR}/backends/switch/net_gso.c)
target_include_directories(test_l2switch PRIVATE ${PROJECT_SOURCE_DIR}/backends/switch)
set_property(TEST unit.test_l2switch APPEND PROPERTY LABELS net)
# Software segmentation of TCP/IPv4 superframes (backends/switch/net_gso.c): checks, headers, checksums.
skiff_unit_test(test_net_gso ${CMAKE_CURRENT_LIST_DIR}/test_net_gso.c ${PROJECT_SOURCE_DIR}/backends/switch/net_gso.c)
target_include_directories(test_net_gso PRIVATE ${PROJECT_SOURCE_DIR}/backends/switch)
set_property(TEST unit.test_net_gso APPEND PROPERTY LABELS net)
