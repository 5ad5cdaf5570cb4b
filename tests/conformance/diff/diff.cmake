# The differential tester (issue 15): its guest, and the ctest replay of recorded Xen 4.17 outputs on Skiff.
set(DIFF_DIR ${CMAKE_CURRENT_LIST_DIR})
set(DIFF_SEC ${PROJECT_SOURCE_DIR}/tests/security/guests)
conformance_guest(difftest ${CMAKE_CURRENT_BINARY_DIR}/diff
  ${DIFF_DIR}/guest/difftest.c ${DIFF_DIR}/guest/dt_ops.c ${DIFF_DIR}/guest/dt_insn.c ${DIFF_DIR}/guest/dt_trap.S
  ${DIFF_SEC}/sec_util.c ${DIFF_SEC}/pf_probe.S)
target_include_directories(conf_difftest PRIVATE ${DIFF_SEC} ${DIFF_DIR}/guest)
