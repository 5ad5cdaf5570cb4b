/* SPDX-License-Identifier: MIT */
/* RAM minus reservations, computed on demand: small tables, so simple loops beat clever structures here. */
#include <hv/memmap.h>
#include <hv/lib.h>

void memmap_init(struct memmap *m, const struct boot_info *bi)
{
	memset(m, 0, sizeof(*m));
	m->bi = bi;
}

bool memmap_reserve(struct memmap *m, paddr_t start, paddr_t end, const char *what)
{
	if (m->nr_reserved == MEMMAP_MAX_RESERVED)
		return false;
	m->reserved[m->nr_reserved].start = ALIGN_DOWN(start, PAGE_SIZE);
	m->reserved[m->nr_reserved].end = ALIGN_UP(end, PAGE_SIZE);
	m->reserved[m->nr_reserved].what = what;
	m->nr_reserved++;
	return true;
}

/* The lowest cut (reserved or non-RAM range) that ends after pos and starts before end; false if none. */
static bool next_cut(const struct memmap *m, paddr_t pos, paddr_t end, paddr_t *cs, paddr_t *ce)
{
	bool found = false;

	for (unsigned int i = 0; i < m->nr_reserved; i++) {
		paddr_t s = m->reserved[i].start, e = m->reserved[i].end;

		if (e > pos && s < end && (!found || s < *cs)) {
			*cs = s;
			*ce = e;
			found = true;
		}
	}
	for (unsigned int i = 0; i < m->bi->nr_ranges; i++) {
		const struct boot_memrange *r = &m->bi->ranges[i];
		paddr_t s = ALIGN_DOWN(r->start, PAGE_SIZE), e = ALIGN_UP(r->start + r->len, PAGE_SIZE);

		if (r->type != MEM_RAM && e > pos && s < end && (!found || s < *cs)) {
			*cs = s;
			*ce = e;
			found = true;
		}
	}
	return found;
}

static void free_parts_of(const struct memmap *m, paddr_t start, paddr_t end, memmap_range_fn fn, void *arg)
{
	paddr_t pos = start;

	while (pos < end) {
		paddr_t cs = 0, ce = 0;

		if (!next_cut(m, pos, end, &cs, &ce)) {
			fn(pos, end, arg);
			return;
		}
		/* Overlapping cuts: take the lowest start, then extend over any cut that begins inside it. */
		if (cs > pos)
			fn(pos, cs, arg);
		pos = MAX(pos, ce);
	}
}

void memmap_for_each_free(const struct memmap *m, memmap_range_fn fn, void *arg)
{
	for (unsigned int i = 0; i < m->bi->nr_ranges; i++) {
		const struct boot_memrange *r = &m->bi->ranges[i];
		paddr_t s = ALIGN_UP(r->start, PAGE_SIZE), e = ALIGN_DOWN(r->start + r->len, PAGE_SIZE);

		if (r->type == MEM_RAM && s < e)
			free_parts_of(m, s, e, fn, arg);
	}
}

struct fit {
	uint64_t bytes, align;
	paddr_t limit, best;
};

static void try_fit(paddr_t start, paddr_t end, void *arg)
{
	struct fit *f = arg;
	paddr_t top = MIN(end, f->limit), base;

	if (top < f->bytes || top - f->bytes < start)
		return;
	base = ALIGN_DOWN(top - f->bytes, f->align);
	if (base >= start && base > f->best)
		f->best = base;
}

paddr_t memmap_early_alloc(struct memmap *m, uint64_t bytes, uint64_t align, paddr_t limit)
{
	struct fit f = { ALIGN_UP(bytes, PAGE_SIZE), MAX(align, PAGE_SIZE), limit, 0 };

	if (m->closed || !bytes || (f.align & (f.align - 1)))
		return 0;
	memmap_for_each_free(m, try_fit, &f);
	if (!f.best || !memmap_reserve(m, f.best, f.best + f.bytes, "early allocation"))
		return 0;
	m->early_bytes += f.bytes;
	return f.best;
}
