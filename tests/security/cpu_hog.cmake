# SPDX-License-Identifier: MIT
# CPU hogs (issue 9, hole 2): hypercalls worth seconds of validation work beside a heartbeat domain on the
# same (only) CPU. The heartbeat's longest gap must stay under 1 s, and the hog's results must be exact.
security_guest(cpu_hog ${SEC_SRC}/cpu_hog.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
security_guest(cpu_hog_heartbeat ${SEC_SRC}/cpu_hog_heartbeat.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
security_test(cpu_hog --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) heartbeat: [0-9]+ ticks in [0-9]+ ms.*worst gap [0-9]+ us"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "\\(d2 domU2\\) cpu_hog: attack ends"
  --expect "\\(d2 domU2\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "still referenced" --reject "HYPERVISOR (CRASH|PANIC)"
  -- --dom0 --cpus 1 --mem 256 --timeout 280
     --modules "${SEC_GUEST_DIR}/cpu_hog_heartbeat.elf peer=2,${SEC_GUEST_DIR}/cpu_hog.elf @mem=64M peer=1")
# The heartbeat measures guest-visible gaps: under TCG a host that deschedules QEMU shows up as a gap
# too, so this test runs alone (nothing else from ctest beside it) to keep its 1 s bound meaningful.
set_tests_properties(security.cpu_hog PROPERTIES RUN_SERIAL TRUE)
