# SPDX-License-Identifier: MIT
# The domid allocator (hv/common/domid.c) and the privilege policy (hv/common/priv.c), the real code on the host.
skiff_unit_test(test_domid ${CMAKE_CURRENT_LIST_DIR}/test_domid.c ${PROJECT_SOURCE_DIR}/hv/common/domid.c
  ${PROJECT_SOURCE_DIR}/hv/common/priv.c)
find_package(Threads REQUIRED)
target_link_libraries(test_domid PRIVATE Threads::Threads)
# The one vCPU context decode of setvcpucontext and VCPUOP_initialise (hv/common/vcpu_context_check.c).
skiff_unit_test(test_vcpu_context ${CMAKE_CURRENT_LIST_DIR}/test_vcpu_context.c
  ${PROJECT_SOURCE_DIR}/hv/common/vcpu_context_check.c)
