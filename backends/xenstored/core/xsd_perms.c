/* SPDX-License-Identifier: MIT */
/* xenstore permissions: parsing "r5"-style strings, formatting them, and access checks. */
#include "xsd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int xsd_perm_letter(char ch)
{
	switch (ch) {
	case 'n': return XSD_PERM_NONE;
	case 'r': return XSD_PERM_READ;
	case 'w': return XSD_PERM_WRITE;
	case 'b': return XSD_PERM_BOTH;
	default: return -1;
	}
}

static bool xsd_parse_domid(const char *s, uint32_t *out)
{
	uint32_t v = 0;

	if (!*s)
		return false;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return false;
		v = v * 10 + (uint32_t)(*s - '0');
		if (v > XSD_DOMID_MAX)
			return false;
	}
	*out = v;
	return true;
}

/* Returns the number of entries (>= 1) or -1 if any string is malformed. */
int xsd_perms_parse(const char *const *strs, uint32_t n, struct xsd_perm **out)
{
	struct xsd_perm *p;

	if (n == 0 || n > 1024)
		return -1;
	p = calloc(n, sizeof(*p));
	if (!p)
		return -1;
	for (uint32_t i = 0; i < n; i++) {
		int letter = xsd_perm_letter(strs[i][0]);

		if (letter < 0 || !xsd_parse_domid(strs[i] + 1, &p[i].domid)) {
			free(p);
			return -1;
		}
		p[i].perm = (uint8_t)letter;
	}
	*out = p;
	return (int)n;
}

void xsd_perms_format(const struct xsd_perm *p, uint32_t n, struct xsd_buf *b)
{
	static const char letters[] = "nrwb";
	char tmp[16];

	for (uint32_t i = 0; i < n; i++) {
		snprintf(tmp, sizeof(tmp), "%c%u", letters[p[i].perm & 3], p[i].domid);
		xsd_buf_add_str0(b, tmp);
	}
}

static unsigned xsd_perms_one(uint32_t domid, const struct xsd_perm *p, uint32_t n)
{
	if (p[0].domid == domid)
		return XSD_PERM_BOTH | XSD_PERM_OWNER;
	for (uint32_t i = 1; i < n; i++)
		if (p[i].domid == domid)
			return p[i].perm;
	return p[0].perm;
}

/* A domain with a target (a device model) also gets whatever its target has. */
unsigned xsd_perms_for(struct xsd_store *s, uint32_t domid, const struct xsd_perm *p,
		       uint32_t n)
{
	struct xsd_domain *d;
	unsigned m;

	if (xsd_is_privileged(s, domid))
		return XSD_PERM_BOTH | XSD_PERM_OWNER;
	m = xsd_perms_one(domid, p, n);
	d = xsd_domain_get(s, domid, false);
	if (d && d->target != XSD_DOMID_INVALID)
		m |= xsd_perms_one(d->target, p, n);
	return m;
}
