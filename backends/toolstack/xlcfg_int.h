/* SPDX-License-Identifier: MIT */
/* Inside the xl.cfg parser: the state and helpers xlcfg.c (statements, scalar keys) and xlcfg_dev.c (disk, vif) share. */
#ifndef XLCFG_INT_H
#define XLCFG_INT_H

#include "xlcfg.h"

/* The longest single value: a command line; longer strings are an error, not a cut. */
#define XLCFG_VALUE_MAX	XLCFG_CMDLINE_MAX

enum xl_kind { XL_STRING, XL_NUMBER, XL_LIST };

struct xl_value {
	enum xl_kind kind;
	uint32_t line;
	size_t len;
	char s[XLCFG_VALUE_MAX];	/* strings and numbers alike, as text */
};

/* Parser state: the text, where we are, and what has been seen (for the checks at the end). */
struct xl_parser {
	const char *text;
	size_t len, pos;
	uint32_t line;
	struct xlcfg_domain *out;
	struct xlcfg_diags *dg;
	bool seen_name, seen_kernel, seen_memory, seen_cmdline, seen_root, seen_extra;
	uint32_t seen_line[3];		/* where cmdline, root, extra were set (for the warning) */
	uint32_t maxmem_line, maxvcpus_line;
	uint32_t memory_line, vif_line;	/* checked again once type = "hvm" is known (it may come last) */
	bool seen_type;			/* type= was given: it wins over builder=, wherever each is, as in xl */
	char root[XLCFG_CMDLINE_MAX], extra[XLCFG_CMDLINE_MAX];
	struct xl_value v;
};

struct xl_key;
typedef bool (*xl_handler)(struct xl_parser *p, const struct xl_key *k);

enum xl_shape { XL_SCALAR, XL_ANY, XL_LIST_ONLY };

struct xl_key {
	const char *name;
	enum xl_shape shape;
	xl_handler fn;		/* called once per scalar, or per list item */
	int slot;		/* which field, for handlers shared by several keys */
};

void xl_diag(struct xl_parser *p, uint32_t line, bool err, const char *fmt, const char *a, const char *b);
#define xl_err(p, line, fmt, a, b)	xl_diag(p, line, true, fmt, a, b)
#define xl_warn(p, line, fmt, a, b)	xl_diag(p, line, false, fmt, a, b)

bool xl_is_space(char c);
bool xl_is_ident(char c, bool first);
int xl_hex(char c);
bool xl_eq(const char *s, size_t len, const char *lit);
bool xl_copy(char *dst, size_t cap, const char *s, size_t len);

/* xlcfg_dev.c: one disk or vif spec (p->v) into the next slot. */
bool xl_key_disk(struct xl_parser *p, const struct xl_key *k);
bool xl_key_vif(struct xl_parser *p, const struct xl_key *k);

#endif
