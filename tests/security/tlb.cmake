# SPDX-License-Identifier: MIT
# Stale TLB entries (issue 17's flush filter): a frame unmapped without a flush and made a page table at once
# must not stay writable through the old address, whether or not a CR3 load came in between.
security_guest(stale_tlb ${SEC_SRC}/tlb/stale_tlb.c ${PROJECT_SOURCE_DIR}/tests/conformance/tests/ptwr/ptwr_stubs.S)
security_test(stale_tlb --status ok
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "FAIL"
  --reject "HYPERVISOR (CRASH|PANIC)"
  -- --cpus 1 --mem 256 --modules "${SEC_GUEST_DIR}/stale_tlb.elf @mem=16M")
