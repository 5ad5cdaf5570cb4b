/* SPDX-License-Identifier: MIT */
/* A fake build platform for the dom0 builder's host tests: frames in host memory, every call recorded, a page walker. */
#include "test_build_pv_fake.h"

#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <pvabi/errno.h>

#define PTE_ADDR	0x000ffffffffff000ULL

static struct fake_platform *fp(void *ctx)
{
	return ctx;
}

static int fake_populate(void *ctx, uint64_t nr, uint64_t *mfns)
{
	struct fake_platform *f = fp(ctx);

	f->seq_populate = ++f->seq;
	if (f->fail_populate)
		return f->fail_populate;
	ck_assert_uint_eq(f->nr_frames, 0);
	ck_assert_uint_le(nr, FAKE_MAX_PAGES);
	f->frames = calloc(nr, sizeof(*f->frames));
	f->m2p = malloc(nr * sizeof(*f->m2p));
	for (uint64_t i = 0; i < nr; i++) {
		/* Reverse order: a builder that confuses PFNs and MFNs writes the wrong frame. */
		mfns[i] = FAKE_MFN_BASE + (nr - 1 - i);
		f->frames[nr - 1 - i] = calloc(1, 4096);
		f->m2p[i] = ~0ULL;
	}
	f->nr_frames = nr;
	return 0;
}

uint8_t *fake_frame(const struct fake_platform *f, uint64_t mfn)
{
	if (mfn < FAKE_MFN_BASE || mfn - FAKE_MFN_BASE >= f->nr_frames)
		return NULL;
	return f->frames[mfn - FAKE_MFN_BASE];
}

static void *fake_map(void *ctx, uint64_t mfn)
{
	struct fake_platform *f = fp(ctx);
	uint8_t *p = fake_frame(f, mfn);

	if (p) {
		f->nr_maps++;
		if (++f->open_maps > f->max_open_maps)
			f->max_open_maps = f->open_maps;
	}
	return p;
}

static void fake_unmap(void *ctx, void *va)
{
	struct fake_platform *f = fp(ctx);

	ck_assert_ptr_nonnull(va);
	ck_assert_int_gt(f->open_maps, 0);
	f->open_maps--;
}

static int fake_set_m2p(void *ctx, const uint64_t *mfns, uint64_t first, uint64_t nr)
{
	struct fake_platform *f = fp(ctx);

	f->seq_m2p = ++f->seq;
	for (uint64_t i = 0; i < nr; i++) {
		ck_assert_ptr_nonnull(fake_frame(f, mfns[i]));
		f->m2p[mfns[i] - FAKE_MFN_BASE] = first + i;
	}
	return 0;
}

static int fake_hypercall_init(void *ctx, uint64_t mfn)
{
	struct fake_platform *f = fp(ctx);

	f->seq_hcall = ++f->seq;
	f->hcall_mfn = mfn;
	return fake_frame(f, mfn) ? 0 : -XEN_EINVAL;
}

static int fake_gnttab_seed(void *ctx, uint64_t console_mfn, uint64_t store_mfn, uint32_t console_port,
			    uint32_t store_port)
{
	struct fake_platform *f = fp(ctx);

	f->seq_seed = ++f->seq;
	f->seed_console = console_mfn;
	f->seed_store = store_mfn;
	f->seed_console_port = console_port;
	f->seed_store_port = store_port;
	/* The contract: the ports exist before the seed names them. */
	ck_assert_uint_ge(f->nr_ports, 2);
	return 0;
}

static int fake_alloc_unbound(void *ctx, uint32_t *port)
{
	struct fake_platform *f = fp(ctx);

	*port = ++f->nr_ports;
	return 0;
}

static int fake_pin_l4(void *ctx, uint64_t mfn)
{
	struct fake_platform *f = fp(ctx);

	f->seq_pin = ++f->seq;
	f->pin_mfn = mfn;
	f->open_maps_at_pin = f->open_maps;
	return f->fail_pin;
}

static int fake_set_vcpu_context(void *ctx, const struct vcpu_guest_context *c)
{
	struct fake_platform *f = fp(ctx);

	f->seq_ctx = ++f->seq;
	f->ctx = *c;
	return 0;
}

/* Scratch is poisoned, so a builder that relies on it being zero fails here. */
static void *fake_alloc(void *ctx, size_t len)
{
	struct fake_platform *f = fp(ctx);
	void *p = malloc(len);

	if (p) {
		memset(p, 0xa5, len);
		f->scratch_live += len;
		if (f->scratch_live > f->scratch_max)
			f->scratch_max = f->scratch_live;
	}
	return p;
}

static void fake_free(void *ctx, void *p, size_t len)
{
	struct fake_platform *f = fp(ctx);

	ck_assert_uint_ge(f->scratch_live, len);
	f->scratch_live -= len;
	free(p);
}

void fake_init(struct fake_platform *f)
{
	memset(f, 0, sizeof(*f));
	f->ops = (struct pvb_platform){
		.ctx = f, .populate = fake_populate, .map = fake_map, .unmap = fake_unmap,
		.set_m2p = fake_set_m2p, .hypercall_init = fake_hypercall_init,
		.gnttab_seed = fake_gnttab_seed, .alloc_unbound = fake_alloc_unbound,
		.pin_l4 = fake_pin_l4, .set_vcpu_context = fake_set_vcpu_context,
		.alloc = fake_alloc, .free = fake_free,
	};
}

void fake_destroy(struct fake_platform *f)
{
	for (uint64_t i = 0; i < f->nr_frames; i++)
		free(f->frames[i]);
	free(f->frames);
	free(f->m2p);
	memset(f, 0, sizeof(*f));
}

static const uint64_t *table(const struct fake_platform *f, uint64_t entry)
{
	const uint8_t *p = fake_frame(f, (entry & PTE_ADDR) >> 12);

	ck_assert_msg(p, "entry %llx names a frame that is not the domain's", (unsigned long long)entry);
	return (const uint64_t *)p;
}

uint64_t fake_walk(const struct fake_platform *f, uint64_t l4_mfn, uint64_t va)
{
	uint64_t e = l4_mfn << 12 | 7;

	for (int shift = 39; shift >= 12; shift -= 9) {
		if (shift < 39 && !(e & 1))
			return 0;
		if (shift < 39)
			ck_assert_msg((e & 7) == 7 && !(e & (1ULL << 63)), "upper entry %llx for %llx is not P|RW|US",
				      (unsigned long long)e, (unsigned long long)va);
		e = table(f, e)[(va >> shift) & 511];
	}
	return e & 1 ? e : 0;
}
