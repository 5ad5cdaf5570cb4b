# SPDX-License-Identifier: MIT
# Serial input to one chosen domain (issue 11, part 6): keys typed into QEMU's serial line (boot-test --keys)
# reach the domain in focus through its console ring; Ctrl-A three times moves the focus. Included from
# tests/boot/CMakeLists.txt.
set(KEYS ${CMAKE_CURRENT_SOURCE_DIR}/keys)

# Through dom0's console backend (dom0 builds both guests): the hypervisor hands dom0 every byte (CONSOLEIO_read, VIRQ_CONSOLE) and
# dom0 switches. Two guests echo what reaches them; each line must reach only the domain in focus, and the
# focus moves on when its domain goes.
boot_test(console_input_dom0 --status ok --keys ${KEYS}/echo_dom0.keys
  --expect "\\(d0 dom0\\) dom0: console input goes to d1 \\(alpha\\). Ctrl-A three times switches"
  --expect "\\(d1 alpha\\) echo: got 'one'"
  --expect "\\(d0 dom0\\) dom0: console input goes to d2 \\(beta\\)"
  --expect "\\(d2 beta\\) echo: got 'two'"
  --expect "\\(d2 beta\\) echo: got '\\^A\\^Ax'"
  --expect "\\(d1 alpha\\) echo: got 'quit'"
  --expect "\\(d1 alpha\\) Test result: SUCCESS"
  --expect "\\(d2 beta\\) Test result: SUCCESS"
  --expect "\\(d0 dom0\\) dom0: result: 2 of 2 domains it built ended as expected"
  --expect "result: 1 of 1 domains ended as expected"
  --reject "\\(d2 beta\\) echo: got 'one'" --reject "\\(d1 alpha\\) echo: got 'two'"
  --reject "echo: got '.*x01" ${BOOT_BY_DOM0}
  -- --cpus 2 --mem 512 --timeout 150
     --modules "${DOM0_ELF} @toolstack,${BOOT_GUESTS}/console_echo.elf @name=alpha @mem=16M,${BOOT_GUESTS}/console_echo.elf @name=beta @mem=16M")
# Without a console backend in dom0 (a test guest as dom0), the hypervisor writes the input into the
# domU's ring itself and does the switching.
boot_test(console_input_hv --status ok --keys ${KEYS}/echo_hv.keys
  --expect "\\(d1 alpha\\) echo: got 'one'"
  --expect "console: input goes to d2 \\(beta\\). Ctrl-A three times switches"
  --expect "\\(d2 beta\\) echo: got 'two'"
  --expect "\\(d2 beta\\) echo: got '\\^A\\^Ax'"
  --expect "console: input goes to d1 \\(alpha\\)"
  --expect "\\(d1 alpha\\) echo: got 'quit'"
  --expect "result: 3 of 3 domains ended as expected"
  --reject "\\(d2 beta\\) echo: got 'one'" --reject "\\(d1 alpha\\) echo: got 'two'"
  -- --cpus 2 --mem 512 --timeout 150
     --modules "${BOOT_GUESTS}/hello.elf,${BOOT_GUESTS}/console_echo.elf @name=alpha @mem=16M,${BOOT_GUESTS}/console_echo.elf @name=beta @mem=16M")

# ./skiff demo --linux --shell, as a test (label linux): Debian's kernel runs busybox sh on hvc0; a command
# typed on the serial line runs there (the shell computes what only a shell can) and poweroff ends it.
boot_test(linux_shell --status ok --need-file "${PROJECT_BINARY_DIR}/decompress-data/root/boot/vmlinuz-*"
  --keys ${KEYS}/linux_shell.keys
  --expect "\\(d0 dom0\\) dom0: built d1 from module 0: 256 MiB"
  --expect "\\(d0 dom0\\) dom0: console input goes to d1 \\(debian\\)"
  --expect "\\(d1 debian\\) skiff-shell: busybox sh on hvc0"
  --expect "\\(d1 debian\\) .*sum=42 on xen"
  --expect "\\(d0 dom0\\) dom0: result: d1 \\(debian\\): poweroff, as expected"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "Kernel panic" --reject "BUG:"
  -- --cpus 2 --mem 1024 --timeout 240
     --modules "${DOM0_ELF} @toolstack @mem=160M,@FILE@ @name=debian @mem=256M console=hvc0 skiff_shell,${INITRAMFS} @initrd")
set_tests_properties(boot.linux_shell PROPERTIES LABELS "boot;linux")

# The README's main job (./skiff demo runs tools/demo after building): our dom0 builds the guests and serves their
# consoles; with --linux, Debian's stock kernel through dom0 with xenstore (label linux).
add_test(NAME boot.demo COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/demo-test)
set_tests_properties(boot.demo PROPERTIES LABELS boot TIMEOUT 360
  ENVIRONMENT "SKIFF_TOP=${PROJECT_SOURCE_DIR};SKIFF_BUILD=${PROJECT_BINARY_DIR}")
add_test(NAME boot.demo_linux COMMAND ${CMAKE_CURRENT_SOURCE_DIR}/demo-test linux)
set_tests_properties(boot.demo_linux PROPERTIES LABELS "boot;linux" TIMEOUT 360 SKIP_RETURN_CODE 77
  ENVIRONMENT "SKIFF_TOP=${PROJECT_SOURCE_DIR};SKIFF_BUILD=${PROJECT_BINARY_DIR}")
