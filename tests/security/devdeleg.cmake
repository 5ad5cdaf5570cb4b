# SPDX-License-Identifier: MIT
# Device delegation (issue 12) under a hostile domU: while dom0 (blk_dom0) drives the virtio-blk disk, a domU
# tries PCI configuration, device frames and MSI-X pirqs; it is refused everything and dom0's I/O succeeds.
security_guest(devdeleg ${SEC_SRC}/guests/devdeleg.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
set(DEVDELEG_IMG ${PROJECT_BINARY_DIR}/tests/security/devdeleg.img)
add_custom_command(OUTPUT ${DEVDELEG_IMG} COMMAND blk_image make ${DEVDELEG_IMG} DEPENDS blk_image)
add_custom_target(devdeleg_img ALL DEPENDS ${DEVDELEG_IMG})
security_test(devdeleg --status ok
  --expect "\\(d0 dom0\\) pass: read the host's 16384 sectors"
  --expect "\\(d0 dom0\\) pass: completions came by MSI-X event channel"
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --cpus 2 --mem 512 --timeout 120 --disk ${DEVDELEG_IMG}
     --modules "${PROJECT_BINARY_DIR}/tests/blk/guests/blk_dom0.elf @mem=64M,${SEC_GUEST_DIR}/devdeleg.elf @mem=32M")
set_property(TEST security.devdeleg APPEND PROPERTY LABELS blk)
