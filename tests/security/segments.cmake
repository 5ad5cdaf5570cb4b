# SPDX-License-Identifier: MIT
# Data segment selectors the hypervisor loads for a PV vCPU (pv/segments.c): hostile ones in VCPUOP_initialise
# contexts (its own descriptors, past the GDT, a missing LDT) read as null, bases hold, beside the heartbeat.
security_guest(seg_ctx_attack ${SEC_SRC}/smp/seg_ctx_attack.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
security_test(seg_ctx_attack --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) heartbeat: done: .*corruption: none"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "\\(d2 domU2\\) seg_ctx_attack: 7 hostile contexts run"
  --expect "\\(d2 domU2\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: " --reject "still referenced"
  -- --dom0 --cpus 2 --mem 512 --timeout 120
     --modules "${SEC_HEARTBEAT} secs=8 maxgap=30000,${SEC_GUEST_DIR}/seg_ctx_attack.elf @mem=32M @vcpus=8")
# conformance.segbase_switch in two domains at once (4 vCPUs each on 2 CPUs): the second ("salt=4") keeps other
# selectors and bases, so a selector or base carried from one domain's vCPU to the other's reads as wrong.
security_test(seg_two_domains --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 first\\) Test result: SUCCESS"
  --expect "\\(d2 second\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: " --reject "still referenced"
  -- --dom0 --cpus 2 --mem 512 --timeout 300
     --modules "${PROJECT_BINARY_DIR}/tests/conformance/images/segbase_switch.elf @vcpus=4 @name=first from=3,${PROJECT_BINARY_DIR}/tests/conformance/images/segbase_switch.elf @vcpus=4 @name=second salt=4 from=3")
