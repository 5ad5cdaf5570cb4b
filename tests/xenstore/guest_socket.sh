#!/bin/bash
# SPDX-License-Identifier: MIT
# Debian's xenstore-utils acting as guests (skiff-xenstored --guest-socket): permissions, ownership and quotas.
set -uo pipefail
server=$1 probe=$2   # probe: libxs_errno, one libxenstore call printing OK/value/errno name
dir=$(mktemp -d "${TMPDIR:-/tmp}/skiff-xs-guest.XXXXXX")
"$server" --socket "$dir/s" --guest-socket "$dir/g5:5" --guest-socket "$dir/g6:6" \
	--quota nodes=10 --quota watches=2 2>"$dir/log" &
pid=$!
w1= w2=
trap 'kill $w1 $w2 $pid 2>/dev/null; wait $w1 $w2 $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 200); do [ -S "$dir/g6" ] && break; sleep 0.05; done
fail=0
check() {
	if [ "$2" == "$3" ]; then echo "ok   $1"; else
		printf 'FAIL %s\n  expected: %q\n  got:      %q\n' "$1" "$2" "$3"; fail=1; fi
}
dom0() { XENSTORED_PATH=$dir/s "$@"; }
g5() { XENSTORED_PATH=$dir/g5 "$@"; }
g6() { XENSTORED_PATH=$dir/g6 "$@"; }

dom0 xenstore-write /local/domain/5 "" /local/domain/6 "" /secret s /pub p
dom0 xenstore-chmod /local/domain/5 n5
dom0 xenstore-chmod /local/domain/6 n6
dom0 xenstore-chmod /pub r0

g5 xenstore-write name five
check "guest writes its home (relative path)" "five" "$(dom0 xenstore-read /local/domain/5/name)"
check "guest owns what it creates" "1" "$(dom0 xenstore-ls -p /local/domain/5 | grep -c '^name = "five" .*(n5)$')"
check_rc() { "$@" >/dev/null 2>&1; echo $?; }
check "default-deny read (xenstore-read fails)" "1" "$(check_rc g5 xenstore-read /secret)"
check "default-deny read is EACCES" "EACCES" "$(g5 "$probe" read /secret)"
check "default read allowed" "p" "$(g5 xenstore-read /pub)"
g5 xenstore-write /pub nope 2>/dev/null
check "no write on read-only node" "p" "$(dom0 xenstore-read /pub)"
check "write on read-only node is EACCES" "EACCES" "$(g5 "$probe" write /pub nope)"
check "other guest's home hidden" "EACCES" "$(g6 "$probe" read /local/domain/5/name)"
g5 xenstore-chmod name n6 2>/dev/null
check "cannot give a node away" "1" "$(dom0 xenstore-ls -p /local/domain/5 | grep -c '(n5)$')"
check "giving away is EPERM" "EPERM" "$(g5 "$probe" chmod /local/domain/5/name n6)"
check "guest cannot rm dom0's node" "EACCES" "$(g5 "$probe" rm /pub)"
g5 xenstore-chmod name n5 r6
check "owner grants read" "five" "$(g6 xenstore-read /local/domain/5/name)"

args=()
for i in $(seq 20); do args+=("k$i" "$i"); done
g5 xenstore-write "${args[@]}" 2>/dev/null
check "node quota refuses the whole write" "" "$(dom0 xenstore-list /local/domain/5 | grep '^k')"
for i in $(seq 8); do g5 xenstore-write q$i $i; done  # home + name + 8 = quota
check "node quota is ENOSPC" "ENOSPC" "$(g5 "$probe" write q9 9)"
for i in $(seq 8); do g5 xenstore-rm q$i; done
g5 xenstore-write k1 1
check "within quota still fine" "1" "$(dom0 xenstore-read /local/domain/5/k1)"

# Started directly, not through g5(): "$!" of a backgrounded shell function is the
# subshell, and killing it would leave the real xenstore-watch spinning for ever.
XENSTORED_PATH=$dir/g5 xenstore-watch name >/dev/null 2>&1 & w1=$!
XENSTORED_PATH=$dir/g5 xenstore-watch k1 >/dev/null 2>&1 & w2=$!
sleep 0.5
timeout 5 env XENSTORED_PATH="$dir/g5" xenstore-watch name >/dev/null 2>&1
check "third watch over quota fails" "1" "$?"
check "watch quota is E2BIG" "E2BIG" "$(g5 "$probe" watch name t3)"
kill $w1 $w2 2>/dev/null
wait $w1 $w2 2>/dev/null

kill -0 $pid 2>/dev/null || { echo "FAIL server died"; cat "$dir/log"; fail=1; }
exit $fail
