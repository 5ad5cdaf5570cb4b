# SPDX-License-Identifier: MIT
# The domain state machine (hv/common/domain_state.c) and the heap charge of hv/domain.h, against the real domain header.
skiff_unit_test(test_domain_state ${CMAKE_CURRENT_LIST_DIR}/test_domain_state.c ${PROJECT_SOURCE_DIR}/hv/common/domain_state.c)
find_package(Threads REQUIRED)
target_link_libraries(test_domain_state PRIVATE Threads::Threads)
