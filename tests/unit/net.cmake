# SPDX-License-Identifier: MIT
# dom0's uplink on the host: virtio-net's buffer logic (backends/virtio/vnet_queue.c) against a simulated device,
# and the minimal IPv4 host (backends/net/ipstack.c) against hand-made and hostile frames. Labels unit and net.
skiff_unit_test(test_vnet_queue ${CMAKE_CURRENT_LIST_DIR}/test_vnet_queue.c
  ${PROJECT_SOURCE_DIR}/backends/virtio/vnet_queue.c ${PROJECT_SOURCE_DIR}/backends/virtio/virtqueue.c)
target_include_directories(test_vnet_queue PRIVATE ${PROJECT_SOURCE_DIR}/backends/virtio)
set_property(TEST unit.test_vnet_queue APPEND PROPERTY LABELS net)
skiff_unit_test(test_ipstack ${CMAKE_CURRENT_LIST_DIR}/test_ipstack.c ${PROJECT_SOURCE_DIR}/backends/net/ipstack.c)
target_include_directories(test_ipstack PRIVATE ${PROJECT_SOURCE_DIR}/backends/net)
set_property(TEST unit.test_ipstack APPEND PROPERTY LABELS net)
