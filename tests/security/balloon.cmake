# SPDX-License-Identifier: MIT
# Ballooning (issue 14): a domU giving back 4 KiB pages of 2 MiB extents in patterns meant to fragment the
# heap or free a frame twice (pages the mapper has grant-mapped, a pinned L1, the same frame twice,
# overlapping extents, two vCPUs releasing the same frames), beside another domain mapping its grants (both
# built by our dom0). Only the attacker's calls fail; its reservation moves by exactly what went; every frame
# comes back.
security_guest(balloon_attack ${SEC_SRC}/balloon/balloon_attack.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
security_test(balloon_attack --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) mapper: held 8 mapped pages of the attacker for 4 s"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "\\(d2 attacker\\) attacker: [0-9]+ rounds, [0-9]+ single-page and order-1 releases"
  --expect "\\(d2 attacker\\) attacker: racing vCPUs: 8 rounds of the same 256 pages, both vCPUs won pages in [0-9]+"
  --expect "\\(d2 attacker\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "cpu[0-9]+ E: " --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --dom0 --cpus 2 --mem 512 --timeout 200
     --modules "${SEC_GUEST_DIR}/balloon_attack.elf mapper peer=2,${SEC_GUEST_DIR}/balloon_attack.elf @mem=32M @vcpus=2 @name=attacker peer=1")
