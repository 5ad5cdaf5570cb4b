# SPDX-License-Identifier: MIT
# dom0's backends under a hostile domU (issue 11): lying ring indices, a 4 GiB request header, event floods
# and an endless console line hurt only the vandal; dom0 keeps serving the well-behaved domain beside it.
security_guest(ring_vandal ${SEC_SRC}/dom0/ring_vandal.c)
security_test(dom0_ring_vandal --status ok
  --expect "\\(d0 dom0\\) dom0: xenstore serves d1 \\(vandal\\)"
  --expect "\\(d0 dom0\\) dom0: d1 broke its xenstore ring. ignoring it"
  --expect "\\(d1 vandal\\) Test result: SUCCESS"
  --expect "\\(d0 dom0\\) \\(d1 vandal\\) vvvvvvvvvv"
  --expect "\\(d2 xsguest\\) pass: our name as the toolstack wrote it"
  --expect "\\(d2 xsguest\\) pass: and the watch fires for the change"
  --expect "\\(d2 xsguest\\) Test result: SUCCESS"
  --expect "domain 0 \\(dom0\\): shut down, reason poweroff"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "domain 0 \\(dom0\\) crashed" --reject "FAIL: "
  -- --cpus 2 --mem 512 --timeout 120
     --modules "${PROJECT_BINARY_DIR}/backends/dom0/dom0.elf @toolstack,${SEC_GUEST_DIR}/ring_vandal.elf @mem=16M @name=vandal,${PROJECT_BINARY_DIR}/tests/boot/guests/xs_guest.elf @name=xsguest @mem=32M domid=2")
