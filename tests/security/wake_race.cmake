# SPDX-License-Identifier: MIT
# A vCPU polling its port while dom0 floods it from the other CPU: no wake-up may be lost (the poller must finish).
security_guest(wake_race ${SEC_SRC}/guests/wake_race.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
security_test(wake_race --status ok
  --expect "\\(d1 domU1\\) wake_race: [0-9]+ polls"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --cpus 2 --mem 512 --timeout 60
     --modules "${SEC_GUEST_DIR}/wake_race.elf role=0xb secs=10,${SEC_GUEST_DIR}/wake_race.elf @mem=16M role=0xa secs=10")
