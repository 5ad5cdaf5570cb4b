# SPDX-License-Identifier: MIT
# A domain that crashes holding pins, linear maps, a user base pointer, a GDT, vcpu_info, ports and timers:
# teardown must return every frame, and the heartbeat beside it must be unharmed.
security_guest(dirty_exit ${SEC_SRC}/guests/dirty_exit.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
security_test(dirty_exit --status ok ${SEC_BY_DOM0}
  --expect "\\(d2 domU2\\) dirty_exit: all held, crashing now"
  --expect "domain 2 \\(domU2\\) crashed: no handler for exception 6"
  --expect "domain 2 \\(domU2\\): shut down, reason crash"
  --expect "\\(d1 domU1\\) heartbeat: done: .*corruption: none"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --dom0 --cpus 2 --mem 512 --timeout 60
     --modules "${SEC_HEARTBEAT} secs=4 maxgap=30000,${SEC_GUEST_DIR}/dirty_exit.elf @mem=32M @expect=crash")
