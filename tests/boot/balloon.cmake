# SPDX-License-Identifier: MIT
# Ballooning end to end: Debian's stock kernel as a domU of our dom0, built with 256 MiB and room for 384 MiB.
# Once its init is up (it reports in data/skiff-balloon), dom0 (the @balloon test hook, until xl mem-set drives
# it) sets memory/target to 128 MiB, then to 320 MiB (past what it was built with: into the P2M Linux sized for maxmem). The
# hypervisor's count of its pages (getdomaininfo) must follow each step exactly, Linux's current_kb and
# MemTotal too; then it powers off and every frame comes back. dom0's lines carry the times and pages/s.
boot_test(linux_balloon --status ok --need-file "${PROJECT_BINARY_DIR}/decompress-data/root/boot/vmlinuz-*"
  --expect "\\(d0 dom0\\) dom0: built d1 from module 0: 256 MiB, [0-9]+ KiB kernel"
  --expect "\\(d1 domU1\\) skiff-userspace: balloon at 262144 KiB, MemTotal: +[0-9]+ kB"
  --expect "\\(d0 dom0\\) dom0: balloon d1: memory/target = 131072 KiB \\(32768 pages, it has 65536\\)"
  --expect "\\(d0 dom0\\) dom0: balloon d1: reached the target of 32768 pages: 32768 pages \\(from 65536\\) in [0-9]+ ms, [0-9]+ pages/s"
  --expect "\\(d1 domU1\\) skiff-userspace: balloon at 131072 KiB, MemTotal: +[0-9]+ kB"
  --expect "\\(d0 dom0\\) dom0: balloon d1: memory/target = 327680 KiB \\(81920 pages, it has 32768\\)"
  --expect "\\(d0 dom0\\) dom0: balloon d1: reached the target of 81920 pages: 81920 pages \\(from 32768\\) in [0-9]+ ms, [0-9]+ pages/s"
  --expect "\\(d1 domU1\\) skiff-userspace: balloon at 327680 KiB, MemTotal: +[0-9]+ kB"
  --expect "\\(d1 domU1\\) skiff-userspace: balloon done: target 327680 KiB, current 327680 KiB"
  --expect "domain 1 \\(domU1\\): shut down, reason poweroff"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "crashed" --reject "Kernel panic" --reject "BUG:" --reject "WARNING:" --reject "short of the target"
  --reject "xenstored: "
  -- --cpus 2 --mem 1024 --timeout 240
     --modules "${DOM0_ELF} @toolstack @mem=160M,@FILE@ @mem=256M @maxmem=384M @balloon=128M:320M console=hvc0 skiff_xenstore skiff_balloon=327680,${INITRAMFS} @initrd")
set_tests_properties(boot.linux_balloon PROPERTIES LABELS "boot;linux")
