#!/bin/sh
# SPDX-License-Identifier: MIT
# Starts skiff-xenstored on a private socket, runs the given command with XENSTORED_PATH set, stops the server.
set -eu
server=$1
shift
dir=$(mktemp -d "${TMPDIR:-/tmp}/skiff-xs.XXXXXX")
sock=$dir/socket
"$server" --socket "$sock" 2>"$dir/server.log" &
pid=$!
cleanup() {
	kill "$pid" 2>/dev/null || true
	wait "$pid" 2>/dev/null || true
	rm -rf "$dir"
}
trap cleanup EXIT INT TERM
i=0
while [ ! -S "$sock" ]; do
	i=$((i + 1))
	if [ $i -gt 200 ] || ! kill -0 "$pid" 2>/dev/null; then
		echo "with-server: skiff-xenstored did not come up" >&2
		cat "$dir/server.log" >&2
		exit 1
	fi
	sleep 0.05
done
export XENSTORED_PATH="$sock"
rc=0
"$@" || rc=$?
# The server must have survived whatever the test threw at it.
if ! kill -0 "$pid" 2>/dev/null; then
	echo "with-server: skiff-xenstored died during the test" >&2
	cat "$dir/server.log" >&2
	rc=1
fi
exit $rc
