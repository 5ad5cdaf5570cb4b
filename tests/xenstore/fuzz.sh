#!/bin/sh
# SPDX-License-Identifier: MIT
# Runs the libFuzzer build of fuzz_wire.c for a bounded time over the in-tree seed corpus.
set -u
fuzzer=$1 corpus=$2 seconds=$3
work=$(mktemp -d "${TMPDIR:-/tmp}/skiff-xs-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT
mkdir "$work/corpus"
# New inputs go to the scratch directory; the in-tree corpus is only read.
"$fuzzer" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
	-artifact_prefix="$work/" "$work/corpus" "$corpus" >"$work/log" 2>&1
rc=$?
grep -E "^(stat::number_of_executed_units|stat::peak_rss_mb|Done)|ERROR|SUMMARY|crash-|leak-" "$work/log"
if [ $rc -ne 0 ]; then
	tail -60 "$work/log"
	for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-*; do
		[ -f "$a" ] && echo "artifact (hex):" && od -An -tx1 "$a" | head -20
	done
fi
exit $rc
