#!/bin/sh
# SPDX-License-Identifier: MIT
# Emits the .hvsyms section (sorted text addresses and names) from an ELF's symbol table, for symbolised backtraces.
set -eu
echo '	.section .hvsyms, "a"'
echo '	.balign 8'
echo '	.globl hv_symtab_count, hv_symtab_addrs, hv_symtab_names'
if [ "$1" = "--empty" ]; then
	echo 'hv_symtab_count: .quad 0'
	echo 'hv_symtab_addrs:'
	echo 'hv_symtab_names:'
	exit 0
fi
# _etext ends the table so the last function gets a size and nothing past the text resolves.
nm -n --defined-only "$1" | awk '
$3 == "_etext" { etext = $1; next }
$2 ~ /^[tTwW]$/ && $1 ~ /^ffff/ { addr[n] = $1; name[n] = $3; n++ }
END {
	if (etext != "") { addr[n] = etext; name[n] = "_etext"; n++ }
	printf "hv_symtab_count: .quad %d\n", n
	print "hv_symtab_addrs:"
	for (i = 0; i < n; i++) printf "\t.quad 0x%s\n", addr[i]
	print "hv_symtab_names:"
	for (i = 0; i < n; i++) printf "\t.quad .Lsym%d\n", i
	for (i = 0; i < n; i++) printf ".Lsym%d: .asciz \"%s\"\n", i, name[i]
}'
