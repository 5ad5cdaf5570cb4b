/* SPDX-License-Identifier: MIT */
/* Binary search over the sorted address table the second link embeds; host-testable with a table of its own. */
#include <hv/symbols.h>

const char *symtab_lookup(const struct symtab *t, uint64_t addr, uint64_t *offset, uint64_t *size)
{
	uint64_t lo = 0, hi = t->count;

	if (!t->count || addr < t->addrs[0])
		return NULL;
	/* Invariant: addrs[lo] <= addr, and addrs[hi] > addr when hi < count. */
	while (hi - lo > 1) {
		uint64_t mid = lo + (hi - lo) / 2;

		if (t->addrs[mid] <= addr)
			lo = mid;
		else
			hi = mid;
	}
	/* Aliases share an address: report the first name, the size up to the next distinct address. */
	while (lo > 0 && t->addrs[lo - 1] == t->addrs[lo])
		lo--;
	hi = lo + 1;
	while (hi < t->count && t->addrs[hi] == t->addrs[lo])
		hi++;
	if (hi == t->count)
		return NULL;	/* past the last symbol: not in any function we know */
	*offset = addr - t->addrs[lo];
	*size = t->addrs[hi] - t->addrs[lo];
	return t->names[lo];
}

extern const uint64_t hv_symtab_count;
extern const uint64_t hv_symtab_addrs[];
extern const char *const hv_symtab_names[];

const char *symbol_lookup(uint64_t addr, uint64_t *offset, uint64_t *size)
{
	struct symtab t = { hv_symtab_count, hv_symtab_addrs, hv_symtab_names };

	return symtab_lookup(&t, addr, offset, size);
}
