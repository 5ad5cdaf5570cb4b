# SPDX-License-Identifier: MIT
# The random hypercall fuzzer beside the heartbeat domain; in CI 60 s with a fixed seed (./skiff fuzz runs it longer).
security_guest(fuzz ${SEC_SRC}/guests/fuzz.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
add_test(NAME security.fuzz COMMAND ${SEC_SRC}/fuzz-run --seconds 60 --seed 0x5eedf00d
  --log ${PROJECT_BINARY_DIR}/tests/boot/sec_fuzz.log)
set_tests_properties(security.fuzz PROPERTIES LABELS security TIMEOUT 400
  ENVIRONMENT "SKIFF_TOP=${PROJECT_SOURCE_DIR};SKIFF_BUILD=${PROJECT_BINARY_DIR}")
