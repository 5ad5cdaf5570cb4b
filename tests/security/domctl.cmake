# SPDX-License-Identifier: MIT
# Skiff's privileged domain control (issue 11): a domU gets -EPERM for every command; dom0's list is right.
security_guest(domctl_probe ${SEC_SRC}/domctl/domctl_probe.c)
security_test(domctl_probe --status ok
  --expect "\\(d1 attacker\\) pass: a domU listing domains == -1"
  --expect "\\(d1 attacker\\) Test result: SUCCESS"
  --expect "\\(d1 attacker\\) domctl_probe: attacker ring line still served"
  --expect "\\(d0 dom0\\) pass: its console and store are granted to dom0"
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --cpus 2 --mem 256
     --modules "${SEC_GUEST_DIR}/domctl_probe.elf @mem=16M @backends,${SEC_GUEST_DIR}/domctl_probe.elf @mem=16M @name=attacker")
