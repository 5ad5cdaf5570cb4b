/* SPDX-License-Identifier: MIT */
/* The form of a kernel dom0 loads fastest: an ELF of what its segments hold, without zero tails, in lz4 (HC) legacy blocks. */
#define _GNU_SOURCE
#include <lz4.h>
#include <lz4hc.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "pack_dom0.h"

/*
 * Why this form: dom0 runs under TCG here, where decompressing Debian's
 * 8 MB of xz costs it seconds and lz4 a small fraction of that; the
 * loadable segments of its 65 MB vmlinux hold 35 MB once the zeros at
 * their ends (.bss, .brk: the builder's frames come zeroed) are left out,
 * and dom0 copies only those bytes. The container is the one Linux uses
 * for lz4 kernels (magic, then blocks of a 32-bit size and an independent
 * block of at most 8 MiB), followed by the ELF's size as Linux follows
 * its payloads, so dom0 has one decoder for both.
 */
#define LZ4_LEGACY_MAGIC	0x184c2102u
#define LZ4_LEGACY_BLOCK	(8u << 20)
#define PAGE			4096u
#define EHDR			64u
#define PHDR			56u
#define PT_LOAD			1u
/*
 * HC's lowest level: for Debian's kernel 14.2 MB in 0.4 s of CPU, where
 * the default level 9 gives 13.8 MB in 1.1 s (fast mode: 16.6 MB). The
 * result is kept by digest, but the first create of a kernel waits for it.
 */
#define PACK_LEVEL		LZ4HC_CLEVEL_MIN

struct seg {
	uint32_t type;
	uint64_t off, vaddr, filesz, align;	/* as in the input */
	uint64_t keep;				/* file bytes written */
	uint64_t new_off;
};

static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }
static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }

static void wr16(uint8_t *p, uint16_t v) { p[0] = (uint8_t)v; p[1] = (uint8_t)(v >> 8); }
static void wr32(uint8_t *p, uint32_t v) { wr16(p, (uint16_t)v); wr16(p + 2, (uint16_t)(v >> 16)); }
static void wr64(uint8_t *p, uint64_t v) { wr32(p, (uint32_t)v); wr32(p + 4, (uint32_t)(v >> 32)); }

static int fail(const char *what)
{
	fprintf(stderr, "skiff-prepare-kernel: refused: %s\n", what);
	return -1;
}

/* The file bytes of a PT_LOAD up to its last non-zero byte, and at least to the end of any other segment inside it. */
static uint64_t kept_bytes(const uint8_t *elf, const struct seg *s, const struct seg *all, unsigned int n)
{
	uint64_t keep = s->filesz;

	while (keep && elf[s->off + keep - 1] == 0)
		keep--;
	for (unsigned int i = 0; i < n; i++) {
		const struct seg *o = &all[i];

		if (o->type != PT_LOAD && o->filesz && o->off >= s->off && o->off + o->filesz <= s->off + s->filesz &&
		    o->off + o->filesz - s->off > keep)
			keep = o->off + o->filesz - s->off;
	}
	return keep;
}

/* The segment holding another one's bytes in the input, if any: that one moves with it. */
static const struct seg *holder(const struct seg *o, const struct seg *all, unsigned int n)
{
	for (unsigned int i = 0; i < n; i++)
		if (all[i].type == PT_LOAD && o->off >= all[i].off && o->off + o->filesz <= all[i].off + all[i].filesz)
			return &all[i];
	return NULL;
}

static uint64_t place(uint64_t cursor, uint64_t vaddr)
{
	uint64_t phase = vaddr & (PAGE - 1), at = (cursor + PAGE - 1) & ~(uint64_t)(PAGE - 1);

	return at + phase;
}

/* elf: a checked ELF64 x86_64 executable of len bytes (elf_extent); *out: the new ELF (malloc'd). */
static int repack_elf(const uint8_t *elf, size_t len, uint8_t **out, size_t *out_len)
{
	uint64_t phoff = rd64(elf + 32), cursor;
	uint16_t phnum = rd16(elf + 56), phentsize = rd16(elf + 54);
	struct seg *s = calloc(phnum, sizeof(*s));
	uint8_t *o;

	if (!s)
		return fail("out of memory");
	for (unsigned int i = 0; i < phnum; i++) {
		const uint8_t *ph = elf + phoff + (uint64_t)i * phentsize;

		s[i] = (struct seg){ .type = rd32(ph), .off = rd64(ph + 8), .vaddr = rd64(ph + 16),
				     .filesz = rd64(ph + 32), .align = rd64(ph + 48) };
		if (s[i].off > len || s[i].filesz > len - s[i].off) {
			free(s);
			return fail("ELF segment past the end of the file");
		}
	}
	cursor = EHDR + (uint64_t)phnum * PHDR;
	for (unsigned int i = 0; i < phnum; i++) {
		if (s[i].type != PT_LOAD)
			continue;
		s[i].keep = kept_bytes(elf, &s[i], s, phnum);
		s[i].new_off = place(cursor, s[i].vaddr);
		cursor = s[i].new_off + s[i].keep;
	}
	for (unsigned int i = 0; i < phnum; i++) {
		const struct seg *h;

		if (s[i].type == PT_LOAD || !s[i].filesz)
			continue;
		s[i].keep = s[i].filesz;
		if ((h = holder(&s[i], s, phnum)) != NULL) {
			s[i].new_off = h->new_off + (s[i].off - h->off);
		} else {
			s[i].new_off = (cursor + 7) & ~7ULL;	/* a note outside every load: its own copy */
			cursor = s[i].new_off + s[i].keep;
		}
	}
	o = calloc(1, cursor);
	if (!o) {
		free(s);
		return fail("out of memory");
	}
	memcpy(o, elf, EHDR);
	wr64(o + 32, EHDR);			/* e_phoff */
	wr64(o + 40, 0);			/* e_shoff: no sections (dom0 reads notes from PT_NOTE) */
	wr16(o + 54, PHDR);
	wr16(o + 58, 0);
	wr16(o + 60, 0);
	wr16(o + 62, 0);
	for (unsigned int i = 0; i < phnum; i++) {
		uint8_t *ph = o + EHDR + (uint64_t)i * PHDR;

		memcpy(ph, elf + phoff + (uint64_t)i * phentsize, PHDR);
		wr64(ph + 8, s[i].type == PT_LOAD || s[i].filesz ? s[i].new_off : 0);
		wr64(ph + 32, s[i].keep);
		/* Offsets keep the page phase of addresses, not the 2 MiB one the linker chose. */
		if (s[i].type == PT_LOAD && s[i].align > PAGE)
			wr64(ph + 48, PAGE);
		if (s[i].keep && (s[i].type == PT_LOAD || !holder(&s[i], s, phnum)))
			memcpy(o + s[i].new_off, elf + s[i].off, s[i].keep);
	}
	free(s);
	*out = o;
	*out_len = cursor;
	return 0;
}

/* LZ4 HC blocks in the legacy container, the size after them; decoded again with liblz4 and compared. */
static int compress_legacy(const uint8_t *in, size_t len, uint8_t **out, size_t *out_len)
{
	size_t blocks = (len + LZ4_LEGACY_BLOCK - 1) / LZ4_LEGACY_BLOCK, pos = 4, cap;
	uint8_t *o, *check;

	if (len > UINT32_MAX)
		return fail("ELF too large for the 32-bit size");
	cap = 8 + blocks * (4 + (size_t)LZ4_compressBound(LZ4_LEGACY_BLOCK));
	o = malloc(cap);
	check = malloc(LZ4_LEGACY_BLOCK);
	if (!o || !check) {
		free(o);
		free(check);
		return fail("out of memory");
	}
	wr32(o, LZ4_LEGACY_MAGIC);
	for (size_t at = 0; at < len; at += LZ4_LEGACY_BLOCK) {
		int n = (int)(len - at < LZ4_LEGACY_BLOCK ? len - at : LZ4_LEGACY_BLOCK);
		int c = LZ4_compress_HC((const char *)in + at, (char *)o + pos + 4, n, (int)(cap - pos - 4),
					PACK_LEVEL);

		if (c <= 0 || LZ4_decompress_safe((const char *)o + pos + 4, (char *)check, c, LZ4_LEGACY_BLOCK) != n ||
		    memcmp(check, in + at, (size_t)n) != 0) {
			free(o);
			free(check);
			return fail("lz4 did not give back what it was given");
		}
		wr32(o + pos, (uint32_t)c);
		pos += 4 + (size_t)c;
	}
	wr32(o + pos, (uint32_t)len);
	free(check);
	*out = o;
	*out_len = pos + 4;
	return 0;
}

int pack_dom0(const uint8_t *elf, size_t len, uint8_t **out, size_t *out_len, size_t *elf_len)
{
	uint8_t *trimmed;
	int rc;

	if (repack_elf(elf, len, &trimmed, elf_len))
		return -1;
	rc = compress_legacy(trimmed, *elf_len, out, out_len);
	free(trimmed);
	return rc;
}
