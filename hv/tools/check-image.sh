#!/bin/sh
# SPDX-License-Identifier: MIT
# Fails the build if the two links put any function at different addresses (the embedded symbols would lie).
set -eu
a=$(nm -n --defined-only "$1" | awk '$2 ~ /^[tT]$/')
b=$(nm -n --defined-only "$2" | awk '$2 ~ /^[tT]$/')
if [ "$a" != "$b" ]; then
	echo "check-image: text symbols moved between stage 1 and stage 2" >&2
	exit 1
fi
