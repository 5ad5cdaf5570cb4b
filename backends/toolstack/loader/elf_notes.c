/* SPDX-License-Identifier: MIT */
/* Decodes the "Xen" ELF notes of a PV kernel (entry, bases, FEATURES, ...) from a hostile buffer. */
#include "elf_image.h"
#include "loader_lib.h"
#include <pvabi/elfnote.h>

/* A kernel has a few dozen notes; more is an attempt to make us spin. */
#define XEN_NOTES_MAX_TOTAL	4096
#define NOTE_HDR_SIZE		12
/* libelf compares at most this many bytes of a feature name. */
#define FEATURE_NAME_MAX	63

static int note_fail(const char **why, const char *reason, int err)
{
	if (why)
		*why = reason;
	return err;
}

/* FEATURES spellings: the XENFEAT_* names without the prefix. */
static const char *const feature_names[XENFEAT_NR_KNOWN] = {
	[XENFEAT_writable_page_tables] = "writable_page_tables",
	[XENFEAT_writable_descriptor_tables] = "writable_descriptor_tables",
	[XENFEAT_auto_translated_physmap] = "auto_translated_physmap",
	[XENFEAT_supervisor_mode_kernel] = "supervisor_mode_kernel",
	[XENFEAT_pae_pgdir_above_4gb] = "pae_pgdir_above_4gb",
	[XENFEAT_mmu_pt_update_preserve_ad] = "mmu_pt_update_preserve_ad",
	[XENFEAT_highmem_assist] = "highmem_assist",
	[XENFEAT_gnttab_map_avail_bits] = "gnttab_map_avail_bits",
	[XENFEAT_hvm_callback_vector] = "hvm_callback_vector",
	[XENFEAT_hvm_safe_pvclock] = "hvm_safe_pvclock",
	[XENFEAT_hvm_pirqs] = "hvm_pirqs",
	[XENFEAT_dom0] = "dom0",
	[XENFEAT_grant_map_identity] = "grant_map_identity",
	[XENFEAT_memory_op_vnode_supported] = "memory_op_vnode_supported",
	[XENFEAT_ARM_SMCCC_supported] = "ARM_SMCCC_supported",
	[XENFEAT_linux_rsdp_unrestricted] = "linux_rsdp_unrestricted",
	[XENFEAT_not_direct_mapped] = "not_direct_mapped",
	[XENFEAT_direct_mapped] = "direct_mapped",
};

const char *xen_feature_name(unsigned nr)
{
	return nr < XENFEAT_NR_KNOWN ? feature_names[nr] : NULL;
}

/* Feature number of the name in [s, s + len), or -1. */
static int feature_lookup(const char *s, size_t len)
{
	for (unsigned i = 0; i < XENFEAT_NR_KNOWN; i++) {
		const char *n = feature_names[i];
		if (n && strlen(n) == len && memcmp(n, s, len) == 0)
			return (int)i;
	}
	return -1;
}

int xen_features_parse(const char *s, size_t len, uint32_t *supported,
		       uint32_t *required, const char **why)
{
	if (!s || !supported || !required)
		return note_fail(why, "NULL argument", ELF_IMG_EINVAL);
	size_t pos = 0;
	while (pos < len) {
		size_t end = pos;
		while (end < len && s[end] != '|')
			end++;
		const char *tok = s + pos;
		size_t tlen = end - pos;
		bool req = tlen > 0 && tok[0] == '!';
		if (req) {
			tok++;
			tlen--;
		}
		int nr = tlen <= FEATURE_NAME_MAX ? feature_lookup(tok, tlen) : -1;
		if (nr >= 0) {
			supported[nr / 32] |= 1U << (nr % 32);
			if (req)
				required[nr / 32] |= 1U << (nr % 32);
		} else if (req) {
			/* A kernel that cannot run without a feature we cannot name must not start. */
			return note_fail(why, "FEATURES requires an unknown feature", ELF_IMG_EFEATURE);
		}
		pos = end + 1;
	}
	return 0;
}

/* Unsigned little-endian value of a 1, 2, 4 or 8 byte descriptor. */
static int note_number(const uint8_t *d, uint32_t sz, uint64_t *out)
{
	switch (sz) {
	case 1: *out = d[0]; return 0;
	case 2: *out = elf_rd16(d); return 0;
	case 4: *out = elf_rd32(d); return 0;
	case 8: *out = elf_rd64(d); return 0;
	default: return -1;
	}
}

/* Length of a string descriptor: up to its first NUL, or all of it. */
static uint32_t note_strlen(const uint8_t *d, uint32_t sz)
{
	uint32_t i = 0;
	while (i < sz && d[i] != 0)
		i++;
	return i;
}

static void note_copy_string(char *dst, const uint8_t *d, uint32_t len)
{
	uint32_t n = MIN(len, (uint32_t)XEN_NOTE_STR_MAX - 1);
	memcpy(dst, d, n);
	dst[n] = 0;
}

static uint64_t *note_numeric_slot(struct xen_notes *n, uint32_t type)
{
	switch (type) {
	case XEN_ELFNOTE_ENTRY:			return &n->entry;
	case XEN_ELFNOTE_HYPERCALL_PAGE:	return &n->hypercall_page;
	case XEN_ELFNOTE_VIRT_BASE:		return &n->virt_base;
	case XEN_ELFNOTE_PADDR_OFFSET:		return &n->paddr_offset;
	case XEN_ELFNOTE_HV_START_LOW:		return &n->hv_start_low;
	case XEN_ELFNOTE_SUSPEND_CANCEL:	return &n->suspend_cancel;
	case XEN_ELFNOTE_INIT_P2M:		return &n->init_p2m;
	case XEN_ELFNOTE_MOD_START_PFN:		return &n->mod_start_pfn;
	case XEN_ELFNOTE_PHYS32_ENTRY:		return &n->phys32_entry;
	default:				return NULL;
	}
}

static char *note_string_slot(struct xen_notes *n, uint32_t type)
{
	switch (type) {
	case XEN_ELFNOTE_XEN_VERSION:	return n->xen_version;
	case XEN_ELFNOTE_GUEST_OS:	return n->guest_os;
	case XEN_ELFNOTE_GUEST_VERSION:	return n->guest_version;
	case XEN_ELFNOTE_LOADER:	return n->loader;
	case XEN_ELFNOTE_PAE_MODE:	return n->pae_mode;
	case XEN_ELFNOTE_BSD_SYMTAB:	return n->bsd_symtab;
	default:			return NULL;
	}
}

/* SUPPORTED_FEATURES: an array of 32-bit submaps, OR-ed in. */
static int note_supported_features(struct xen_notes *n, const uint8_t *d, uint32_t sz,
				   const char **why)
{
	if (sz == 0 || sz % 4)
		return note_fail(why, "SUPPORTED_FEATURES is not a whole number of 32-bit words",
				 ELF_IMG_ENOTE);
	for (uint32_t i = 0; i < XENFEAT_NR_SUBMAPS && i < sz / 4; i++)
		n->feat_supported[i] |= elf_rd32(d + 4 * i);
	return 0;
}

/* L1_MFN_VALID: a mask and the value masked bits must have (one quad means value = mask). */
static int note_l1_mfn_valid(struct xen_notes *n, const uint8_t *d, uint32_t sz,
			     const char **why)
{
	if (sz != 8 && sz != 16)
		return note_fail(why, "L1_MFN_VALID is not one or two 64-bit values", ELF_IMG_ENOTE);
	n->l1_mfn_valid_mask = elf_rd64(d);
	n->l1_mfn_valid_value = sz == 16 ? elf_rd64(d + 8) : n->l1_mfn_valid_mask;
	return 0;
}

static int note_decode(struct xen_notes *n, uint32_t type, const uint8_t *d, uint32_t sz,
		       const char **why)
{
	uint64_t *num = note_numeric_slot(n, type);
	char *str = note_string_slot(n, type);
	int err = 0;

	if (num) {
		if (note_number(d, sz, num))
			return note_fail(why, "numeric Xen note is not 1, 2, 4 or 8 bytes",
					 ELF_IMG_ENOTE);
	} else if (str) {
		note_copy_string(str, d, note_strlen(d, sz));
	} else if (type == XEN_ELFNOTE_FEATURES) {
		err = xen_features_parse((const char *)d, note_strlen(d, sz), n->feat_supported,
					 n->feat_required, why);
	} else if (type == XEN_ELFNOTE_SUPPORTED_FEATURES) {
		err = note_supported_features(n, d, sz, why);
	} else if (type == XEN_ELFNOTE_L1_MFN_VALID) {
		err = note_l1_mfn_valid(n, d, sz, why);
	} else {
		return 0;	/* INFO and types we do not know: ignored, as Xen does */
	}
	if (err)
		return err;
	n->seen |= 1U << type;
	return 0;
}

int xen_notes_scan(const uint8_t *buf, size_t len, uint64_t start, uint64_t size,
		   uint64_t align, struct xen_notes *notes, const char **why)
{
	if (!buf || !notes)
		return note_fail(why, "NULL argument", ELF_IMG_EINVAL);
	if (!elf_range_ok(start, size, len))
		return note_fail(why, "note area extends past the end of the image", ELF_IMG_ETRUNC);
	uint64_t a = align == 8 ? 8 : 4;
	uint64_t off = start, end = start + size;
	unsigned count = 0;

	while (end - off >= NOTE_HDR_SIZE) {
		if (++count > XEN_NOTES_MAX_TOTAL)
			return note_fail(why, "too many ELF notes", ELF_IMG_ENOTE);
		uint32_t namesz = elf_rd32(buf + off);
		uint32_t descsz = elf_rd32(buf + off + 4);
		uint32_t type = elf_rd32(buf + off + 8);
		/* 32-bit sizes rounded up stay far below 2^64: no overflow here. */
		uint64_t name_off = off + NOTE_HDR_SIZE;
		uint64_t desc_off = name_off + ALIGN_UP((uint64_t)namesz, a);
		uint64_t next = desc_off + ALIGN_UP((uint64_t)descsz, a);
		if (desc_off > end || descsz > end - desc_off)
			return note_fail(why, "ELF note runs past the end of its segment",
					 ELF_IMG_ETRUNC);
		if (namesz == XEN_ELFNOTE_NAME_SIZE &&
		    memcmp(buf + name_off, XEN_ELFNOTE_NAME, XEN_ELFNOTE_NAME_SIZE) == 0) {
			notes->nr_xen_notes++;
			int err = note_decode(notes, type, buf + desc_off, descsz, why);
			if (err)
				return err;
		}
		if (next >= end)
			break;
		off = next;
	}
	return 0;
}
