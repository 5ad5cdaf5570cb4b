# SPDX-License-Identifier: MIT
# Grant tables (issue 10): a guest abusing grant_table_op beside an innocent domain, as dom0 (privileged:
# it can learn the other domain's grant frames) and as a domU. Only the attacker's calls fail; every
# frame comes back at teardown, including those of grant mappings the attacker left or broke.
security_guest(grant_attack ${SEC_SRC}/grants/grant_attack.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
set(SEC_GRANT_IMG ${SEC_GUEST_DIR}/grant_attack.elf)
# The other domain must outlive the attack (a domU that shuts down is destroyed at once): the heartbeat
# ticks for 30 s and checks its own memory.
security_test(grants_dom0 --status ok
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "\\(d1 domU1\\) heartbeat: done: .*corruption: none"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "cpu[0-9]+ E: " --reject "HYPERVISOR (CRASH|PANIC)"
  -- --cpus 2 --mem 512 --timeout 200 --modules "${SEC_GRANT_IMG},${SEC_HEARTBEAT} @mem=16M secs=30 maxgap=30000")
# As a domU, both built by our dom0 (the attacker is d2, told so on its command line): the heartbeat, not a
# guest that ends at once, so the other domain exists for the whole attack here too.
security_test(grants_domu --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) heartbeat: done: .*corruption: none"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "\\(d2 domU2\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "cpu[0-9]+ E: " --reject "HYPERVISOR (CRASH|PANIC)"
  -- --dom0 --cpus 2 --mem 512 --timeout 200
     --modules "${SEC_HEARTBEAT} @mem=16M secs=10 maxgap=30000,${SEC_GRANT_IMG} @mem=16M self=2 other=1")
# A granter flipping one ref between two pages and revoking it as fast as it can, against a mapper on
# the other CPU that maps, reads, copies and unmaps it: no revoke may succeed while a use is in flight.
security_guest(grant_race ${SEC_SRC}/grants/grant_race.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
security_test(grants_race --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "\\(d2 domU2\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "cpu[0-9]+ E: " --reject "HYPERVISOR (CRASH|PANIC)"
  -- --dom0 --cpus 2 --mem 256 --timeout 200
     --modules "${SEC_GUEST_DIR}/grant_race.elf @mem=16M mapper=1 granter=2,${SEC_GUEST_DIR}/grant_race.elf @mem=16M peer=1")
# v2 sub-page and transitive grants between two domains (issue 10): dom0 copies through domU1's windows
# and transitive grants (back to itself, into a loop, at revoked or foreign entries, 512 in one batch) and
# maps what cannot be mapped; domU1's page changes inside the window only and its entries end idle.
security_guest(grant_trans ${SEC_SRC}/grants/grant_trans.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
security_test(grants_trans --status ok
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "cpu[0-9]+ E: " --reject "HYPERVISOR (CRASH|PANIC)"
  -- --cpus 2 --mem 256 --timeout 200
     --modules "${SEC_GUEST_DIR}/grant_trans.elf,${SEC_GUEST_DIR}/grant_trans.elf @mem=16M")
# GNTTABOP_transfer at another domain (issue 10): dom0 gives away domU1's frame, its own pages into
# forged, foreign, stale and full entries, 512 foreign frames at once; only Xen's refusals come back,
# domU1's page and entries end unchanged, dom0 keeps its pages, every frame returned.
security_guest(grant_xfer ${SEC_SRC}/grants/grant_xfer.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
security_test(grants_xfer --status ok
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "cpu[0-9]+ E: " --reject "HYPERVISOR (CRASH|PANIC)"
  -- --cpus 2 --mem 256 --timeout 200
     --modules "${SEC_GUEST_DIR}/grant_xfer.elf,${SEC_GUEST_DIR}/grant_xfer.elf @mem=16M")
