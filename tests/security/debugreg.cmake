# SPDX-License-Identifier: MIT
# Debug registers live in hardware while a guest runs: one guest's breakpoints must never fire in
# another, nor in the hypervisor. Two copies of one image on one CPU: the attacker arms breakpoints
# on addresses the victim uses; both must end with SUCCESS, nothing may crash.
security_guest(debugreg_guest ${SEC_SRC}/debugreg/debugreg_guest.c)
security_test(debugreg --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) attacker: [0-9]+ rounds armed"
  --expect "\\(d2 [^)]*\\) victim: [0-9]+ rounds without a #DB"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "\\(d2 [^)]*\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "FAIL: " --reject "crashed" --reject "unexpected exception"
  --reject "HYPERVISOR (CRASH|PANIC)"
  -- --dom0 --cpus 1 --mem 256 --modules "${SEC_GUEST_DIR}/debugreg_guest.elf attacker,${SEC_GUEST_DIR}/debugreg_guest.elf")
