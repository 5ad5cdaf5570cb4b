# SPDX-License-Identifier: MIT
# FIFO event channels: the control block and event-array frames must be the guest's own writable pages.
# The attacker offers every other frame of the machine; a plain domU runs beside it and must finish.
security_guest(fifo_attacker ${SEC_SRC}/evtchn_fifo/fifo_attacker.c)
security_test(evtchn_fifo --status ok
  --expect "\\(d0 dom0\\) init_control: [0-9]+ foreign frames refused"
  --expect "\\(d0 dom0\\) expand_array: [0-9]+ foreign frames refused"
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "\\(d1 [^)]*\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "ACCEPTED" --reject "FAIL: " --reject "crashed" --reject "still referenced"
  --reject "HYPERVISOR (CRASH|PANIC)"
  -- --cpus 2 --mem 512 --timeout 200
     --modules "${SEC_GUEST_DIR}/fifo_attacker.elf,${PROJECT_BINARY_DIR}/tests/boot/guests/hello.elf")
