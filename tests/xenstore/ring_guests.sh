#!/bin/bash
# SPDX-License-Identifier: MIT
# Serves two host processes as domains 1 and 2 over real ring pages (shared files), beside socket clients.
set -uo pipefail
server=$1 guest=$2 iters=${3:-300}
dir=$(mktemp -d "${TMPDIR:-/tmp}/skiff-xs-ring.XXXXXX")
"$server" --socket "$dir/socket" --ring "$dir/page1:1" --ring "$dir/page2:2" 2>"$dir/log" &
pid=$!
g1= g2=
trap 'kill $g1 $g2 $pid 2>/dev/null; wait $g1 $g2 $pid 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 200); do [ -S "$dir/socket" ] && break; sleep 0.05; done
export XENSTORED_PATH=$dir/socket
# The toolstack's part: give each domain its home.
for d in 1 2; do
	xenstore-write /local/domain/$d "" && xenstore-chmod /local/domain/$d n$d || exit 1
done
# A node both guests update in transactions, so their commits conflict.
xenstore-write /shared/counter 0 && xenstore-chmod /shared/counter n0 b1 b2 || exit 1
"$guest" "$dir/page1" 1 2 "$iters" & g1=$!
"$guest" "$dir/page2" 2 1 "$iters" & g2=$!
# Socket traffic at the same time, then the shutdown request each guest waits for.
for i in $(seq 200); do xenstore-write /busy/$((i % 20)) $i; done
for d in 1 2; do xenstore-write /local/domain/$d/control/shutdown poweroff; done
rc=0
wait $g1 || rc=1
wait $g2 || rc=1
for d in 1 2; do
	got=$(xenstore-read /local/domain/$d/counter)
	[ "$got" = "$iters" ] || { echo "FAIL dom$d counter $got, want $iters"; rc=1; }
done
got=$(xenstore-read /shared/counter)
[ "$got" = "$((2 * iters))" ] || { echo "FAIL shared counter $got, want $((2 * iters))"; rc=1; }
kill -0 $pid 2>/dev/null || { echo "FAIL server died"; cat "$dir/log"; rc=1; }
[ $rc = 0 ] && echo "ok   two ring domains and socket clients served together"
exit $rc
