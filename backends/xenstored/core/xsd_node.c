/* SPDX-License-Identifier: MIT */
/* xenstore nodes and path rules: allocation, copying, children lists, canonical paths. */
#include "xsd.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct xsd_node *xsd_node_new(const char *path)
{
	struct xsd_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->path = xsd_strdup(path);
	n->perms = calloc(1, sizeof(*n->perms));
	if (!n->path || !n->perms) {
		xsd_node_free(n);
		return NULL;
	}
	n->nperms = 1;
	return n;
}

void xsd_node_free(struct xsd_node *n)
{
	if (!n)
		return;
	free(n->path);
	free(n->value);
	free(n->perms);
	free(n->children);
	free(n);
}

struct xsd_node *xsd_node_dup(const struct xsd_node *src)
{
	struct xsd_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	*n = *src;
	n->path = xsd_strdup(src->path);
	n->value = src->vlen ? xsd_memdup(src->value, src->vlen) : NULL;
	n->perms = xsd_memdup(src->perms, src->nperms * sizeof(*src->perms));
	n->children = src->childlen ? xsd_memdup(src->children, src->childlen) : NULL;
	if (!n->path || !n->perms || (src->vlen && !n->value) ||
	    (src->childlen && !n->children)) {
		xsd_node_free(n);
		return NULL;
	}
	return n;
}

int xsd_node_set_value(struct xsd_node *n, const void *v, uint32_t len)
{
	uint8_t *nv = NULL;

	if (len) {
		nv = xsd_memdup(v, len);
		if (!nv)
			return -1;
	}
	free(n->value);
	n->value = nv;
	n->vlen = len;
	return 0;
}

int xsd_node_set_perms(struct xsd_node *n, const struct xsd_perm *p, uint32_t np)
{
	struct xsd_perm *c = xsd_memdup(p, np * sizeof(*p));

	if (!c)
		return -1;
	free(n->perms);
	n->perms = c;
	n->nperms = np;
	return 0;
}

int xsd_node_add_child(struct xsd_node *n, const char *name)
{
	size_t l = strlen(name) + 1;
	char *c = realloc(n->children, n->childlen + l);

	if (!c)
		return -1;
	memcpy(c + n->childlen, name, l);
	n->children = c;
	n->childlen += l;
	return 0;
}

void xsd_node_del_child(struct xsd_node *n, const char *name)
{
	uint32_t off = 0;

	while (off < n->childlen) {
		size_t l = strlen(n->children + off) + 1;

		if (strcmp(n->children + off, name) == 0) {
			memmove(n->children + off, n->children + off + l, n->childlen - off - l);
			n->childlen -= l;
			return;
		}
		off += l;
	}
}

static bool xsd_path_char_ok(char ch)
{
	return (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') ||
	       (ch >= '0' && ch <= '9') || ch == '-' || ch == '/' || ch == '_' || ch == '@';
}

/* Absolute paths: "/" or "/a/b" with no empty component and no trailing slash. */
bool xsd_path_valid(const char *p, bool allow_special)
{
	size_t len = strlen(p);

	if (allow_special && p[0] == '@') {
		if (len > XENSTORE_REL_PATH_MAX)
			return false;
		for (size_t i = 0; i < len; i++)
			if (!xsd_path_char_ok(p[i]))
				return false;
		return true;
	}
	if (p[0] != '/' || len > XENSTORE_ABS_PATH_MAX)
		return false;
	if (len > 1 && p[len - 1] == '/')
		return false;
	for (size_t i = 0; i < len; i++) {
		if (!xsd_path_char_ok(p[i]))
			return false;
		if (p[i] == '/' && p[i + 1] == '/')
			return false;
	}
	return true;
}

char *xsd_path_canon(uint32_t domid, const char *in, bool allow_special)
{
	char *out;

	if (in[0] == '/' || (allow_special && in[0] == '@')) {
		if (!xsd_path_valid(in, allow_special))
			return NULL;
		return xsd_strdup(in);
	}
	if (in[0] == '\0' || strlen(in) > XENSTORE_REL_PATH_MAX)
		return NULL;
	out = malloc(strlen(in) + 32);
	if (!out)
		return NULL;
	sprintf(out, "/local/domain/%u/%s", domid, in);
	if (!xsd_path_valid(out, false)) {
		free(out);
		return NULL;
	}
	return out;
}

char *xsd_path_parent(const char *p)
{
	const char *slash = strrchr(p, '/');
	size_t l;
	char *out;

	if (!slash || slash == p)
		return xsd_strdup("/");
	l = (size_t)(slash - p);
	out = malloc(l + 1);
	if (!out)
		return NULL;
	memcpy(out, p, l);
	out[l] = '\0';
	return out;
}

const char *xsd_path_base(const char *p)
{
	const char *slash = strrchr(p, '/');

	return slash ? slash + 1 : p;
}

bool xsd_path_is_under(const char *child, const char *parent)
{
	size_t pl = strlen(parent);

	if (strcmp(parent, "/") == 0)
		return child[0] == '/';
	return strncmp(child, parent, pl) == 0 && (child[pl] == '\0' || child[pl] == '/');
}
