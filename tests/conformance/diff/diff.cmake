# SPDX-License-Identifier: MIT
# The differential tester (issue 15): its guest, and the ctest replay of recorded Xen 4.17 outputs on Skiff.
set(DIFF_DIR ${CMAKE_CURRENT_LIST_DIR})
set(DIFF_SEC ${PROJECT_SOURCE_DIR}/tests/security/guests)
conformance_guest(difftest ${CMAKE_CURRENT_BINARY_DIR}/diff
  ${DIFF_DIR}/guest/difftest.c ${DIFF_DIR}/guest/dt_ops.c ${DIFF_DIR}/guest/dt_insn.c ${DIFF_DIR}/guest/dt_trap.S
  ${DIFF_SEC}/sec_util.c ${DIFF_SEC}/pf_probe.S)
target_include_directories(conf_difftest PRIVATE ${DIFF_SEC} ${DIFF_DIR}/guest)

# Replays the seeds recorded from Xen 4.17 (expected/) on Skiff; passes when every difference is in the allowlist,
# each entry of which gives its reason (docs/XEN_DEVIATIONS.md). Regenerate the recording with the command in its header.
add_test(NAME conformance.difftest_replay
  COMMAND ${DIFF_DIR}/run-diff recorded --xen-from ${DIFF_DIR}/expected/xen-4.17.txt --show 3)
set_tests_properties(conformance.difftest_replay PROPERTIES LABELS conformance TIMEOUT 600
  ENVIRONMENT "SKIFF_TOP=${PROJECT_SOURCE_DIR};SKIFF_BUILD=${PROJECT_BINARY_DIR}")
