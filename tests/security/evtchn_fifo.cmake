# SPDX-License-Identifier: MIT
# FIFO event channels: the control block and event-array frames must be the guest's own writable pages.
# The attacker offers every other frame of the machine; a plain domU runs beside it and must finish.
security_guest(fifo_attacker ${SEC_SRC}/evtchn_fifo/fifo_attacker.c)
security_test(evtchn_fifo --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) init_control: [0-9]+ foreign frames refused"
  --expect "\\(d1 domU1\\) expand_array: [0-9]+ foreign frames refused"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "\\(d2 [^)]*\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "ACCEPTED" --reject "FAIL: " --reject "crashed" --reject "still referenced"
  --reject "HYPERVISOR (CRASH|PANIC)"
  -- --dom0 --cpus 2 --mem 512 --timeout 200
     --modules "${SEC_GUEST_DIR}/fifo_attacker.elf,${PROJECT_BINARY_DIR}/tests/boot/guests/hello.elf")
