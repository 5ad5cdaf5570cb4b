# SPDX-License-Identifier: MIT
# memory_op on pinned, in-use, foreign and hypervisor frames; event-channel abuse of ports and other domains.
security_attack(memop_evtchn)
