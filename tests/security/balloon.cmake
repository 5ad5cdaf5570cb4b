# SPDX-License-Identifier: MIT
# Ballooning (issue 14): a domU giving back 4 KiB pages of 2 MiB extents in patterns meant to fragment the
# heap or free a frame twice (pages dom0 has grant-mapped, a pinned L1, the same frame twice, overlapping
# extents, two vCPUs releasing the same frames), beside dom0 mapping its grants. Only the attacker's calls
# fail; its reservation moves by exactly what went; every frame comes back.
security_guest(balloon_attack ${SEC_SRC}/balloon/balloon_attack.c)
security_test(balloon_attack --status ok
  --expect "\\(d0 dom0\\) mapper: held 8 mapped pages of the attacker for 4 s"
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "\\(d1 attacker\\) attacker: [0-9]+ rounds, [0-9]+ single-page and order-1 releases"
  --expect "\\(d1 attacker\\) attacker: racing vCPUs: 8 rounds of the same 256 pages, both vCPUs won pages in [0-9]+"
  --expect "\\(d1 attacker\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "cpu[0-9]+ E: " --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --cpus 2 --mem 512 --timeout 200
     --modules "${SEC_GUEST_DIR}/balloon_attack.elf,${SEC_GUEST_DIR}/balloon_attack.elf @mem=32M @vcpus=2 @name=attacker")
