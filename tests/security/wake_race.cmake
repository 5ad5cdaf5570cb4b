# SPDX-License-Identifier: MIT
# A vCPU polling its port while another domain floods it from the other CPU: no wake-up may be lost (the poller
# must finish). Both are built by our dom0 (d1 sends, d2 polls).
security_guest(wake_race ${SEC_SRC}/guests/wake_race.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
security_test(wake_race --status ok ${SEC_BY_DOM0}
  --expect "\\(d2 domU2\\) wake_race: [0-9]+ polls"
  --expect "\\(d2 domU2\\) Test result: SUCCESS"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --dom0 --cpus 2 --mem 512 --timeout 60
     --modules "${SEC_GUEST_DIR}/wake_race.elf role=0xb peer=2 secs=10,${SEC_GUEST_DIR}/wake_race.elf @mem=16M role=0xa peer=1 secs=10")
