# SPDX-License-Identifier: MIT
# An interdomain event channel whose peer crashes and is torn down while the other end keeps sending.
security_guest(evtchn_peer ${SEC_SRC}/guests/evtchn_peer.c ${SEC_SRC}/guests/sec_util.c ${SEC_SRC}/guests/pf_probe.S)
security_test(evtchn_peer --status ok ${SEC_BY_DOM0}
  --expect "\\(d2 domU2\\) evtchn_peer: a: crashing with the channel open"
  --expect "domain 2 \\(domU2\\): shut down, reason crash"
  --expect "\\(d3 domU3\\) evtchn_peer: b: sends: [1-9][0-9]* ok"
  --expect "\\(d3 domU3\\) Test result: SUCCESS"
  --expect "\\(d1 domU1\\) heartbeat: done: .*corruption: none"
  --expect "\\(d1 domU1\\) Test result: SUCCESS"
  --expect "all domains have shut down \\(dom0: poweroff\\).*every frame returned"
  --reject "HYPERVISOR (CRASH|PANIC)" --reject "FAIL: "
  -- --dom0 --cpus 2 --mem 512 --timeout 60
     --modules "${SEC_HEARTBEAT} secs=6 maxgap=30000,${SEC_GUEST_DIR}/evtchn_peer.elf @mem=16M @expect=crash role=0xa peer=3,${SEC_GUEST_DIR}/evtchn_peer.elf @mem=16M role=0xb peer=2 secs=3")
