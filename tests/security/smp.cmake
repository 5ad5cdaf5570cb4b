# SPDX-License-Identifier: MIT
# Several vCPUs of one guest at once (issue 16): page tables, flushes, IPIs and grant copies from 4 vCPUs on
# 4 CPUs beside the heartbeat domain; nothing may be read through a removed mapping, lost or corrupted.
security_guest(smp_stress ${SEC_SRC}/smp/smp_stress.c ${SEC_SRC}/smp/smp_probe.S ${SEC_SRC}/guests/sec_util.c
  ${SEC_SRC}/guests/pf_probe.S)
security_test(smp_stress --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) heartbeat: done: .*corruption: none"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "domctl: d2 created by d0: '[^']*', 4 vCPUs"
  --expect "\\(d2 stress\\) vCPU 3: [1-9][0-9]* map/unmap cycles"
  --expect "\\(d2 stress\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: " --reject "still referenced"
  -- --dom0 --cpus 4 --mem 512 --timeout 120
     --modules "${SEC_HEARTBEAT} secs=22 maxgap=30000,${SEC_GUEST_DIR}/smp_stress.elf @mem=32M @vcpus=4 @name=stress secs=20 domid=2")

# VCPUOP_initialise abused (frames not ours as cr3, user L4 and GDT, selectors, hostile FPU and flags, a race
# for one vCPU, down/up storms), beside the heartbeat.
security_guest(vcpu_ctx_attack ${SEC_SRC}/smp/vcpu_ctx_attack.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
security_test(vcpu_ctx_attack --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) heartbeat: done: .*corruption: none"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "\\(d2 domU2\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: " --reject "still referenced" --reject "still charged"
  -- --dom0 --cpus 3 --mem 512 --timeout 120
     --modules "${SEC_HEARTBEAT} secs=8 maxgap=30000,${SEC_GUEST_DIR}/vcpu_ctx_attack.elf @mem=32M @vcpus=3")

# Blocked vCPUs woken late (issue 16): 4 vCPUs on 2 CPUs sleep on one-shot timers and wake each other by IPI,
# beside the heartbeat; no wake-up may come 2 s late and no vCPU may stall.
security_guest(wake_late ${SEC_SRC}/smp/wake_late.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
security_test(wake_late --status ok ${SEC_BY_DOM0}
  --expect "\\(d1 domU1\\) heartbeat: done: .*corruption: none"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "domctl: d2 created by d0: '[^']*', 4 vCPUs"
  --expect "\\(d2 domU2\\) wake_late: [1-9][0-9]* polls, worst lateness"
  --expect "\\(d2 domU2\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --dom0 --cpus 2 --mem 512 --timeout 120
     --modules "${SEC_HEARTBEAT} secs=22 maxgap=30000,${SEC_GUEST_DIR}/wake_late.elf @mem=32M @vcpus=4 secs=20")
