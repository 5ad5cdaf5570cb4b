# SPDX-License-Identifier: MIT
# Domains destroyed while others run (issues 9 and 10): dom0's SKIFF_DOMCTL_destroydomain, and the boot path's
# destroy of a domain that crashed. A granter dies with its page mapped by another domain: the page stays its
# frame (a zombie) until the last mapping goes, the mapper keeps using it, and every frame comes back.
security_guest(teardown ${SEC_SRC}/teardown/teardown.c)
set(SEC_TD ${SEC_GUEST_DIR}/teardown.elf)
# How the granter ends: dom0 destroys it, or it crashes itself (the machine's report checks each).
set(expect_destroy destroyed)
set(expect_crash crash)
foreach(scenario destroy crash)
  security_test(teardown_${scenario} --status ok
    --expect "\\(d0 dom0\\) Test result: SUCCESS"
    --expect "\\(d2 domU2\\) Test result: SUCCESS"
    --expect "domain 1 \\(domU1\\): destroyed. 1 frames other domains still use stay allocated until released"
    --expect "domain 1: the last of its frames others used is released"
    --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
    --reject "still referenced" --reject "still charged" --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
    -- --cpus 2 --mem 256 --timeout 120
       --modules "${SEC_TD} ${scenario} ctl,${SEC_TD} @mem=16M @expect=${expect_${scenario}} granter ${scenario},${SEC_TD} @mem=16M mapper")
endforeach()
# A 512 MiB domain that maps all of its memory through pinned L1s is destroyed by dom0 while an innocent
# domain's heartbeat runs on the same (only) CPU: the destroy is one call made of bounded steps, so the
# heartbeat's longest gap stays under 2 s (twice security.cpu_hog's bound: on a loaded host QEMU itself is descheduled for up to a second); the log reports it.
security_test(teardown_big --status ok
  --expect "\\(d0 dom0\\) ctl: destroydomain of the large domain took [0-9]+ ms"
  --expect "\\(d2 domU2\\) heartbeat: [0-9]+ ticks. worst gap [0-9]+ us during dom0's work"
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "\\(d2 domU2\\) Test result: SUCCESS"
  --expect "domain 1 \\(domU1\\): destroyed. every frame returned"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "still referenced" --reject "still charged" --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --cpus 1 --mem 1024 --timeout 280
     --modules "${SEC_TD} @mem=32M big ctl,${SEC_TD} @mem=512M @expect=destroyed victim,${SEC_TD} @mem=16M beat")
set_tests_properties(security.teardown_big PROPERTIES RUN_SERIAL TRUE)
# dom0 asks for one 1 GiB extent (issue 9: its zeroing was not preempted) beside the heartbeat on one CPU.
security_test(zero_1g --status ok
  --expect "\\(d0 dom0\\) ctl: one 1 GiB extent allocated and zeroed in [0-9]+ ms"
  --expect "\\(d1 domU1\\) heartbeat: [0-9]+ ticks. worst gap [0-9]+ us during dom0's work"
  --expect "\\(d0 dom0\\) Test result: SUCCESS"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --cpus 1 --mem 5120 --timeout 280
     --modules "${SEC_TD} @mem=1088M zero ctl,${SEC_TD} @mem=16M beat")
set_tests_properties(security.zero_1g PROPERTIES RUN_SERIAL TRUE)
