/* SPDX-License-Identifier: MIT */
/* Symbol lookup in the table embedded at build time (.hvsyms), for backtraces. */
#ifndef HV_SYMBOLS_H
#define HV_SYMBOLS_H

#include <hv/types.h>

struct symtab {
	uint64_t count;
	const uint64_t *addrs;		/* sorted ascending */
	const char *const *names;
};

/* Finds the symbol containing addr (the last one at or below it, before the next). Returns NULL if none. */
const char *symtab_lookup(const struct symtab *t, uint64_t addr, uint64_t *offset, uint64_t *size);

/* The hypervisor's own table. */
const char *symbol_lookup(uint64_t addr, uint64_t *offset, uint64_t *size);

#endif
