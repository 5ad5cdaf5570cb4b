#!/bin/bash
# SPDX-License-Identifier: MIT
# Rebuilds the xenstore tree of a real Xen 4.17 host (running PV domU) with xenstore-write, then checks xenstore-ls -f gives it back.
set -euo pipefail
fixture=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
grep -v '^#' "$fixture" >"$tmp/want"
args=()
while IFS= read -r line; do
	path=${line%% = \"*}
	value=${line#* = \"}
	value=${value%\"}
	args+=("$path" "$value")
done <"$tmp/want"
xenstore-write "${args[@]}"
xenstore-ls -f / >"$tmp/got"
# Child order differs (oxenstored sorts, we keep creation order), so compare as sets.
if diff <(sort "$tmp/want") <(sort "$tmp/got"); then
	echo "ok   $(wc -l <"$tmp/want") nodes of a real Xen tree round-trip through xenstore-write / xenstore-ls -f"
else
	echo "FAIL tree differs (< Xen, > skiff-xenstored)"
	exit 1
fi
