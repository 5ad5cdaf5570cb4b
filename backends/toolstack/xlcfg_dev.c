/* SPDX-License-Identifier: MIT */
/* Disk and vif specs of xl.cfg: comma-separated key=value items and xl-disk-configuration's positional form. */
#include <string.h>
#include "xlcfg_int.h"

/* ---- disk and vif specs: comma-separated items inside one string ---- */

struct xl_item {
	const char *s, *eq;	/* eq: the '=' of key=value, or NULL */
	size_t len;
};

/* Next item of a spec at *at: blanks trimmed; target= takes the rest, commas and all. */
static bool xl_next_item(const char *s, size_t len, size_t *at, struct xl_item *it)
{
	size_t i = *at, j, e;

	if (i > len)
		return false;
	while (i < len && xl_is_space(s[i]))
		i++;
	j = i;
	if (len - i >= 7 && memcmp(s + i, "target=", 7) == 0)
		j = len;
	while (j < len && s[j] != ',')
		j++;
	e = j;
	while (e > i && xl_is_space(s[e - 1]))
		e--;
	it->s = s + i;
	it->len = e - i;
	it->eq = memchr(it->s, '=', it->len);
	*at = j + 1;
	return true;
}

static bool xl_item_key(const struct xl_item *it, const char *key)
{
	return it->eq && xl_eq(it->s, (size_t)(it->eq - it->s), key);
}

/* What comes after key=. */
static const char *xl_item_val(const struct xl_item *it, size_t *len)
{
	*len = it->len - (size_t)(it->eq - it->s) - 1;
	return it->eq + 1;
}

static bool xl_disk_format(struct xlcfg_disk *d, const char *s, size_t len)
{
	static const char *const formats[] = { "raw", "qcow", "qcow2", "vhd", "qed", "empty" };

	if (len == 0)
		return true;
	for (size_t i = 0; i < sizeof(formats) / sizeof(formats[0]); i++)
		if (xl_eq(s, len, formats[i]))
			return xl_copy(d->format, sizeof(d->format), s, len);
	return false;
}

static bool xl_disk_access(struct xlcfg_disk *d, const char *s, size_t len)
{
	if (len == 0 || xl_eq(s, len, "rw") || xl_eq(s, len, "w"))
		d->writable = true;
	else if (xl_eq(s, len, "ro") || xl_eq(s, len, "r"))
		d->writable = false;
	else
		return false;
	return true;
}

/* xvda, hda, sdb1, with ":cdrom" as the old spelling of devtype=cdrom. */
static bool xl_disk_vdev(struct xlcfg_disk *d, const char *s, size_t len)
{
	if (len > 6 && memcmp(s + len - 6, ":cdrom", 6) == 0) {
		d->cdrom = true;
		len -= 6;
	}
	for (size_t i = 0; i < len; i++)
		if (!xl_is_ident(s[i], false))
			return false;
	return len > 0 && xl_copy(d->vdev, sizeof(d->vdev), s, len);
}

/* The deprecated "raw:/path" and "phy:/dev/x" prefixes: the format comes with the target. */
static size_t xl_disk_prefix(struct xlcfg_disk *d, const char *s, size_t len)
{
	static const char *const plain[] = { "phy:", "file:", "tap:aio:", "tap:tapdisk:aio:", "aio:" };
	const char *colon = memchr(s, ':', len);

	for (size_t i = 0; i < sizeof(plain) / sizeof(plain[0]); i++) {
		size_t n = strlen(plain[i]);

		if (len > n && memcmp(s, plain[i], n) == 0)
			return n;
	}
	if (colon && colon != s && s[0] != '/' && xl_disk_format(d, s, (size_t)(colon - s)))
		return (size_t)(colon - s) + 1;
	return 0;
}

enum { XL_POS_TARGET, XL_POS_FORMAT, XL_POS_VDEV, XL_POS_ACCESS, XL_POS_DONE };

static const char *xl_disk_named(struct xlcfg_disk *d, const struct xl_item *it, unsigned int *filled)
{
	size_t vl;
	const char *v = xl_item_val(it, &vl);

	if (xl_item_key(it, "target")) {
		if (!xl_copy(d->target, sizeof(d->target), v, vl))
			return "target longer than 255 bytes";
		*filled |= 1u << XL_POS_TARGET;
	} else if (xl_item_key(it, "format")) {
		if (!xl_disk_format(d, v, vl))
			return "unknown format (raw, qcow, qcow2, vhd, qed)";
		*filled |= 1u << XL_POS_FORMAT;
	} else if (xl_item_key(it, "vdev")) {
		if (!xl_disk_vdev(d, v, vl))
			return "bad vdev (xvda, hda, sdb, ...)";
		*filled |= 1u << XL_POS_VDEV;
	} else if (xl_item_key(it, "access")) {
		if (!xl_disk_access(d, v, vl))
			return "access is ro, r, rw or w";
		*filled |= 1u << XL_POS_ACCESS;
	} else if (xl_item_key(it, "devtype")) {
		if (!xl_eq(v, vl, "cdrom") && !xl_eq(v, vl, "disk"))
			return "devtype is disk or cdrom";
		d->cdrom = xl_eq(v, vl, "cdrom");
	} else if (!xl_item_key(it, "backendtype") && !xl_item_key(it, "backend") &&
		   !xl_item_key(it, "script") && !xl_item_key(it, "discard") &&
		   !xl_item_key(it, "direct-io-safe") && !xl_item_key(it, "specification") &&
		   !xl_item_key(it, "transport") && !xl_item_key(it, "trusted")) {
		return "unknown disk key";
	}
	return NULL;
}

/* Positional items fill target, format, vdev, access in turn; empty ones keep the default. */
static const char *xl_disk_positional(struct xlcfg_disk *d, const struct xl_item *it, unsigned int *filled,
				      unsigned int *next)
{
	size_t pre;

	if (xl_eq(it->s, it->len, "cdrom")) {
		d->cdrom = true;
		return NULL;
	}
	if (xl_eq(it->s, it->len, "no-discard") || xl_eq(it->s, it->len, "discard") ||
	    xl_eq(it->s, it->len, "direct-io-safe"))
		return NULL;
	while (*next < XL_POS_DONE && (*filled & (1u << *next)))
		(*next)++;
	switch (*next) {
	case XL_POS_TARGET:
		pre = xl_disk_prefix(d, it->s, it->len);
		if (!xl_copy(d->target, sizeof(d->target), it->s + pre, it->len - pre))
			return "target longer than 255 bytes";
		if (pre)
			*filled |= 1u << XL_POS_FORMAT;
		break;
	case XL_POS_FORMAT:
		if (!xl_disk_format(d, it->s, it->len))
			return "unknown format (raw, qcow, qcow2, vhd, qed)";
		break;
	case XL_POS_VDEV:
		if (it->len && !xl_disk_vdev(d, it->s, it->len))
			return "bad vdev (xvda, hda, sdb, ...)";
		break;
	case XL_POS_ACCESS:
		if (!xl_disk_access(d, it->s, it->len))
			return "access is ro, r, rw or w";
		break;
	default:
		return "too many positional parameters";
	}
	*filled |= 1u << *next;
	return NULL;
}

bool xl_key_disk(struct xl_parser *p, const struct xl_key *k)
{
	struct xlcfg_disk *d;
	struct xl_item it;
	unsigned int filled = 0, next = 0;
	size_t at = 0;

	if (p->out->nr_disks == XLCFG_MAX_DISKS) {
		xl_err(p, p->v.line, "'%s': more than 16 disks%s", k->name, NULL);
		return false;
	}
	d = &p->out->disks[p->out->nr_disks];
	memset(d, 0, sizeof(*d));
	memcpy(d->format, "raw", 4);
	d->writable = true;
	d->line = p->v.line;
	while (xl_next_item(p->v.s, p->v.len, &at, &it)) {
		const char *why = it.eq ? xl_disk_named(d, &it, &filled) :
					  xl_disk_positional(d, &it, &filled, &next);

		if (why) {
			xl_err(p, p->v.line, "disk '%s': %s", p->v.s, why);
			return false;
		}
	}
	if (!d->target[0] && !d->cdrom) {
		xl_err(p, p->v.line, "disk '%s': no target (a file or device)%s", p->v.s, NULL);
		return false;
	}
	if (!d->vdev[0]) {
		xl_err(p, p->v.line, "disk '%s': no vdev (xvda, ...)%s", p->v.s, NULL);
		return false;
	}
	if (d->cdrom)
		d->writable = false;
	p->out->nr_disks++;
	return true;
}

static bool xl_parse_mac(const char *s, size_t len, uint8_t mac[6])
{
	if (len != 17)
		return false;
	for (unsigned int i = 0; i < 6; i++) {
		int hi = xl_hex(s[i * 3]), lo = xl_hex(s[i * 3 + 1]);

		if (hi < 0 || lo < 0 || (i < 5 && s[i * 3 + 2] != ':'))
			return false;
		mac[i] = (uint8_t)(hi << 4 | lo);
	}
	return true;
}

/* A decimal of 1..max and nothing else. */
static bool xl_parse_port(const char *s, size_t len, uint32_t max, uint32_t *out)
{
	uint32_t v = 0;

	if (len == 0 || len > 5)
		return false;
	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (uint32_t)(s[i] - '0');
	}
	*out = v;
	return v >= 1 && v <= max;
}

/* a.b.c.d, each 0..255, into host order. */
static bool xl_parse_ipv4(const char *s, size_t len, uint32_t *ip)
{
	uint32_t v = 0, part = 0, dots = 0, digits = 0;

	for (size_t i = 0; i <= len; i++) {
		if (i == len || s[i] == '.') {
			if (!digits || part > 255 || (i < len && ++dots > 3))
				return false;
			v = v << 8 | part;
			part = digits = 0;
		} else if (s[i] >= '0' && s[i] <= '9' && digits < 3) {
			part = part * 10 + (uint32_t)(s[i] - '0');
			digits++;
		} else {
			return false;
		}
	}
	*ip = v;
	return dots == 3;
}

/* tcp:HOSTPORT:GUESTPORT or udp:...; NULL, or what is wrong. */
static const char *xl_parse_forward(struct xlcfg_vif *v, const char *s, size_t len)
{
	struct xlcfg_forward *f;
	const char *colon;
	uint32_t hp, gp;

	if (v->nr_forwards == XLCFG_MAX_FORWARDS)
		return "more than 4 forwards on one vif";
	f = &v->forwards[v->nr_forwards];
	if (len > 4 && (!memcmp(s, "tcp:", 4) || !memcmp(s, "udp:", 4))) {
		f->udp = s[0] == 'u';
		s += 4;
		len -= 4;
		colon = memchr(s, ':', len);
		if (colon && xl_parse_port(s, (size_t)(colon - s), 65535, &hp) &&
		    xl_parse_port(colon + 1, len - (size_t)(colon - s) - 1, 65535, &gp)) {
			f->host_port = (uint16_t)hp;
			f->guest_port = (uint16_t)gp;
			v->nr_forwards++;
			return NULL;
		}
	}
	return "forward is tcp:HOSTPORT:GUESTPORT or udp:HOSTPORT:GUESTPORT, ports 1..65535";
}

static const char *xl_vif_item(struct xl_parser *p, struct xlcfg_vif *v, const struct xl_item *it)
{
	static const char *const ignored[] = { "script", "vifname", "type", "backend", "rate", "gatewaydev",
					       "accel", "devid", "mtu", "forwarddev", "trusted" };
	size_t vl;
	const char *val;

	if (!it->eq)
		return it->len ? "an item is not key=value" : NULL;
	val = xl_item_val(it, &vl);
	if (xl_item_key(it, "mac")) {
		if (!xl_parse_mac(val, vl, v->mac))
			return "mac is six hex pairs, 00:16:3e:12:34:56";
		if (v->mac[0] & 1)
			return "mac is a multicast address";
		v->mac_set = true;
	} else if (xl_item_key(it, "ip")) {
		if (!xl_parse_ipv4(val, vl, &v->ip))
			return "ip is an IPv4 address, 10.0.2.20";
		v->ip_set = true;
	} else if (xl_item_key(it, "forward")) {
		return xl_parse_forward(v, val, vl);
	} else if (xl_item_key(it, "bridge")) {
		if (!xl_copy(v->bridge, sizeof(v->bridge), val, vl))
			return "bridge name longer than 31 bytes";
	} else if (xl_item_key(it, "model")) {
		if (!xl_copy(v->model, sizeof(v->model), val, vl))
			return "model longer than 15 bytes";
	} else {
		for (size_t i = 0; i < sizeof(ignored) / sizeof(ignored[0]); i++) {
			if (xl_item_key(it, ignored[i])) {
				xl_warn(p, p->v.line, "vif '%s': '%s' is not implemented by Skiff (ignored)",
					p->v.s, ignored[i]);
				return NULL;
			}
		}
		return "unknown vif key";
	}
	return NULL;
}

bool xl_key_vif(struct xl_parser *p, const struct xl_key *k)
{
	struct xlcfg_vif *v;
	struct xl_item it;
	size_t at = 0;

	if (p->out->nr_vifs == XLCFG_MAX_VIFS) {
		xl_err(p, p->v.line, "'%s': more than 8 network interfaces%s", k->name, NULL);
		return false;
	}
	v = &p->out->vifs[p->out->nr_vifs];
	memset(v, 0, sizeof(*v));
	while (xl_next_item(p->v.s, p->v.len, &at, &it)) {
		const char *why = xl_vif_item(p, v, &it);

		if (why) {
			xl_err(p, p->v.line, "vif '%s': %s", p->v.s, why);
			return false;
		}
	}
	p->out->nr_vifs++;
	return true;
}

/* ---- vdev names to the vbd numbers a frontend sees (Xen's vbd-interface numbering) ---- */

/* Letters a..z, aa.. as a disk index (a = 0, z = 25, aa = 26); *end past them. -1 if none or too large. */
static long xl_vdev_letters(const char *s, const char **end)
{
	long idx = -1;

	for (; *s >= 'a' && *s <= 'z'; s++) {
		idx = (idx + 1) * 26 + (*s - 'a');
		if (idx >= (1L << 20))
			return -1;
	}
	*end = s;
	return idx;
}

/* A partition number after the letters: none is 0; -1 if not digits or not below max. */
static long xl_vdev_partition(const char *s, long max)
{
	long p = 0;

	if (*s == '0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		p = p * 10 + (*s - '0');
		if (p >= max)
			return -1;
	}
	return p;
}

long xlcfg_vdev_devid(const char *vdev)
{
	const char *rest;
	long idx, part;

	if (!strncmp(vdev, "xvd", 3)) {
		idx = xl_vdev_letters(vdev + 3, &rest);
		if (idx < 0)
			return -1;
		if (idx < 16) {
			part = xl_vdev_partition(rest, 16);
			return part < 0 ? -1 : (202L << 8) | (idx << 4) | part;
		}
		/* The extended form for xvdq on: disk in bits 8-27, partition below. */
		part = xl_vdev_partition(rest, 256);
		return part < 0 ? -1 : (1L << 28) | (idx << 8) | part;
	}
	if (!strncmp(vdev, "sd", 2)) {
		idx = xl_vdev_letters(vdev + 2, &rest);
		part = idx < 0 ? -1 : xl_vdev_partition(rest, 16);
		return idx < 0 || idx >= 16 || part < 0 ? -1 : (8L << 8) | (idx << 4) | part;
	}
	if (!strncmp(vdev, "hd", 2)) {
		static const long base[4] = { 3L << 8, (3L << 8) | 64, 22L << 8, (22L << 8) | 64 };

		idx = xl_vdev_letters(vdev + 2, &rest);
		part = idx < 0 ? -1 : xl_vdev_partition(rest, 64);
		return idx < 0 || idx >= 4 || part < 0 ? -1 : base[idx] | part;
	}
	return -1;
}
