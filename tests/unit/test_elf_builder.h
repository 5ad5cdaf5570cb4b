/* SPDX-License-Identifier: MIT */
/* A small builder of synthetic ELF64 PV kernels (ehdr, phdrs, Xen notes, segment data) for the loader and builder tests. */
#ifndef TEST_ELF_BUILDER_H
#define TEST_ELF_BUILDER_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define TB_MAX_SEGS	20
#define TB_MAX_NOTES	32
#define TB_DESC_MAX	64

struct tb_seg {
	uint32_t type;		/* PT_LOAD (1) unless set otherwise */
	uint32_t flags;
	uint64_t paddr, vaddr;
	uint64_t filesz, memsz;
	uint64_t align;
};

struct tb_note {
	char name[8];
	uint32_t namesz;
	uint32_t type;
	uint32_t descsz;
	uint8_t desc[TB_DESC_MAX];
};

struct tb_spec {
	uint64_t e_entry;
	unsigned nr_segs;
	struct tb_seg segs[TB_MAX_SEGS];
	unsigned nr_notes;
	struct tb_note notes[TB_MAX_NOTES];
	bool notes_in_section;	/* no PT_NOTE: an SHT_NOTE section instead */
	uint32_t note_align;	/* 4 (default) or 8 */
};

struct tb_layout {
	size_t phoff, note_off, note_size, shoff, seg_off[TB_MAX_SEGS], len;
};

static inline void tb_put16(uint8_t *p, uint16_t v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static inline void tb_put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline void tb_put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static inline size_t tb_align(size_t x, size_t a)
{
	return (x + a - 1) & ~(a - 1);
}

/* Adds or replaces the Xen note of this type. */
static inline void tb_note_raw(struct tb_spec *s, uint32_t type, const void *desc, uint32_t sz)
{
	struct tb_note *n = NULL;
	for (unsigned i = 0; i < s->nr_notes; i++)
		if (s->notes[i].type == type && strcmp(s->notes[i].name, "Xen") == 0)
			n = &s->notes[i];
	if (!n)
		n = &s->notes[s->nr_notes++];
	memset(n, 0, sizeof(*n));
	strcpy(n->name, "Xen");
	n->namesz = 4;
	n->type = type;
	n->descsz = sz;
	memcpy(n->desc, desc, sz);
}

static inline void tb_note_u64(struct tb_spec *s, uint32_t type, uint64_t v)
{
	uint8_t d[8];
	tb_put64(d, v);
	tb_note_raw(s, type, d, 8);
}

static inline void tb_note_u32(struct tb_spec *s, uint32_t type, uint32_t v)
{
	uint8_t d[4];
	tb_put32(d, v);
	tb_note_raw(s, type, d, 4);
}

static inline void tb_note_str(struct tb_spec *s, uint32_t type, const char *str)
{
	tb_note_raw(s, type, str, (uint32_t)strlen(str) + 1);
}

static inline void tb_note_del(struct tb_spec *s, uint32_t type)
{
	for (unsigned i = 0; i < s->nr_notes; i++) {
		if (s->notes[i].type == type && strcmp(s->notes[i].name, "Xen") == 0) {
			s->notes[i] = s->notes[--s->nr_notes];
			return;
		}
	}
}

static inline size_t tb_notes_size(const struct tb_spec *s)
{
	size_t a = s->note_align ? s->note_align : 4, n = 0;
	for (unsigned i = 0; i < s->nr_notes; i++)
		n += 12 + tb_align(s->notes[i].namesz, a) + tb_align(s->notes[i].descsz, a);
	return n;
}

/* Where everything goes: ehdr, phdrs, notes, optional section table, then page-aligned segment data. */
static inline struct tb_layout tb_plan(const struct tb_spec *s)
{
	struct tb_layout l = { 0 };
	unsigned nph = s->nr_segs + (s->notes_in_section ? 0 : 1);
	l.phoff = 64;
	l.note_off = tb_align(l.phoff + 56 * nph, 8);
	l.note_size = tb_notes_size(s);
	l.shoff = tb_align(l.note_off + l.note_size, 8);
	size_t off = tb_align(l.shoff + (s->notes_in_section ? 2 * 64 : 0), 4096);
	for (unsigned i = 0; i < s->nr_segs; i++) {
		/* Keep p_offset congruent to p_vaddr modulo the page size. */
		l.seg_off[i] = off + (s->segs[i].vaddr & 0xfff);
		off = tb_align(l.seg_off[i] + s->segs[i].filesz, 4096);
	}
	l.len = s->nr_segs ? l.seg_off[s->nr_segs - 1] + s->segs[s->nr_segs - 1].filesz : off;
	return l;
}

static inline void tb_write_notes(const struct tb_spec *s, uint8_t *p)
{
	size_t a = s->note_align ? s->note_align : 4;
	for (unsigned i = 0; i < s->nr_notes; i++) {
		const struct tb_note *n = &s->notes[i];
		tb_put32(p, n->namesz);
		tb_put32(p + 4, n->descsz);
		tb_put32(p + 8, n->type);
		memcpy(p + 12, n->name, n->namesz < 8 ? n->namesz : 8);
		p += 12 + tb_align(n->namesz, a);
		memcpy(p, n->desc, n->descsz);
		p += tb_align(n->descsz, a);
	}
}

static inline void tb_write_phdr(uint8_t *p, uint32_t type, uint32_t flags, uint64_t off,
				 uint64_t vaddr, uint64_t paddr, uint64_t filesz, uint64_t memsz,
				 uint64_t align)
{
	tb_put32(p, type);
	tb_put32(p + 4, flags);
	tb_put64(p + 8, off);
	tb_put64(p + 16, vaddr);
	tb_put64(p + 24, paddr);
	tb_put64(p + 32, filesz);
	tb_put64(p + 40, memsz);
	tb_put64(p + 48, align);
}

/* Writes the image into out (zeroed first); returns its length, 0 if cap is too small. */
static inline size_t tb_build(const struct tb_spec *s, uint8_t *out, size_t cap)
{
	struct tb_layout l = tb_plan(s);
	if (l.len > cap)
		return 0;
	memset(out, 0, l.len);
	memcpy(out, "\x7f" "ELF", 4);
	out[4] = 2;			/* ELFCLASS64 */
	out[5] = 1;			/* little-endian */
	out[6] = 1;			/* EV_CURRENT */
	tb_put16(out + 16, 2);		/* ET_EXEC */
	tb_put16(out + 18, 62);		/* EM_X86_64 */
	tb_put32(out + 20, 1);
	tb_put64(out + 24, s->e_entry);
	tb_put64(out + 32, l.phoff);
	tb_put16(out + 52, 64);
	tb_put16(out + 54, 56);
	tb_put16(out + 56, (uint16_t)(s->nr_segs + (s->notes_in_section ? 0 : 1)));
	tb_put16(out + 58, 64);
	for (unsigned i = 0; i < s->nr_segs; i++) {
		const struct tb_seg *g = &s->segs[i];
		tb_write_phdr(out + l.phoff + 56 * i, g->type ? g->type : 1, g->flags,
			      l.seg_off[i], g->vaddr, g->paddr, g->filesz, g->memsz, g->align);
		for (uint64_t b = 0; b < g->filesz; b++)
			out[l.seg_off[i] + b] = (uint8_t)(0x40 + i + b);
	}
	uint32_t na = s->note_align ? s->note_align : 4;
	if (!s->notes_in_section) {
		tb_write_phdr(out + l.phoff + 56 * s->nr_segs, 4, 4, l.note_off, 0, 0,
			      l.note_size, l.note_size, na);
	} else {
		tb_put64(out + 40, l.shoff);
		tb_put16(out + 60, 2);
		uint8_t *sh = out + l.shoff + 64;	/* entry 0 stays SHT_NULL */
		tb_put32(sh + 4, 7);			/* SHT_NOTE */
		tb_put64(sh + 24, l.note_off);
		tb_put64(sh + 32, l.note_size);
		tb_put64(sh + 48, na);
	}
	tb_write_notes(s, out + l.note_off);
	return l.len;
}

#endif
