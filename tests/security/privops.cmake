# SPDX-License-Identifier: MIT
# The privileged interface's hypervisor side (issue 11, part 3): dom0 builds and runs domains through
# skiff_domctl.h and Xen's foreign forms; a domU gets -EPERM for all of it. Skiff-specific.

# Two modules for dom0 to read back (SKIFF_DOMCTL_boot_module): 8000 numbered lines (200,000 bytes, so
# several 64 KiB calls), and 5,000 bytes of the alphabet with a string after its path.
set(PRIVOPS_MOD0 ${CMAKE_CURRENT_BINARY_DIR}/privops_module0.txt)
set(PRIVOPS_MOD1 ${CMAKE_CURRENT_BINARY_DIR}/privops_module1.bin)
if(NOT EXISTS ${PRIVOPS_MOD0})
  set(text "")
  foreach(i RANGE 0 7999)
    string(LENGTH "${i}" len)
    math(EXPR pad "4 - ${len}")
    string(REPEAT "0" ${pad} zeros)
    string(APPEND text "privops module line ${zeros}${i}\n")
  endforeach()
  file(WRITE ${PRIVOPS_MOD0} "${text}")
endif()
if(NOT EXISTS ${PRIVOPS_MOD1})
  string(REPEAT "abcdefghijklmnopqrstuvwxyz" 192 text)
  file(WRITE ${PRIVOPS_MOD1} "${text}abcdefgh")
endif()

security_guest(privops_dom0 ${SEC_SRC}/privops/privops_dom0.c)
security_test(privops_dom0 --status ok
  --expect "\\(d0 dom0\\) pass: createdomain 'built'"
  --expect "\\(d0 dom0\\) pass: gets 41"
  --expect "\\(d0 dom0\\) pass: it reaches state shutdown"
  --expect "\\(d0 dom0\\) pass: module 0 read back byte-exactly"
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "domctl: dom0 released 2 boot modules"
  --expect "domain 1 \\(built\\): shut down, reason poweroff"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: " --reject "crashed"
  -- --cpus 2 --mem 256 --timeout 120
     --modules "${SEC_GUEST_DIR}/privops_dom0.elf @mem=32M,${PRIVOPS_MOD0} @data,${PRIVOPS_MOD1} @data second module of odd length")

# A domU against all of it, beside the heartbeat (both built by our dom0): -EPERM for every domctl command and
# every foreign form aimed at dom0, -ESRCH for a domain that does not exist; the heartbeat's memory stays intact.
security_guest(privops_domu ${SEC_SRC}/privops/privops_domu.c)
security_test(privops_domu --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) heartbeat: done: .*corruption: none"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "\\(d2 domU2\\) pass: domctl 13 aimed at d0 == -1"
  --expect "\\(d2 domU2\\) pass: mmu_update mapping a frame in dom0's name == -1"
  --expect "\\(d2 domU2\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --dom0 --cpus 2 --mem 512 --timeout 60
     --modules "${SEC_HEARTBEAT} secs=6 maxgap=30000,${SEC_GUEST_DIR}/privops_domu.elf @mem=32M")

# A fully virtual domain beside this dom0: no PV foreign interface reaches its frames (its nested page tables
# are among them); the HVM guest still runs to its clean end and every frame comes back.
security_guest(hvm_foreign ${SEC_SRC}/privops/hvm_foreign.c)
security_test(hvm_foreign --status ok
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "\\(d1 domU1\\) hvm: all checks passed"
  --expect "result: d1 \\(domU1\\): poweroff, as expected"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --accel auto-svm --cpus 2 --mem 256 --timeout 90
     --modules "${SEC_GUEST_DIR}/hvm_foreign.elf,${PROJECT_BINARY_DIR}/tests/hvm/guests/tiny.elf @hvm @mem=16M")
set_property(TEST security.hvm_foreign APPEND PROPERTY LABELS hvm)
