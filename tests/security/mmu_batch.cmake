# SPDX-License-Identifier: MIT
# mmu_update/mmuext_op batches of any count (continuations): huge and wrapping counts, a hostile *pdone, and a
# second vCPU that unmaps and forges pages of the list while the batch runs, beside the heartbeat.
security_guest(mmu_batch_attack ${SEC_SRC}/guests/mmu_batch_attack.c ${SEC_SRC}/guests/sec_util.c
  ${SEC_SRC}/guests/pf_probe.S)
security_test(mmu_batch_attack --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) heartbeat: done: .*corruption: none"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "\\(d2 domU2\\) mmu_batch_attack: [1-9][0-9]* batches"
  --expect "\\(d2 domU2\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: " --reject "still referenced" --reject "still charged"
  -- --dom0 --cpus 3 --mem 512 --timeout 120
     --modules "${SEC_HEARTBEAT} secs=8 maxgap=30000,${SEC_GUEST_DIR}/mmu_batch_attack.elf @mem=32M @vcpus=2 secs=4")
