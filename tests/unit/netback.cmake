# SPDX-License-Identifier: MIT
# dom0's netback core on the host (backends/netback): tx and rx rings against a simulated netfront and a grant
# copy that checks like the hypervisor's, hostile rings included. Labels unit and net.
skiff_unit_test(test_netback ${CMAKE_CURRENT_LIST_DIR}/test_netback.c ${PROJECT_SOURCE_DIR}/backends/netback/netback.c
  ${PROJECT_SOURCE_DIR}/backends/netback/netback_xs.c ${PROJECT_SOURCE_DIR}/backends/switch/net_gso.c)
target_include_directories(test_netback PRIVATE ${PROJECT_SOURCE_DIR}/backends/netback ${PROJECT_SOURCE_DIR}/backends/switch
  ${PROJECT_SOURCE_DIR}/pv-abi/include)
set_property(TEST unit.test_netback APPEND PROPERTY LABELS net)
# Its pure parts (xenbus nodes, MACs, flow hash, ip=) in their own file, so neither exceeds the house size.
skiff_unit_test(test_netback_xs ${CMAKE_CURRENT_LIST_DIR}/test_netback_xs.c ${PROJECT_SOURCE_DIR}/backends/netback/netback.c
  ${PROJECT_SOURCE_DIR}/backends/netback/netback_xs.c ${PROJECT_SOURCE_DIR}/backends/switch/net_gso.c)
target_include_directories(test_netback_xs PRIVATE ${PROJECT_SOURCE_DIR}/backends/netback
  ${PROJECT_SOURCE_DIR}/backends/switch ${PROJECT_SOURCE_DIR}/pv-abi/include)
set_property(TEST unit.test_netback_xs APPEND PROPERTY LABELS net)
# dom0's transmit rounds: the uplink's pages shared per vif, however many queues a guest asks for.
skiff_unit_test(test_nb_sched ${CMAKE_CURRENT_LIST_DIR}/test_nb_sched.c ${PROJECT_SOURCE_DIR}/backends/netback/nb_sched.c)
target_include_directories(test_nb_sched PRIVATE ${PROJECT_SOURCE_DIR}/backends/netback)
set_property(TEST unit.test_nb_sched APPEND PROPERTY LABELS net)
