# SPDX-License-Identifier: MIT
# Hypervisor-kept guest frames, domain states and per-domain hypervisor memory (issue 9, holes 1 and 3).
set(REFS_SRC ${SEC_SRC}/refs)

# The domU frees its console ring page while dom0 grows into freed frames: no cross-domain read or write.
security_guest(console_free ${REFS_SRC}/console_free.c ${REFS_SRC}/refs_grabber.c)
security_test(console_free --status ok
  --expect "\\(d0 dom0\\) console_free: the grabber took 32 frames, 0 written"
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "\\(d1 attacker\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "\\(d1 attacker\\).*SKIFFMARK"
  --reject "HYPERVISOR (CRASH|PANIC)"
  -- --cpus 2 --mem 256
     --modules "${SEC_GUEST_DIR}/console_free.elf @mem=16M,${SEC_GUEST_DIR}/console_free.elf @mem=16M @name=attacker")

# dom0 shuts domain 1 down while the boot CPU builds it: it must never run, and the machine must stop.
security_guest(shutdown_building ${REFS_SRC}/shutdown_building.c)
security_test(shutdown_building --status ok
  --expect "\\(d0 dom0\\) shutdown_building: domain 1 shut down after [0-9]+ calls"
  --expect "domain 1 \\(victim\\): shut down, reason reboot"
  --expect "boot: domain 1 \\(victim\\) was shut down while being built. not started"
  --expect "domain 1 \\(victim\\): destroyed. every frame returned"
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "result: d1 \\(victim\\): reboot, as expected"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "\\(d1 victim\\)"
  --reject "HYPERVISOR (CRASH|PANIC)"
  -- --cpus 2 --mem 512 --timeout 60
     --modules "${SEC_GUEST_DIR}/shutdown_building.elf @mem=16M,${SEC_GUEST_DIR}/shutdown_building.elf @mem=128M @name=victim @expect=reboot")

# A domU allocates event-channel ports until refused (its limit, charged heap; the ports already bound when it
# starts, for its runtime and dom0's service, come first); the other domain's channels keep working.
security_guest(port_exhaust ${REFS_SRC}/port_exhaust.c)
security_test(port_exhaust --status ok ${SEC_BY_DOM0}
  --expect "\\(d2 hog\\) port_exhaust: domU got 1021 ports, highest 1023, then -28"
  --expect "\\(d2 hog\\) Test result: SUCCESS"
  --expect "\\(d1 domU1\\) port_exhaust: the worker did [0-9]+ event-channel rounds, 0 failed"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "still charged after teardown"
  --reject "HYPERVISOR (CRASH|PANIC)"
  -- --dom0 --cpus 2 --mem 256
     --modules "${SEC_GUEST_DIR}/port_exhaust.elf @mem=16M first,${SEC_GUEST_DIR}/port_exhaust.elf @mem=16M @name=hog")

# vcpu_info placed in a page the domU then tries to free or retype; a runstate area whose address is
# remapped and whose old frame is freed, beside another domain (both built by our dom0) growing into freed
# frames. One CPU, so every yield is a context switch (where runstate and vcpu_info time are written).
security_guest(kept_frames ${REFS_SRC}/kept_frames.c ${REFS_SRC}/refs_grabber.c)
security_test(kept_frames --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) kept_frames: the grabber took 32 frames, 0 written"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "\\(d2 placer\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "\\(d2 placer\\).*SKIFFMARK"
  --reject "HYPERVISOR (CRASH|PANIC)"
  -- --dom0 --cpus 1 --mem 256
     --modules "${SEC_GUEST_DIR}/kept_frames.elf @mem=16M first,${SEC_GUEST_DIR}/kept_frames.elf @mem=16M @name=placer")

# A domU's user code is preempted (one CPU, a busy first domain): it must resume on its user page tables, not
# the kernel's, and the kernel-address runstate area must survive switches taken in user mode.
security_guest(user_preempt ${REFS_SRC}/user_preempt.c ${REFS_SRC}/user_preempt.S)
security_test(user_preempt --status ok ${SEC_BY_DOM0}
  --expect "\\(d2 victim\\) pass: the user code was preempted"
  --expect "\\(d2 victim\\) Test result: SUCCESS"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)"
  -- --dom0 --cpus 1 --mem 256
     --modules "${SEC_GUEST_DIR}/user_preempt.elf @mem=16M first,${SEC_GUEST_DIR}/user_preempt.elf @mem=16M @name=victim")
