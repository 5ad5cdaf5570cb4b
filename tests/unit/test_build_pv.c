/* SPDX-License-Identifier: MIT */
/* Unit tests of dom0's PV domain builder (backends/toolstack/build_pv.c) over a fake platform: layout, tables, start_info. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <build_pv.h>
#include <elf_image.h>
#include <pvabi/elfnote.h>
#include <pvabi/errno.h>
#include <pvabi/xen.h>

#include "test_build_pv_fake.h"
#include "test_decompress_util.h"
#include "test_elf_builder.h"

#define KBASE		0xffffffff80000000ULL
#define TEXT_PA		0x200000ULL		/* text [2 MiB, 3 MiB), data [3 MiB, 3.5 MiB) */
#define DATA_PA		0x300000ULL
#define ENTRY		(KBASE + TEXT_PA + 0x10)
#define NR_PAGES	8192ULL			/* 32 MiB */
#define SHINFO_MFN	0x1234ULL
#define PTE_RW		(1ULL << 1)
#define PTE_NX		(1ULL << 63)
#define PTE_ADDR	0x000ffffffffff000ULL

static struct tb_spec spec;
static uint8_t image[64 * 1024];
static size_t image_len;
static struct fake_platform fake;
static struct pvb_args args;
static struct pvb_result res;

/* A Linux-like kernel: text with file bytes and bss, then data, Linux's notes. */
static void spec_kernel(struct tb_spec *s)
{
	memset(s, 0, sizeof(*s));
	s->e_entry = TEXT_PA;
	s->nr_segs = 2;
	s->segs[0] = (struct tb_seg){ .flags = 5, .paddr = TEXT_PA, .vaddr = KBASE + TEXT_PA,
				      .filesz = 0x3000, .memsz = 0x100000, .align = 0x1000 };
	s->segs[1] = (struct tb_seg){ .flags = 6, .paddr = DATA_PA, .vaddr = KBASE + DATA_PA,
				      .filesz = 0x1000, .memsz = 0x80000, .align = 0x1000 };
	tb_note_str(s, XEN_ELFNOTE_GUEST_OS, "linux");
	tb_note_str(s, XEN_ELFNOTE_XEN_VERSION, "xen-3.0");
	tb_note_u64(s, XEN_ELFNOTE_VIRT_BASE, KBASE);
	tb_note_u64(s, XEN_ELFNOTE_PADDR_OFFSET, 0);
	tb_note_u64(s, XEN_ELFNOTE_ENTRY, ENTRY);
	tb_note_str(s, XEN_ELFNOTE_FEATURES, "!writable_page_tables|pae_pgdir_above_4gb");
}

static void make_image(void)
{
	image_len = tb_build(&spec, image, sizeof(image));
	ck_assert_uint_gt(image_len, 0);
	args.image = image;
	args.image_len = image_len;
}

static void setup(void)
{
	spec_kernel(&spec);
	fake_init(&fake);
	memset(&args, 0, sizeof(args));
	args.nr_pages = NR_PAGES;
	args.shared_info_mfn = SHINFO_MFN;
	args.cmdline = "console=hvc0 root=/dev/xvda";
	make_image();
}

static void teardown(void)
{
	fake_destroy(&fake);
}

static int build(void)
{
	int rc = pvb_build(&fake.ops, &args, &res);

	/* Whatever happened, the builder keeps no mapping and no scratch memory. */
	ck_assert_int_eq(fake.open_maps, 0);
	ck_assert_uint_eq(fake.scratch_live, 0);
	return rc;
}

static void build_ok(void)
{
	int rc = build();

	ck_assert_msg(rc == 0, "build failed: %d (%s)", rc, res.why);
}

static uint64_t mfn_of_pfn(uint64_t pfn)
{
	return FAKE_MFN_BASE + (fake.nr_frames - 1 - pfn);
}

static uint64_t pfn_of_va(uint64_t va)
{
	return (va - res.lay.vbase) >> 12;
}

static const struct start_info *start_info(void)
{
	return (const struct start_info *)fake_frame(&fake, mfn_of_pfn(pfn_of_va(res.lay.start_info)));
}

/* Reads len bytes of D's memory at a mapped guest VA through its page tables. */
static void read_va(uint64_t va, void *dst, size_t len)
{
	uint8_t *d = dst;

	while (len) {
		uint64_t e = fake_walk(&fake, res.l4_mfn, va);
		size_t off = va & 4095, chunk = len < 4096 - off ? len : 4096 - off;

		ck_assert_msg(e, "%llx not mapped", (unsigned long long)va);
		memcpy(d, fake_frame(&fake, (e & PTE_ADDR) >> 12) + off, chunk);
		d += chunk;
		va += chunk;
		len -= chunk;
	}
}

/* The same numbers hv/arch/x86_64/pv/build.c computes for this image and memory (worked by hand). */
START_TEST(test_layout)
{
	build_ok();
	ck_assert_uint_eq(res.lay.vbase, KBASE);
	ck_assert_uint_eq(res.lay.kstart, KBASE + TEXT_PA);
	ck_assert_uint_eq(res.lay.kend, KBASE + 0x380000);
	ck_assert_uint_eq(res.lay.initrd, 0);
	ck_assert_uint_eq(res.lay.p2m, KBASE + 0x380000);
	ck_assert_uint_eq(res.lay.p2m_end, KBASE + 0x390000);	/* 8192 * 8 bytes */
	ck_assert_uint_eq(res.lay.start_info, KBASE + 0x390000);
	ck_assert_uint_eq(res.lay.store, KBASE + 0x391000);
	ck_assert_uint_eq(res.lay.console, KBASE + 0x392000);
	ck_assert_uint_eq(res.lay.pt, KBASE + 0x393000);
	/* end = 8 MiB: four L1s, so L4 + L3 + L2 + 4 */
	ck_assert_uint_eq(res.lay.nr_l1, 4);
	ck_assert_uint_eq(res.lay.nr_pt, 7);
	ck_assert_uint_eq(res.lay.stack, KBASE + 0x39a000);
	ck_assert_uint_eq(res.lay.end, KBASE + 0x800000);
	ck_assert_uint_eq(res.lay.pfn_end, 0x800);
	ck_assert(!res.lay.init_p2m);
	ck_assert_uint_eq(res.lay.hypercall_page, 0);
}
END_TEST

/* Every VA of the region maps its PFN's frame; tables read-only; only text executable; nothing past the end. */
START_TEST(test_page_tables)
{
	build_ok();
	ck_assert_uint_eq(res.l4_mfn, mfn_of_pfn(pfn_of_va(res.lay.pt)));
	for (uint64_t va = res.lay.vbase; va < res.lay.end; va += 4096) {
		uint64_t e = fake_walk(&fake, res.l4_mfn, va);
		bool pt = va >= res.lay.pt && va < res.lay.pt + res.lay.nr_pt * 4096;
		bool text = va >= KBASE + TEXT_PA && va < KBASE + DATA_PA;

		ck_assert_msg(e, "%llx not mapped", (unsigned long long)va);
		ck_assert_uint_eq((e & PTE_ADDR) >> 12, mfn_of_pfn(pfn_of_va(va)));
		ck_assert_uint_eq(e & 0x27, 0x25 | (pt ? 0 : PTE_RW));	/* P, US, A; RW but for tables */
		ck_assert_msg(!!(e & PTE_NX) == !text, "NX wrong at %llx", (unsigned long long)va);
	}
	ck_assert_uint_eq(fake_walk(&fake, res.l4_mfn, res.lay.end), 0);
	ck_assert_uint_eq(fake_walk(&fake, res.l4_mfn, res.lay.vbase - 4096), 0);
	/* The hypervisor's L4 slots are the hypervisor's to fill at pin time. */
	for (unsigned int i = 256; i < 272; i++)
		ck_assert_uint_eq(((const uint64_t *)fake_frame(&fake, res.l4_mfn))[i], 0);
}
END_TEST

START_TEST(test_start_info)
{
	const struct start_info *si;

	build_ok();
	si = start_info();
	ck_assert_str_eq(si->magic, XEN_START_INFO_MAGIC);
	ck_assert_uint_eq(si->nr_pages, NR_PAGES);
	ck_assert_uint_eq(si->shared_info, SHINFO_MFN << 12);
	ck_assert_uint_eq(si->flags, 0);
	ck_assert_uint_eq(si->store_mfn, mfn_of_pfn(pfn_of_va(res.lay.store)));
	ck_assert_uint_eq(si->console.domU.mfn, mfn_of_pfn(pfn_of_va(res.lay.console)));
	ck_assert_uint_eq(si->store_evtchn, res.store_port);
	ck_assert_uint_eq(si->console.domU.evtchn, res.console_port);
	ck_assert_uint_ne(si->store_evtchn, si->console.domU.evtchn);
	ck_assert_uint_ne(si->store_evtchn, 0);
	ck_assert_uint_eq(si->pt_base, res.lay.pt);
	ck_assert_uint_eq(si->nr_pt_frames, 7);
	ck_assert_uint_eq(si->mfn_list, res.lay.p2m);
	ck_assert_uint_eq(si->mod_start, 0);
	ck_assert_uint_eq(si->mod_len, 0);
	ck_assert_str_eq(si->cmd_line, "console=hvc0 root=/dev/xvda");
	ck_assert_uint_eq(si->first_p2m_pfn, 0);
	ck_assert_uint_eq(si->nr_p2m_frames, 0);
	/* The rings granted to the backend are the pages start_info names. */
	ck_assert_uint_eq(fake.seed_console, si->console.domU.mfn);
	ck_assert_uint_eq(fake.seed_store, si->store_mfn);
	ck_assert_uint_eq(res.console_mfn, si->console.domU.mfn);
	ck_assert_uint_eq(fake.seed_console_port, si->console.domU.evtchn);
	ck_assert_uint_eq(fake.seed_store_port, si->store_evtchn);
}
END_TEST

START_TEST(test_p2m_and_m2p)
{
	uint64_t *list = malloc(NR_PAGES * 8);

	build_ok();
	read_va(res.lay.p2m, list, NR_PAGES * 8);
	for (uint64_t pfn = 0; pfn < NR_PAGES; pfn++) {
		ck_assert_uint_eq(list[pfn], mfn_of_pfn(pfn));
		ck_assert_uint_eq(fake.m2p[mfn_of_pfn(pfn) - FAKE_MFN_BASE], pfn);
	}
	free(list);
}
END_TEST

/* File bytes where the segments say, zeros for bss; the entry state points at them. */
START_TEST(test_kernel_and_vcpu)
{
	struct tb_layout tl = tb_plan(&spec);
	uint8_t buf[0x3000];

	build_ok();
	read_va(KBASE + TEXT_PA, buf, sizeof(buf));
	ck_assert_mem_eq(buf, image + tl.seg_off[0], sizeof(buf));
	read_va(KBASE + TEXT_PA + 0x3000, buf, sizeof(buf));
	for (size_t i = 0; i < sizeof(buf); i++)
		ck_assert_uint_eq(buf[i], 0);
	read_va(KBASE + DATA_PA, buf, 0x1000);
	ck_assert_mem_eq(buf, image + tl.seg_off[1], 0x1000);
	ck_assert_uint_eq(fake.ctx.user_regs.rip, ENTRY);
	ck_assert_uint_eq(fake.ctx.user_regs.rsp, res.lay.stack + 4096);
	ck_assert_uint_eq(fake.ctx.user_regs.rsi, res.lay.start_info);
	ck_assert_uint_eq(fake.ctx.user_regs.cs, FLAT_KERNEL_CS);
	ck_assert_uint_eq(fake.ctx.user_regs.ss, FLAT_KERNEL_SS);
	ck_assert_uint_eq(fake.ctx.ctrlreg[3], res.l4_mfn << 12);
	ck_assert_uint_eq(fake.ctx.flags & VGCF_in_kernel, VGCF_in_kernel);
}
END_TEST

/* The contract's order: memory, M2P, ports then grants, (hypercall page), pin with nothing mapped, then the context. */
START_TEST(test_sequence)
{
	tb_note_u64(&spec, XEN_ELFNOTE_HYPERCALL_PAGE, KBASE + TEXT_PA + 0x1000);
	make_image();
	build_ok();
	ck_assert_uint_eq(fake.seq_populate, 1);
	ck_assert_uint_eq(fake.seq_m2p, 2);
	ck_assert_uint_lt(fake.seq_seed, fake.seq_hcall);
	ck_assert_uint_lt(fake.seq_hcall, fake.seq_pin);
	ck_assert_uint_lt(fake.seq_pin, fake.seq_ctx);
	ck_assert_int_eq(fake.open_maps_at_pin, 0);
	ck_assert_int_eq(fake.max_open_maps, 1);
	ck_assert_uint_eq(fake.pin_mfn, res.l4_mfn);
	ck_assert_uint_eq(fake.hcall_mfn, mfn_of_pfn(TEXT_PA / 4096 + 1));
	ck_assert_uint_eq(res.lay.hypercall_page, KBASE + TEXT_PA + 0x1000);
}
END_TEST

START_TEST(test_no_hypercall_page)
{
	build_ok();
	ck_assert_uint_eq(fake.seq_hcall, 0);	/* Linux 6.1 has no note: never asked */
}
END_TEST

/* A mapped initrd follows the kernel; the P2M moves up behind it. */
START_TEST(test_initrd_mapped)
{
	uint8_t rd[10000], back[10000];

	for (size_t i = 0; i < sizeof(rd); i++)
		rd[i] = (uint8_t)(i * 7 + 1);
	args.initrd = rd;
	args.initrd_len = sizeof(rd);
	build_ok();
	ck_assert_uint_eq(res.lay.initrd, KBASE + 0x380000);
	ck_assert_uint_eq(res.lay.initrd_end, KBASE + 0x383000);
	ck_assert_uint_eq(res.lay.p2m, KBASE + 0x383000);
	ck_assert_uint_eq(start_info()->mod_start, res.lay.initrd);
	ck_assert_uint_eq(start_info()->mod_len, sizeof(rd));
	ck_assert_uint_eq(start_info()->flags & SIF_MOD_START_PFN, 0);
	read_va(res.lay.initrd, back, sizeof(back));
	ck_assert_mem_eq(back, rd, sizeof(rd));
}
END_TEST

/* MOD_START_PFN: the initrd unmapped after the region, passed as a PFN. */
START_TEST(test_initrd_pfn)
{
	uint8_t rd[10000];

	for (size_t i = 0; i < sizeof(rd); i++)
		rd[i] = (uint8_t)(i * 13 + 5);
	tb_note_u64(&spec, XEN_ELFNOTE_MOD_START_PFN, 1);
	make_image();
	args.initrd = rd;
	args.initrd_len = sizeof(rd);
	build_ok();
	ck_assert_uint_eq(res.lay.initrd, 0);
	ck_assert_uint_eq(res.lay.initrd_pfn, 0x800);
	ck_assert_uint_eq(res.lay.pfn_end, 0x803);
	ck_assert_uint_eq(start_info()->flags & SIF_MOD_START_PFN, SIF_MOD_START_PFN);
	ck_assert_uint_eq(start_info()->mod_start, 0x800);
	ck_assert_uint_eq(start_info()->mod_len, sizeof(rd));
	for (size_t i = 0; i < sizeof(rd); i++)
		ck_assert_uint_eq(fake_frame(&fake, mfn_of_pfn(0x800 + i / 4096))[i % 4096], rd[i]);
	ck_assert_uint_eq(fake_walk(&fake, res.l4_mfn, res.lay.vbase + (0x800ULL << 12)), 0);
}
END_TEST

/*
 * INIT_P2M: the list at the note's address with its own L3, L2s and L1s,
 * here placed to straddle a 1 GiB boundary so it needs two of each.
 */
START_TEST(test_init_p2m)
{
	uint64_t va = 0x8000000000ULL + (1ULL << 30) - 0x4000, pages = NR_PAGES * 8 / 4096;
	const struct start_info *si;

	tb_note_u64(&spec, XEN_ELFNOTE_INIT_P2M, va);
	make_image();
	build_ok();
	si = start_info();
	ck_assert(res.lay.init_p2m);
	ck_assert_uint_eq(res.lay.p2m, va);
	ck_assert_uint_eq(res.lay.start_info, KBASE + 0x380000);	/* the list left the region */
	ck_assert_uint_eq(res.lay.p2m_nr_l2, 2);
	ck_assert_uint_eq(res.lay.p2m_nr_l1, 2);
	ck_assert_uint_eq(si->mfn_list, va);
	ck_assert_uint_eq(si->first_p2m_pfn, res.lay.pfn_end - pages - 5);
	ck_assert_uint_eq(si->nr_p2m_frames, pages + 5);
	for (uint64_t i = 0; i < pages; i++) {
		uint64_t e = fake_walk(&fake, res.l4_mfn, va + i * 4096);

		ck_assert_uint_eq((e & PTE_ADDR) >> 12, mfn_of_pfn(si->first_p2m_pfn + i));
		ck_assert_uint_eq(e & (PTE_RW | PTE_NX), PTE_RW | PTE_NX);
		for (unsigned int j = 0; j < 512; j++)
			ck_assert_uint_eq(((uint64_t *)fake_frame(&fake, (e & PTE_ADDR) >> 12))[j],
					  mfn_of_pfn(i * 512 + j));
	}
	ck_assert_uint_eq(fake_walk(&fake, res.l4_mfn, va - 4096), 0);
	ck_assert_uint_eq(fake_walk(&fake, res.l4_mfn, va + pages * 4096), 0);
}
END_TEST

/* An INIT_P2M address in the kernel's own L4 slot cannot get an L3 of its own: the list stays in the region. */
START_TEST(test_init_p2m_refused)
{
	tb_note_u64(&spec, XEN_ELFNOTE_INIT_P2M, KBASE - (1ULL << 30));
	make_image();
	build_ok();
	ck_assert(!res.lay.init_p2m);
	ck_assert_uint_eq(res.lay.p2m, KBASE + 0x380000);
}
END_TEST

/* A gzip bzImage is unwrapped with the loader's decompressor and loads as the plain ELF would. */
static size_t wrap_bzimage(uint8_t *b, size_t cap, const uint8_t *payload, size_t plen)
{
	size_t pm = 5 * 512, len = pm + plen;

	ck_assert_uint_le(len, cap);
	memset(b, 0, pm);
	b[0x1f1] = 4;
	tb_put16(b + 0x1fe, 0xaa55);
	memcpy(b + 0x202, "HdrS", 4);
	tb_put16(b + 0x206, 0x020f);
	tb_put32(b + 0x248, 0);
	tb_put32(b + 0x24c, (uint32_t)plen);
	memcpy(b + pm, payload, plen);
	return len;
}

START_TEST(test_bzimage_gzip)
{
	size_t gz_len, bz_len;
	uint8_t *gz, *bz = malloc(image_len + 4096);
	struct tb_layout tl = tb_plan(&spec);
	uint8_t buf[0x3000];

	ck_assert_msg(td_have("gzip --version"), "gzip is needed (./skiff deps)");
	gz = td_run_filter("gzip -9 -c", image, image_len, &gz_len);
	bz_len = wrap_bzimage(bz, image_len + 4096, gz, gz_len);
	args.image = bz;
	args.image_len = bz_len;
	build_ok();
	ck_assert_uint_eq(res.kernel_len, image_len);
	read_va(KBASE + TEXT_PA, buf, sizeof(buf));
	ck_assert_mem_eq(buf, image + tl.seg_off[0], sizeof(buf));
	free(gz);
	free(bz);
}
END_TEST

/*
 * pvb_unwrap (dom0 keeps the result to build the same kernel again): the
 * gzip bzImage's ELF byte for byte, which pvb_build then loads as it loads
 * the bzImage; a plain ELF is not copied; a corrupt payload frees what it took.
 */
/* lz4's legacy stream followed by the size, as Linux's Makefile and skiff-prepare-kernel write it. */
static uint8_t *lz4_payload(size_t *len)
{
	size_t clen;
	uint8_t *c = td_run_filter("lz4 -l -9 -c", image, image_len, &clen);

	c = realloc(c, clen + 4);
	tb_put32(c + clen, (uint32_t)image_len);
	*len = clen + 4;
	return c;
}

/* An lz4 bzImage builds as its ELF does; so does the form the host prepares (the same stream, no bzImage). */
START_TEST(test_lz4_kernels)
{
	size_t lz_len, bz_len, elf_len = 0, cap = 0;
	uint8_t *lz, *elf, *bz = malloc(image_len + 4096);
	struct tb_layout tl = tb_plan(&spec);
	struct pvb_result ur;
	uint8_t buf[0x3000];

	ck_assert_msg(td_have("lz4 --version"), "lz4 is needed (./skiff deps)");
	lz = lz4_payload(&lz_len);
	bz_len = wrap_bzimage(bz, image_len + 4096, lz, lz_len);
	args.image = bz;
	args.image_len = bz_len;
	build_ok();
	ck_assert_uint_eq(res.kernel_len, image_len);
	read_va(KBASE + TEXT_PA, buf, sizeof(buf));
	ck_assert_mem_eq(buf, image + tl.seg_off[0], sizeof(buf));
	ck_assert_int_eq(pvb_unwrap(&fake.ops, lz, lz_len, &elf, &elf_len, &cap, &ur), 0);
	ck_assert_ptr_nonnull(elf);
	ck_assert_uint_eq(elf_len, image_len);
	ck_assert_mem_eq(elf, image, image_len);
	fake.ops.free(fake.ops.ctx, elf, cap);
	/* A size that does not match what the stream gives, and a cut stream: refused, no scratch left. */
	tb_put32(lz + lz_len - 4, (uint32_t)image_len - 1);
	ck_assert_int_eq(pvb_unwrap(&fake.ops, lz, lz_len, &elf, &elf_len, &cap, &ur), -XEN_EINVAL);
	ck_assert_msg(strstr(ur.why, "prepared kernel lz4 payload"), "why: %s", ur.why);
	tb_put32(lz + lz_len - 4, (uint32_t)image_len);
	ck_assert_int_eq(pvb_unwrap(&fake.ops, lz, lz_len - 40, &elf, &elf_len, &cap, &ur), -XEN_EINVAL);
	ck_assert_ptr_null(elf);
	ck_assert_uint_eq(fake.scratch_live, 0);
	free(lz);
	free(bz);
}
END_TEST

START_TEST(test_unwrap_then_build)
{
	size_t gz_len, bz_len, elf_len = 0, cap = 0;
	uint8_t *gz, *elf, *kept, *bz = malloc(image_len + 4096);
	struct tb_layout tl = tb_plan(&spec);
	struct pvb_result ur;
	uint8_t buf[0x3000];

	ck_assert_msg(td_have("gzip --version"), "gzip is needed (./skiff deps)");
	ck_assert_int_eq(pvb_unwrap(&fake.ops, image, image_len, &elf, &elf_len, &cap, &ur), 0);
	ck_assert_ptr_null(elf);
	gz = td_run_filter("gzip -9 -c", image, image_len, &gz_len);
	bz_len = wrap_bzimage(bz, image_len + 4096, gz, gz_len);
	ck_assert_int_eq(pvb_unwrap(&fake.ops, bz, bz_len, &elf, &elf_len, &cap, &ur), 0);
	ck_assert_ptr_nonnull(elf);
	ck_assert_uint_eq(elf_len, image_len);
	ck_assert_uint_ge(cap, elf_len);
	ck_assert_mem_eq(elf, image, image_len);
	ck_assert_uint_eq(fake.scratch_live, cap);
	/* Kept elsewhere (as dom0's cache does), the builder's scratch accounting starts from zero again. */
	kept = malloc(elf_len);
	memcpy(kept, elf, elf_len);
	fake.ops.free(fake.ops.ctx, elf, cap);
	args.image = kept;
	args.image_len = elf_len;
	build_ok();
	ck_assert_uint_eq(res.kernel_len, image_len);
	read_va(KBASE + TEXT_PA, buf, sizeof(buf));
	ck_assert_mem_eq(buf, image + tl.seg_off[0], sizeof(buf));
	free(kept);
	gz[gz_len / 2] ^= 0x55;
	gz[gz_len / 2 + 1] ^= 0xaa;
	bz_len = wrap_bzimage(bz, image_len + 4096, gz, gz_len);
	ck_assert_int_eq(pvb_unwrap(&fake.ops, bz, bz_len, &elf, &elf_len, &cap, &ur), -XEN_EINVAL);
	ck_assert_ptr_null(elf);
	ck_assert_msg(strstr(ur.why, "bzImage gzip payload"), "why: %s", ur.why);
	ck_assert_uint_eq(fake.scratch_live, 0);
	free(gz);
	free(bz);
}
END_TEST

/* Bad kernels: a clear reason, an error code, and nothing asked of the hypervisor. */
START_TEST(test_truncated_elf)
{
	args.image_len = 100;
	ck_assert_int_eq(build(), -XEN_EINVAL);
	ck_assert_msg(strstr(res.why, "kernel image refused"), "why: %s", res.why);
	ck_assert_uint_eq(fake.seq, 0);
}
END_TEST

START_TEST(test_corrupt_gzip)
{
	size_t gz_len, bz_len;
	uint8_t *gz, *bz = malloc(image_len + 4096);

	ck_assert_msg(td_have("gzip --version"), "gzip is needed (./skiff deps)");
	gz = td_run_filter("gzip -9 -c", image, image_len, &gz_len);
	gz[gz_len / 2] ^= 0x55;
	gz[gz_len / 2 + 1] ^= 0xaa;
	bz_len = wrap_bzimage(bz, image_len + 4096, gz, gz_len);
	args.image = bz;
	args.image_len = bz_len;
	ck_assert_int_eq(build(), -XEN_EINVAL);
	ck_assert_msg(strstr(res.why, "bzImage gzip payload"), "why: %s", res.why);
	ck_assert_uint_eq(fake.seq, 0);
	free(gz);
	free(bz);
}
END_TEST

START_TEST(test_bzimage_other_compressor)
{
	static const uint8_t bzip2[] = { 'B', 'Z', 'h', '9', 1, 2, 3, 4, 0, 0, 0x10, 0 };
	uint8_t bz[4096];

	args.image = bz;
	args.image_len = wrap_bzimage(bz, sizeof(bz), bzip2, sizeof(bzip2));
	ck_assert_int_eq(build(), -XEN_EINVAL);
	ck_assert_msg(strstr(res.why, "bzImage refused"), "why: %s", res.why);
}
END_TEST

START_TEST(test_too_little_memory)
{
	args.nr_pages = 1024;
	ck_assert_int_eq(build(), -XEN_ENOMEM);
	ck_assert_msg(strstr(res.why, "too few"), "why: %s", res.why);
	ck_assert_uint_eq(fake.seq, 0);
}
END_TEST

/* A refusal from the hypervisor is passed on with its code; the builder's memory comes back. */
START_TEST(test_pin_refused)
{
	fake.fail_pin = -XEN_EINVAL;
	ck_assert_int_eq(build(), -XEN_EINVAL);
	ck_assert_msg(strstr(res.why, "validation"), "why: %s", res.why);
	ck_assert_uint_eq(fake.seq_ctx, 0);
}
END_TEST

START_TEST(test_populate_refused)
{
	fake.fail_populate = -XEN_ENOMEM;
	ck_assert_int_eq(build(), -XEN_ENOMEM);
	ck_assert_msg(strstr(res.why, "populate_physmap"), "why: %s", res.why);
	ck_assert_uint_eq(fake.seq_pin, 0);
}
END_TEST

/* A kernel that requires a feature a domU does not get (dom0) is refused. */
START_TEST(test_required_feature)
{
	tb_note_str(&spec, XEN_ELFNOTE_FEATURES, "!writable_page_tables|!dom0");
	make_image();
	ck_assert_int_eq(build(), -XEN_EINVAL);
	ck_assert_msg(strstr(res.why, "refused"), "why: %s", res.why);
}
END_TEST

static Suite *build_pv_suite(void)
{
	Suite *s = suite_create("build_pv");
	TCase *tc = tcase_create("build");

	tcase_add_checked_fixture(tc, td_setup, td_teardown);
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_layout);
	tcase_add_test(tc, test_page_tables);
	tcase_add_test(tc, test_start_info);
	tcase_add_test(tc, test_p2m_and_m2p);
	tcase_add_test(tc, test_kernel_and_vcpu);
	tcase_add_test(tc, test_sequence);
	tcase_add_test(tc, test_no_hypercall_page);
	tcase_add_test(tc, test_initrd_mapped);
	tcase_add_test(tc, test_initrd_pfn);
	tcase_add_test(tc, test_init_p2m);
	tcase_add_test(tc, test_init_p2m_refused);
	tcase_add_test(tc, test_bzimage_gzip);
	tcase_add_test(tc, test_unwrap_then_build);
	tcase_add_test(tc, test_lz4_kernels);
	tcase_add_test(tc, test_truncated_elf);
	tcase_add_test(tc, test_corrupt_gzip);
	tcase_add_test(tc, test_bzimage_other_compressor);
	tcase_add_test(tc, test_too_little_memory);
	tcase_add_test(tc, test_pin_refused);
	tcase_add_test(tc, test_populate_refused);
	tcase_add_test(tc, test_required_feature);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(build_pv_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
