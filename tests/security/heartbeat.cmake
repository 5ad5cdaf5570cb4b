# The innocent domain of the suite: a heartbeat guest that checks its own memory and its longest gap.
security_guest(heartbeat ${SEC_SRC}/guests/heartbeat.c ${SEC_SRC}/guests/sec_util.c)
set(SEC_HEARTBEAT ${SEC_GUEST_DIR}/heartbeat.elf)
