# SPDX-License-Identifier: MIT
# Domain files (xl.cfg) through qemu-run --domain, and the machine's exit status telling every domain's end
# (issue 11, parts 7 and 8). Included from tests/boot/CMakeLists.txt.
set(DOMFILES ${CMAKE_CURRENT_SOURCE_DIR}/domains)

# Two domain files: each checked and canonicalised on the host, then built by our dom0's toolstack (the
# hypervisor builds dom0 alone) from the file beside its kernel (name, memory, UUID, weight, CPUs, a command
# line with a comma in it); dom0 serves their consoles and tells how each ended.
boot_test(domfile_hello --status ok
  --domain-template ${DOMFILES}/hello.cfg.in --domain-template ${DOMFILES}/hello2.cfg.in
  --expect "boot: module 0: .* '.*/dom0.elf @mem=[0-9]+M @toolstack'"
  --expect "boot: module 2: .* '.*domfile_hello-1.cfg @domfile'"
  --expect "domctl: d1 created by d0: 'alpha', 1 vCPUs, max 8192 pages, weight 512, cap 0%, cpus 0x2"
  --expect "\\(d0 dom0\\) dom0: built d1 from module 0: 32 MiB, [0-9]+ KiB kernel, entry [0-9a-f]+, command line 'from a domain file, with a comma'"
  --expect "domctl: d2 created by d0: 'beta', 1 vCPUs, max 4096 pages, weight 256, cap 0%, cpus 0x3"
  --expect "\\(d0 dom0\\) dom0: built d2 from module 2: 16 MiB, [0-9]+ KiB kernel, entry [0-9a-f]+, command line 'root=/dev/xvda second'"
  --expect "\\(d1 alpha\\) Test result: SUCCESS"
  --expect "\\(d2 beta\\) Test result: SUCCESS"
  --expect "\\(d0 dom0\\) dom0: result: d1 \\(alpha\\): poweroff, as expected"
  --expect "\\(d0 dom0\\) dom0: result: d2 \\(beta\\): poweroff, as expected"
  --expect "\\(d0 dom0\\) dom0: result: 2 of 2 domains it built ended as expected"
  --expect "result: d0 \\(dom0\\): poweroff, as expected"
  --expect "every frame returned"
  --reject "boot: domain [1-9]"
  -- --cpus 2 --mem 512)

# Exit status truth, for domUs our dom0 builds (qemu-run --dom0: hello is d1, the guest under test d2): a domU
# that crashes fails the run, as dom0 reports it and then crashes itself, though every frame comes back ...
boot_test(exit_domu_crash --status fail ${BOOT_BY_DOM0}
  --expect "domain 2 \\(domU2\\): shut down, reason crash"
  --expect "\\(d0 dom0\\) dom0: result: d1 \\(domU1\\): poweroff, as expected"
  --expect "\\(d0 dom0\\) dom0: result: d2 \\(domU2\\): crash, UNEXPECTED"
  --expect "\\(d0 dom0\\) dom0: result: 1 of 2 domains it built ended as expected"
  --expect "result: d0 \\(dom0\\): crash, UNEXPECTED \\(expected poweroff\\)"
  --expect "all domains have shut down .*every frame returned"
  -- --dom0 --cpus 2 --mem 256 --modules "${BOOT_GUESTS}/hello.elf,${BOOT_GUESTS}/guest_fault.elf @mem=16M")
# ... unless the run expects it (qemu-run --expect NAME=REASON puts @expect= on that domain's module) ...
boot_test(exit_domu_crash_expected --status ok ${BOOT_BY_DOM0}
  --expect "\\(d0 dom0\\) dom0: result: d2 \\(domU2\\): crash, as expected"
  --expect "\\(d0 dom0\\) dom0: result: 2 of 2 domains it built ended as expected"
  --expect "result: 1 of 1 domains ended as expected"
  -- --dom0 --cpus 2 --mem 256 --modules "${BOOT_GUESTS}/hello.elf,${BOOT_GUESTS}/guest_fault.elf @mem=16M"
     --expect domU2=crash)
# ... and a domain the builder refuses fails it too.
boot_test(exit_domu_refused --status fail ${BOOT_BY_DOM0}
  --expect "\\(d0 dom0\\) dom0: result: junk \\(not built\\): refused, UNEXPECTED"
  --expect "result: d0 \\(dom0\\): crash, UNEXPECTED \\(expected poweroff\\)"
  -- --dom0 --cpus 1 --mem 256 --modules "${BOOT_GUESTS}/hello.elf,${MOD_A} @name=junk")

# Debian's kernel from a domain file (label linux): the UUID in the file is the one Linux reads from
# /sys/hypervisor/uuid (XENVER_guest_handle) and the one dom0's xenstored puts under /vm.
boot_test(linux_domfile --status ok --need-file "${PROJECT_BINARY_DIR}/decompress-data/root/boot/vmlinuz-*"
  --domain-template ${DOMFILES}/linux.cfg.in
  --expect "\\(d1 debian\\) skiff-userspace: hypervisor xen, uuid 5ec0ffee-0b0e-4a11-8bee-0123456789ab"
  --expect "\\(d1 debian\\) skiff-userspace: xenstore name = debian"
  --expect "\\(d1 debian\\) skiff-userspace: xenstore vm = /vm/5ec0ffee-0b0e-4a11-8bee-0123456789ab"
  --expect "\\(d1 debian\\) skiff-userspace: xenstore memory/target = 262144"
  --expect "result: d1 \\(debian\\): poweroff, as expected"
  --expect "every frame returned"
  --reject "crashed" --reject "Kernel panic" --reject "BUG:" --reject "WARNING:"
  -- --cpus 2 --mem 1024 --timeout 240)
set_tests_properties(boot.linux_domfile PROPERTIES LABELS "boot;linux")
# ... and a domain that never shuts down: at the timeout the run names it (dom0, waiting for it, printed no
# results, nor did the hypervisor); hello, which powered off, is not named.
boot_test(exit_domu_hang --status timeout ${BOOT_BY_DOM0}
  --expect "qemu-run: d2 \\(stuck\\) was still running at the timeout"
  --reject "qemu-run: d1 \\(domU1\\) was still running"
  -- --dom0 --cpus 2 --mem 256 --timeout 20 --modules "${BOOT_GUESTS}/hello.elf,${BOOT_GUESTS}/console_echo.elf @name=stuck @mem=16M")

# Domain files' on_* actions carried out by dom0's toolstack (issue 11, part 7): a guest that crashes at once with
# on_crash=restart is built again (same name, a new domid) until the restart-loop bound stops it (5 restarts after
# fast ends, the 6th fast end destroyed); the same guest with on_crash=preserve stays shut down, memory and all,
# until the machine ends; with on_crash=rename-restart the crashed one is kept as renamer-YYYYMMDDTHHMMZ and a
# new renamer starts (its next crash within the same minute finds that name taken: left as it is, not restarted).
# Every frame comes back.
boot_test(dom0_on_crash --status ok
  --domain-template ${DOMFILES}/crasher.cfg.in --domain-template ${DOMFILES}/keeper.cfg.in
  --domain-template ${DOMFILES}/renamer.cfg.in
  --expect "\\(d0 dom0\\) dom0: d3 \\(renamer\\) kept as renamer-20[0-9]{6}T[0-9]{4}Z. restarted as d[0-9]+ \\(restart 1\\)"
  --expect "\\(d0 dom0\\) dom0: result: d[0-9]+ \\(renamer\\): crash, .*as expected \\(after [1-5] restarts?\\)"
  --expect "\\(d0 dom0\\) dom0: d1 \\(crasher\\) shut down \\(crash\\): restart"
  --expect "\\(d0 dom0\\) dom0: d1 \\(crasher\\) restarted as d[0-9]+ \\(restart 1\\)"
  --expect "\\(d0 dom0\\) dom0: d[0-9]+ \\(crasher\\) restarted as d[0-9]+ \\(restart 5\\)"
  --expect "\\(d0 dom0\\) dom0: d[0-9]+ \\(crasher\\) ended within 10 s of starting 6 times in a row: a restart loop, not restarted again"
  --expect "\\(d0 dom0\\) dom0: d2 \\(keeper\\) shut down \\(crash\\): preserve"
  --expect "\\(d0 dom0\\) dom0: result: d[0-9]+ \\(crasher\\): crash, restart loop stopped, as expected \\(after 5 restarts\\)"
  --expect "\\(d0 dom0\\) dom0: result: d2 \\(keeper\\): crash, preserved: still there, shut down, [0-9]+ pages kept, as expected"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "restart 6" --reject "HYPERVISOR (CRASH|PANIC)" --reject "restart failed"
  -- --cpus 2 --mem 512 --modules "${DOM0_ELF} @toolstack" --expect crasher=crash --expect keeper=crash
     --expect renamer=crash)

# Debian's stock kernel reboots itself (reboot -f from its init while it is domid 1) and on_reboot=restart brings it
# back through dom0's builder: a new domid, the same name and UUID; the second boot powers off (label linux).
boot_test(linux_reboot --status ok --need-file "${PROJECT_BINARY_DIR}/decompress-data/root/boot/vmlinuz-*"
  --domain-template ${DOMFILES}/linux-reboot.cfg.in
  --expect "\\(d1 debian\\) skiff-userspace: hypervisor xen, uuid 5ec0ffee-0b0e-4a11-8bee-0123456789ab"
  --expect "\\(d1 debian\\) skiff-userspace: domid 1: rebooting"
  --expect "\\(d0 dom0\\) dom0: d1 \\(debian\\) shut down \\(reboot\\): restart"
  --expect "\\(d0 dom0\\) dom0: d1 \\(debian\\) restarted as d2 \\(restart 1\\)"
  --expect "\\(d2 debian\\) skiff-userspace: hypervisor xen, uuid 5ec0ffee-0b0e-4a11-8bee-0123456789ab"
  --expect "\\(d2 debian\\) skiff-userspace: xenstore name = debian"
  --expect "\\(d2 debian\\) skiff-userspace: xenstore vm = /vm/5ec0ffee-0b0e-4a11-8bee-0123456789ab"
  --expect "\\(d2 debian\\) skiff-userspace: domid 2: not rebooting"
  --expect "\\(d0 dom0\\) dom0: result: d2 \\(debian\\): poweroff, as expected \\(after 1 restart\\)"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "crashed" --reject "Kernel panic" --reject "BUG:" --reject "xenstored: " --reject "restart 2"
  -- --cpus 2 --mem 1024 --timeout 300 --modules "${DOM0_ELF} @toolstack @mem=224M")
set_tests_properties(boot.linux_reboot PROPERTIES LABELS "boot;linux")
