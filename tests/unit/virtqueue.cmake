# SPDX-License-Identifier: MIT
# dom0's split virtqueue (backends/virtio/virtqueue.c) on the host: ordering, free-list reuse, wrap-around, a lying device.
skiff_unit_test(test_virtqueue ${CMAKE_CURRENT_LIST_DIR}/test_virtqueue.c ${PROJECT_SOURCE_DIR}/backends/virtio/virtqueue.c)
target_include_directories(test_virtqueue PRIVATE ${PROJECT_SOURCE_DIR}/backends/virtio)
set_property(TEST unit.test_virtqueue APPEND PROPERTY LABELS blk)
