# SPDX-License-Identifier: MIT
# Device delegation of the NIC (issue 13) under a hostile domU: while dom0 (net_dom0) drives the virtio-net NIC
# at 00:02.0 and pings slirp through it, the devdeleg domU aims at that NIC (its config space, its MSI-X and
# notification BAR frames, its MSI-X pirq); it is refused everything (-EPERM) and dom0's pings all come back.
security_test(netdeleg --status ok
  --expect "\\(d0 dom0\\) net: virtio-net at 00:02.0, "
  --expect "\\(d0 dom0\\) net: BAR1 0xfebd1000 BAR4 0xfe00000c"
  --expect "\\(d0 dom0\\) pass: 10.0.2.2: 20 of 20 echo replies"
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "\\(d1 domU1\\) pass: map_pirq of dom0's device's MSI-X entry 0"
  --expect "\\(d1 domU1\\) pass: mmu_update\\(DOMID_IO\\) of frame 0xfebd1"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --cpus 2 --mem 512 --timeout 120 --net user
     --modules "${PROJECT_BINARY_DIR}/tests/net/guests/net_dom0.elf @mem=64M,${SEC_GUEST_DIR}/devdeleg.elf @mem=32M devfn=0x10 msix_frame=0xfebd1 bar_frame=0xfe000")
set_property(TEST security.netdeleg APPEND PROPERTY LABELS net)
