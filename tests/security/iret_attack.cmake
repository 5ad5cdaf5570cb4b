# SPDX-License-Identifier: MIT
# iret hypercalls with hostile frames: one domain per case beside the heartbeat. Case 0 must be sanitised
# and run on; every other case must crash only its own domain.
security_guest(iret_attack ${SEC_SRC}/guests/iret_attack.c ${SEC_SRC}/guests/iret_frame.S
  ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
set(SEC_IRET_MODULES "${SEC_HEARTBEAT} secs=5 maxgap=30000")
set(SEC_IRET_EXPECT)
foreach(c 0 1 2 3 4 5 6 7 8 9)
  if(c EQUAL 0)
    string(APPEND SEC_IRET_MODULES ",${SEC_GUEST_DIR}/iret_attack.elf @mem=16M case=${c}")
  else()
    string(APPEND SEC_IRET_MODULES ",${SEC_GUEST_DIR}/iret_attack.elf @mem=16M @expect=crash case=${c}")
  endif()
  math(EXPR d "${c} + 2")
  if(c EQUAL 0)
    list(APPEND SEC_IRET_EXPECT --expect "\\(d2 domU2\\) Test result: SUCCESS")
  else()
    list(APPEND SEC_IRET_EXPECT --expect "domain ${d} \\(domU${d}\\): shut down, reason crash")
  endif()
endforeach()
# Case 9: the hypervisor's own check refuses the second iret (a pair it passed before, its GDT entry since cleared).
list(APPEND SEC_IRET_EXPECT --expect "\\(d11 domU11\\) iret_attack: the GDT pair passed, code descriptor cleared \\(0\\)"
  --expect "domain 11 \\(domU11\\) crashed: iret to a bad frame")
security_test(iret_attack --status ok ${SEC_IRET_EXPECT} ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) heartbeat: done: .*corruption: none"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "the iret hypercall returned"
  -- --dom0 --cpus 2 --mem 512 --timeout 60 --modules "${SEC_IRET_MODULES}")
