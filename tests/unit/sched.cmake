# SPDX-License-Identifier: MIT
# Scheduler policy tests: per-call unit tests, a seeded multi-CPU simulation and a pthread stress test.
find_package(Threads REQUIRED)

# The policy as a host object, shared by the three test binaries.
add_library(sched_policy_host OBJECT ${PROJECT_SOURCE_DIR}/hv/common/sched_policy.c)
target_compile_options(sched_policy_host PRIVATE ${SKIFF_HOST_WARNINGS})
target_include_directories(sched_policy_host PRIVATE ${SKIFF_HV_INCLUDE})

set(SKIFF_SCHED_TEST_COMMON
  ${CMAKE_CURRENT_LIST_DIR}/test_sched_audit.c
  $<TARGET_OBJECTS:sched_policy_host>)

skiff_unit_test(test_sched ${CMAKE_CURRENT_LIST_DIR}/test_sched.c ${SKIFF_SCHED_TEST_COMMON})
skiff_unit_test(test_sched_sim ${CMAKE_CURRENT_LIST_DIR}/test_sched_sim.c ${SKIFF_SCHED_TEST_COMMON})
skiff_unit_test(test_sched_stress ${CMAKE_CURRENT_LIST_DIR}/test_sched_stress.c ${SKIFF_SCHED_TEST_COMMON})
target_link_libraries(test_sched_stress PRIVATE Threads::Threads)
