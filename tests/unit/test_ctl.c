/* SPDX-License-Identifier: MIT */
/* The control channel's codec and server (backends/toolstack/ctl_*.c): frames, records, every verb's argument rules. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ctl_proto.h"
#include "ctl_server.h"
#include "loader/decompress.h"

/* ---- the codec ---- */

START_TEST(header_round_trip_and_verdicts)
{
	struct ctl_hdr h = { CTL_MAGIC, CTL_VERSION, CTL_REQUEST, 7, 42 }, g;
	uint8_t b[CTL_HDR_LEN];

	ctl_hdr_encode(&h, b);
	ck_assert_int_eq(b[0], 'S');
	ck_assert_int_eq(b[3], 'T');
	ck_assert_int_eq(ctl_hdr_decode(b, &g), CTL_HDR_OK);
	ck_assert_uint_eq(g.id, 7);
	ck_assert_uint_eq(g.len, 42);
	h.len = CTL_MAX_PAYLOAD + 1;
	ctl_hdr_encode(&h, b);
	ck_assert_int_eq(ctl_hdr_decode(b, &g), CTL_HDR_TOO_LONG);
	h.len = 1;
	h.version = 2;
	ctl_hdr_encode(&h, b);
	ck_assert_int_eq(ctl_hdr_decode(b, &g), CTL_HDR_BAD_VERSION);
	h.version = 1;
	h.kind = 9;
	ctl_hdr_encode(&h, b);
	ck_assert_int_eq(ctl_hdr_decode(b, &g), CTL_HDR_BAD_KIND);
	h.magic = 0x12345678;
	ctl_hdr_encode(&h, b);
	ck_assert_int_eq(ctl_hdr_decode(b, &g), CTL_HDR_BAD_MAGIC);
}
END_TEST

static int fields_of(const char *text, char keys[][16], char vals[][64], int max)
{
	const char *p = text, *end = text + strlen(text), *rec;
	size_t len;
	struct ctl_field f;
	int n = 0, got;

	if (!ctl_next_record(&p, end, &rec, &len))
		return 0;
	p = rec;
	while ((got = ctl_next_field(&p, rec + len, &f)) == 1 && n < max) {
		memcpy(keys[n], f.key, f.key_len);
		keys[n][f.key_len] = '\0';
		if (ctl_unescape(f.val, f.val_len, vals[n], 64) < 0)
			return -2;
		n++;
	}
	return got < 0 ? -1 : n;
}

START_TEST(records_parse_and_reject)
{
	char k[8][16], v[8][64];

	ck_assert_int_eq(fields_of("op=create name=a%20b%3Dc%25 n=\n", k, v, 8), 3);
	ck_assert_str_eq(k[0], "op");
	ck_assert_str_eq(v[1], "a b=c%");
	ck_assert_str_eq(v[2], "");
	ck_assert_int_eq(fields_of("op=x  y=1", k, v, 8), -1);	/* doubled space */
	ck_assert_int_eq(fields_of("op=x ", k, v, 8), -1);	/* trailing space */
	ck_assert_int_eq(fields_of("Op=x", k, v, 8), -1);	/* key case */
	ck_assert_int_eq(fields_of("op", k, v, 8), -1);		/* no '=' */
	ck_assert_int_eq(fields_of("op=a=b", k, v, 8), -1);	/* raw '=' in a value */
	ck_assert_int_eq(fields_of("op=a\tb", k, v, 8), -1);	/* raw control byte */
	ck_assert_int_eq(fields_of("op=%4", k, v, 8), -2);	/* short escape */
	ck_assert_int_eq(fields_of("op=%00", k, v, 8), -2);	/* escaped NUL */
	ck_assert_int_eq(fields_of("op=%zz", k, v, 8), -2);
}
END_TEST

START_TEST(writer_escapes_every_byte_and_round_trips)
{
	char mem[1024], out[300], key[16];
	unsigned char val[255];
	struct ctl_buf b;
	const char *p = mem, *rec;
	size_t len;
	struct ctl_field f;

	for (int i = 0; i < 255; i++)
		val[i] = (unsigned char)(i + 1);
	ctl_buf_init(&b, mem, sizeof(mem));
	ctl_put_bytes(&b, "all", val, sizeof(val));
	ctl_put_i64(&b, "neg", INT64_MIN);
	ctl_put_u64(&b, "big", UINT64_MAX);
	ctl_end_record(&b);
	ck_assert(!b.overflow);
	ck_assert(ctl_next_record(&p, mem + b.len, &rec, &len));
	p = rec;
	ck_assert_int_eq(ctl_next_field(&p, rec + len, &f), 1);
	ck_assert_int_eq(ctl_unescape(f.val, f.val_len, out, sizeof(out)), 255);
	ck_assert_mem_eq(out, val, 255);
	ck_assert_int_eq(ctl_next_field(&p, rec + len, &f), 1);
	ck_assert_int_eq(ctl_unescape(f.val, f.val_len, out, sizeof(out)), 20);
	ck_assert_str_eq(out, "-9223372036854775808");
	ck_assert_int_eq(ctl_next_field(&p, rec + len, &f), 1);
	memcpy(key, f.key, f.key_len);
	key[f.key_len] = '\0';
	ck_assert_str_eq(key, "big");
	ck_assert_int_eq(ctl_next_field(&p, rec + len, &f), 0);
	ctl_buf_init(&b, mem, 8);
	ctl_put_str(&b, "key", "too long a value");
	ck_assert(b.overflow);
}
END_TEST

START_TEST(numbers_whole_and_bounded)
{
	uint64_t u;
	int64_t i;

	ck_assert(ctl_parse_u64("18446744073709551615", &u) && u == UINT64_MAX);
	ck_assert(!ctl_parse_u64("18446744073709551616", &u));
	ck_assert(!ctl_parse_u64("", &u));
	ck_assert(!ctl_parse_u64("12a", &u));
	ck_assert(!ctl_parse_u64("-1", &u));
	ck_assert(ctl_parse_i64("-9223372036854775808", &i) && i == INT64_MIN);
	ck_assert(!ctl_parse_i64("9223372036854775808", &i));
}
END_TEST

/* ---- the server, over a toolstack that records what it was asked ---- */

static char sent[1 << 16];
static size_t sent_len;
static int creates, destroyed = -1;
static size_t alloc_limit = 1 << 20;

static int fake_send(void *ctx, const void *buf, size_t len)
{
	(void)ctx;
	ck_assert_uint_le(sent_len + len, sizeof(sent));
	memcpy(sent + sent_len, buf, len);
	sent_len += len;
	return 0;
}

static void *fake_alloc(size_t n)
{
	return n <= alloc_limit ? malloc(n) : NULL;
}

static void fake_free(void *p, size_t n)
{
	(void)n;
	free(p);
}

static uint64_t fake_now;
static uint64_t fake_now_ns(void)
{
	return fake_now;
}

static int ts_list(void *ctx, int64_t domid, void (*emit)(void *, const struct ctl_dominfo *), void *arg)
{
	struct ctl_dominfo d = { .domid = 0, .name = "Domain-0", .state = "r-----", .mem_kib = 262144,
				 .maxmem_kib = 262144, .vcpus = 1, .online_vcpus = 1 };

	(void)ctx;
	if (domid > 0)
		return -3;
	emit(arg, &d);
	return 0;
}

static int ts_info(void *ctx, struct ctl_hostinfo *hi)
{
	(void)ctx;
	hi->host_cpus = 2;
	return 0;
}

static char last_disks[64];
static char last_hotplug[96];

static int ts_block_attach(void *ctx, uint32_t domid, uint32_t slot, uint32_t devid, char *err, size_t err_len)
{
	(void)ctx, (void)err, (void)err_len;
	snprintf(last_hotplug, sizeof(last_hotplug), "block_attach d%u slot %u vbd %u", domid, slot, devid);
	return 0;
}

static int ts_block_detach(void *ctx, uint32_t domid, uint32_t devid, char *err, size_t err_len)
{
	(void)ctx;
	if (devid == 51760) {
		snprintf(err, err_len, "d%u has no vbd %u", domid, devid);
		return -19;
	}
	snprintf(last_hotplug, sizeof(last_hotplug), "block_detach d%u vbd %u", domid, devid);
	return 0;
}

static int ts_network_attach(void *ctx, uint32_t domid, const char *mac, char *err, size_t err_len)
{
	(void)ctx, (void)err, (void)err_len;
	snprintf(last_hotplug, sizeof(last_hotplug), "network_attach d%u %s", domid, mac ? mac : "derived");
	return 0;
}

static int ts_network_detach(void *ctx, uint32_t domid, uint32_t devid, char *err, size_t err_len)
{
	(void)ctx, (void)err, (void)err_len;
	snprintf(last_hotplug, sizeof(last_hotplug), "network_detach d%u vif %u", domid, devid);
	return 0;
}

/* Two slots: 0 free, 1 read-only and held by d7 "web" as xvdb. */
static int ts_blkpool(void *ctx, void (*emit)(void *arg, const struct ctl_blkslot *sl), void *arg)
{
	struct ctl_blkslot sl[2] = { { .slot = 0 }, { .slot = 1, .read_only = true, .devid = 51728, .domid = 7 } };

	(void)ctx;
	snprintf(sl[1].name, sizeof(sl[1].name), "web");
	emit(arg, &sl[0]);
	emit(arg, &sl[1]);
	return 0;
}

/* d3 has vbd 51712 (ring 8, port 12, Connected); d4 a vif with a MAC, and no vbd. */
static int ts_devices(void *ctx, uint32_t domid, bool vif, void (*emit)(void *, const struct ctl_devinfo *), void *arg)
{
	struct ctl_devinfo vbd = { .devid = 51712, .frontend_id = 3, .state = 4, .evtch = 12, .ring_ref = 8,
				   .rx_ring_ref = -1, .backend = "/local/domain/0/backend/vbd/3/51712" };
	struct ctl_devinfo nic = { .devid = 0, .frontend_id = 4, .state = 4, .evtch = 15, .ring_ref = 1280,
				   .rx_ring_ref = 1281, .mac = "00:16:3e:00:00:42",
				   .backend = "/local/domain/0/backend/vif/4/0" };

	(void)ctx;
	if (domid != 3 && domid != 4)
		return -3;	/* -ESRCH */
	if (domid == 3 && !vif)
		emit(arg, &vbd);
	if (domid == 4 && vif)
		emit(arg, &nic);
	return 0;
}

static uint8_t last_kernel_digest[32];
static unsigned int sha_calls;

static void counting_sha256(const uint8_t *data, size_t len, uint8_t digest[32])
{
	sha_calls++;
	sha256_buf(data, len, digest);
}

/* The one image the fake toolstack keeps ("KEPT!"), and the references the server holds on it. */
static const uint8_t kept_image[5] = { 'K', 'E', 'P', 'T', '!' };
static int kept_refs;
static char last_kernel[6];

static const uint8_t *ts_image_ref(void *ctx, const char *name, const uint8_t digest[32], uint64_t len)
{
	uint8_t d[32];

	(void)ctx, (void)name;
	sha256_buf(kept_image, sizeof(kept_image), d);
	if (len != sizeof(kept_image) || memcmp(d, digest, 32) != 0)
		return NULL;
	kept_refs++;
	return kept_image;
}

static void ts_image_unref(void *ctx, const uint8_t *data)
{
	(void)ctx;
	ck_assert_ptr_eq(data, kept_image);
	ck_assert_int_gt(kept_refs, 0);
	kept_refs--;
}

static int ts_create(void *ctx, const struct ctl_blob *cfg, struct ctl_blob *k, struct ctl_blob *rd,
		     const char *disks, bool paused, uint32_t *domid, char *name, size_t name_len, char *err, size_t err_len)
{
	(void)ctx, (void)rd, (void)paused, (void)err_len;
	snprintf(last_disks, sizeof(last_disks), "%s", disks ? disks : "(none)");
	if (cfg->size == 3 && memcmp(cfg->data, "bad", 3) == 0) {
		snprintf(err, err_len, "domain.cfg:1: error: nonsense");
		return -22;
	}
	ck_assert_uint_eq(k->size, 5);
	memcpy(last_kernel_digest, k->sha256, 32);
	memcpy(last_kernel, k->data, 5);
	creates++;
	*domid = 1;
	snprintf(name, name_len, "guest");
	return 0;
}

static int ts_domid(void *ctx, uint32_t domid)
{
	(void)ctx;
	destroyed = (int)domid;
	return domid == 99 ? -3 : 0;
}

static int ts_shutdown(void *ctx, uint32_t domid, bool reboot)
{
	(void)ctx, (void)reboot;
	return domid == 99 ? -3 : 0;
}

static int ts_mem(void *ctx, uint32_t domid, uint64_t kib)
{
	(void)ctx, (void)kib;
	return domid == 99 ? -3 : 0;
}

static int ts_rename(void *ctx, uint32_t domid, const char *name, char *err, size_t err_len)
{
	(void)ctx, (void)domid, (void)name, (void)err, (void)err_len;
	return 0;
}

static int poweroffs, attached_to, vcpus_set = -1;

static int dmesg_clears;

/* A history of "line a\nline b\n" from position 100 on. */
static int ts_dmesg(void *ctx, uint64_t *index, bool clear, char *buf, size_t len, size_t *got, uint64_t *skipped)
{
	static const char text[] = "line a\nline b\n";
	uint64_t from = *index < 100 ? 100 : *index;
	size_t off = from - 100 < sizeof(text) - 1 ? (size_t)(from - 100) : sizeof(text) - 1;

	(void)ctx;
	*skipped = from - *index;
	*got = sizeof(text) - 1 - off < len ? sizeof(text) - 1 - off : len;
	memcpy(buf, text + off, *got);
	*index = from + *got;
	dmesg_clears += clear;
	return 0;
}

static int ts_vcpu_set(void *ctx, uint32_t domid, uint32_t n)
{
	(void)ctx;
	vcpus_set = (int)n;
	return domid == 99 ? -3 : 0;
}
static char console_in[64];

static int ts_poweroff(void *ctx)
{
	(void)ctx;
	poweroffs++;
	return 0;
}

static int ts_console(void *ctx, uint32_t domid, bool attach)
{
	(void)ctx;
	attached_to = attach ? (int)domid : -1;
	return domid == 99 ? -3 : 0;
}

static int ts_console_input(void *ctx, uint32_t domid, const char *data, size_t len)
{
	(void)ctx, (void)domid;
	ck_assert_uint_lt(len, sizeof(console_in));
	memcpy(console_in, data, len);
	console_in[len] = '\0';
	return 0;
}

static const struct ctl_toolstack ts = {
	.list = ts_list, .info = ts_info, .create = ts_create, .destroy = ts_domid, .pause = ts_domid,
	.unpause = ts_domid, .shutdown = ts_shutdown, .mem_set = ts_mem, .mem_max = ts_mem, .rename = ts_rename,
	.poweroff = ts_poweroff, .console = ts_console, .console_input = ts_console_input, .vcpu_set = ts_vcpu_set,
	.dmesg = ts_dmesg, .blkpool = ts_blkpool, .block_attach = ts_block_attach, .block_detach = ts_block_detach,
	.network_attach = ts_network_attach, .network_detach = ts_network_detach, .devices = ts_devices,
	.image_ref = ts_image_ref, .image_unref = ts_image_unref,
};
static const struct ctl_platform pl = {
	.alloc = fake_alloc, .free = fake_free, .sha256 = counting_sha256, .now_ns = fake_now_ns, .send = fake_send,
};
static struct ctl_server *srv;

static void setup(void)
{
	srv = malloc(sizeof(*srv));
	ctl_server_init(srv, &ts, &pl);
	sent_len = 0;
	creates = 0;
	destroyed = -1;
	alloc_limit = 1 << 20;
	fake_now = 0;
	poweroffs = 0;
	attached_to = -1;
	console_in[0] = '\0';
	kept_refs = 0;
}

static void teardown(void)
{
	ctl_server_fini(srv);
	free(srv);
}

/* Feeds a frame one byte at a time: the server must not care how the stream is cut. */
static int feed(uint16_t kind, uint32_t id, const void *payload, size_t len)
{
	struct ctl_hdr h = { CTL_MAGIC, CTL_VERSION, kind, id, (uint32_t)len };
	uint8_t b[CTL_HDR_LEN];
	int rc = 0;

	ctl_hdr_encode(&h, b);
	for (size_t i = 0; i < sizeof(b) && rc == 0; i++)
		rc = ctl_server_input(srv, b + i, 1);
	for (size_t i = 0; i < len && rc == 0; i++)
		rc = ctl_server_input(srv, (const uint8_t *)payload + i, 1);
	return rc;
}

static int request(uint32_t id, const char *text)
{
	return feed(CTL_REQUEST, id, text, strlen(text));
}

/* The n-th response so far (0-based): its id and payload as a string. */
static const char *response(unsigned int n, uint32_t *id)
{
	static char text[8192];
	size_t off = 0;
	struct ctl_hdr h;

	for (unsigned int i = 0;; i++) {
		ck_assert_uint_le(off + CTL_HDR_LEN, sent_len);
		ck_assert_int_eq(ctl_hdr_decode((const uint8_t *)sent + off, &h), CTL_HDR_OK);
		if (i == n)
			break;
		off += CTL_HDR_LEN + h.len;
	}
	ck_assert_int_eq(h.kind, CTL_RESPONSE);
	memcpy(text, sent + off + CTL_HDR_LEN, h.len);
	text[h.len] = '\0';
	if (id)
		*id = h.id;
	return text;
}

START_TEST(hello_list_and_errors)
{
	uint32_t id;

	ck_assert_int_eq(request(1, "op=hello version=1 client=test"), 0);
	ck_assert_str_eq(response(0, &id), "status=0 version=1 server=skiff-dom0\n");
	ck_assert_uint_eq(id, 1);
	ck_assert_int_eq(request(2, "op=list"), 0);
	ck_assert_ptr_nonnull(strstr(response(1, NULL), "\ndomid=0 name=Domain-0 uuid=00000000-0000-0000-0000-"));
	ck_assert_int_eq(request(3, "op=list domid=5"), 0);
	ck_assert_str_eq(response(2, NULL), "status=-3 error=no%20such%20domain\n");
	ck_assert_int_eq(request(4, "op=frobnicate"), 0);
	ck_assert_str_eq(response(3, NULL), "status=-38 error=unknown%20operation\n");
	ck_assert_int_eq(request(5, "op=destroy domid=1 force=1"), 0);
	ck_assert_str_eq(response(4, NULL), "status=-22 error=unknown%20argument%20force\n");
	ck_assert_int_eq(destroyed, -1);	/* a typo changes nothing */
	ck_assert_int_eq(request(6, "op=hello version=2"), 0);
	ck_assert_ptr_nonnull(strstr(response(5, NULL), "status=-71 "));
	ck_assert_int_eq(request(7, "op=pause domid=1 domid=2"), 0);
	ck_assert_ptr_nonnull(strstr(response(6, NULL), "given%20twice"));
	ck_assert_int_eq(request(8, "op=mem_set domid=1"), 0);
	ck_assert_ptr_nonnull(strstr(response(7, NULL), "status=-22"));
	ck_assert_int_eq(request(9, "op=shutdown domid=1 reason=halt"), 0);
	ck_assert_ptr_nonnull(strstr(response(8, NULL), "status=-22"));
	ck_assert_int_eq(request(10, "op=destroy domid=1"), 0);
	ck_assert_str_eq(response(9, NULL), "status=0\n");
	ck_assert_int_eq(destroyed, 1);
}
END_TEST

/* dmesg: index and clear=0|1 only; the history's bytes escaped in data, the next index and what was skipped. */
START_TEST(dmesg_verb)
{
	ck_assert_int_eq(request(1, "op=dmesg index=x"), 0);
	ck_assert_ptr_nonnull(strstr(response(0, NULL), "status=-22"));
	ck_assert_int_eq(request(2, "op=dmesg clear=2"), 0);
	ck_assert_ptr_nonnull(strstr(response(1, NULL), "status=-22"));
	ck_assert_int_eq(request(3, "op=dmesg lines=5"), 0);
	ck_assert_ptr_nonnull(strstr(response(2, NULL), "status=-22"));
	ck_assert_int_eq(dmesg_clears, 0);
	ck_assert_int_eq(request(4, "op=dmesg"), 0);
	ck_assert_str_eq(response(3, NULL), "status=0 index=114 skipped=100 data=line%20a%0Aline%20b%0A\n");
	ck_assert_int_eq(request(5, "op=dmesg index=107"), 0);
	ck_assert_str_eq(response(4, NULL), "status=0 index=114 skipped=0 data=line%20b%0A\n");
	ck_assert_int_eq(request(6, "op=dmesg index=114 clear=1"), 0);
	ck_assert_str_eq(response(5, NULL), "status=0 index=114 skipped=0 data=\n");
	ck_assert_int_eq(dmesg_clears, 1);
}
END_TEST

/* blkpool: one record per slot, after the status; no arguments. */
START_TEST(blkpool_verb)
{
	ck_assert_int_eq(request(1, "op=blkpool slot=1"), 0);
	ck_assert_ptr_nonnull(strstr(response(0, NULL), "status=-22"));
	ck_assert_int_eq(request(2, "op=blkpool"), 0);
	ck_assert_str_eq(response(1, NULL), "status=0\nslot=0 ro=0 devid=0 domid=0 name=\n"
					     "slot=1 ro=1 devid=51728 domid=7 name=web\n");
}
END_TEST

/* devlist: a domain and a kind (vbd or vif) and nothing else; a record per device after the status. */
START_TEST(devlist_verb)
{
	static const char *const bad[] = { "op=devlist kind=vbd", "op=devlist domid=3", "op=devlist domid=3 kind=disk",
					   "op=devlist domid=3 kind=vbd all=1", "op=devlist domid=x kind=vif" };

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(request(i + 1, bad[i]), 0);
		ck_assert_ptr_nonnull(strstr(response(i, NULL), "status=-22"));
	}
	ck_assert_int_eq(request(10, "op=devlist domid=3 kind=vbd"), 0);
	ck_assert_str_eq(response(5, NULL), "status=0\ndevid=51712 backend_id=0 frontend_id=3 state=4 evtch=12 "
					    "ring_ref=8 backend=/local/domain/0/backend/vbd/3/51712\n");
	ck_assert_int_eq(request(11, "op=devlist domid=3 kind=vif"), 0);
	ck_assert_str_eq(response(6, NULL), "status=0\n");
	ck_assert_int_eq(request(12, "op=devlist domid=4 kind=vif"), 0);
	ck_assert_str_eq(response(7, NULL), "status=0\ndevid=0 backend_id=0 frontend_id=4 state=4 evtch=15 ring_ref=1280 "
					    "rx_ring_ref=1281 mac=00:16:3e:00:00:42 backend=/local/domain/0/backend/vif/4/0\n");
	ck_assert_int_eq(request(13, "op=devlist domid=9 kind=vif"), 0);
	ck_assert_ptr_nonnull(strstr(response(8, NULL), "status=-3"));
}
END_TEST

/* The hot-plug verbs: every argument checked before the toolstack is called; its errors come back with their text. */
START_TEST(hotplug_verbs)
{
	static const char *const bad[] = {
		"op=block_attach domid=1 devid=51744", "op=block_attach domid=1 slot=2", "op=block_attach domid=1 slot=2 devid=0",
		"op=block_attach domid=1 slot=4096 devid=51744", "op=block_attach domid=1 slot=2 devid=51744 ro=1",
		"op=block_detach domid=1", "op=block_detach domid=1 devid=x", "op=network_attach domid=1 mac=00:16:3e",
		"op=network_detach domid=1", "op=network_detach domid=1 devid=70000", "op=block_attach slot=2 devid=51744",
	};

	for (unsigned int i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		ck_assert_int_eq(request(i + 1, bad[i]), 0);
		ck_assert_ptr_nonnull(strstr(response(i, NULL), "status=-22"));
	}
	ck_assert_str_eq(last_hotplug, "");
	ck_assert_int_eq(request(20, "op=block_attach domid=1 slot=2 devid=51744"), 0);
	ck_assert_str_eq(last_hotplug, "block_attach d1 slot 2 vbd 51744");
	ck_assert_int_eq(request(21, "op=block_detach domid=1 devid=51744"), 0);
	ck_assert_str_eq(last_hotplug, "block_detach d1 vbd 51744");
	ck_assert_int_eq(request(22, "op=block_detach domid=1 devid=51760"), 0);
	ck_assert_str_eq(response(13, NULL), "status=-19 error=d1%20has%20no%20vbd%2051760\n");
	ck_assert_int_eq(request(23, "op=network_attach domid=1"), 0);
	ck_assert_str_eq(last_hotplug, "network_attach d1 derived");
	ck_assert_int_eq(request(24, "op=network_attach domid=1 mac=00:16:3e:00:00:42"), 0);
	ck_assert_str_eq(last_hotplug, "network_attach d1 00:16:3e:00:00:42");
	ck_assert_int_eq(request(25, "op=network_detach domid=1 devid=1"), 0);
	ck_assert_str_eq(last_hotplug, "network_detach d1 vif 1");
}
END_TEST

/* vcpu_set: a count of at least 1, nothing else; the toolstack is not called for a refused request. */
START_TEST(vcpu_set_verb)
{
	ck_assert_int_eq(request(1, "op=vcpu_set domid=1"), 0);
	ck_assert_ptr_nonnull(strstr(response(0, NULL), "status=-22"));
	ck_assert_int_eq(request(2, "op=vcpu_set domid=1 vcpus=0"), 0);
	ck_assert_ptr_nonnull(strstr(response(1, NULL), "status=-22"));
	ck_assert_int_eq(request(3, "op=vcpu_set domid=1 vcpus=two"), 0);
	ck_assert_ptr_nonnull(strstr(response(2, NULL), "status=-22"));
	ck_assert_int_eq(request(4, "op=vcpu_set domid=1 vcpus=2 now=1"), 0);
	ck_assert_ptr_nonnull(strstr(response(3, NULL), "status=-22"));
	ck_assert_int_eq(vcpus_set, -1);
	ck_assert_int_eq(request(5, "op=vcpu_set domid=99 vcpus=2"), 0);
	ck_assert_ptr_nonnull(strstr(response(4, NULL), "status=-3 "));
	ck_assert_int_eq(request(6, "op=vcpu_set domid=1 vcpus=3"), 0);
	ck_assert_str_eq(response(5, NULL), "status=0\n");
	ck_assert_int_eq(vcpus_set, 3);
}
END_TEST

START_TEST(console_and_poweroff_verbs)
{
	struct ctl_hdr h;

	ck_assert_int_eq(request(1, "op=console domid=1 attach=2"), 0);
	ck_assert_ptr_nonnull(strstr(response(0, NULL), "status=-22"));
	ck_assert_int_eq(request(2, "op=console domid=1"), 0);
	ck_assert_ptr_nonnull(strstr(response(1, NULL), "status=-22"));
	ck_assert_int_eq(attached_to, -1);
	ck_assert_int_eq(request(3, "op=console domid=1 attach=1"), 0);
	ck_assert_str_eq(response(2, NULL), "status=0\n");
	ck_assert_int_eq(attached_to, 1);
	ck_assert_int_eq(request(4, "op=console_input domid=1 data=ls%20-l%0A"), 0);
	ck_assert_str_eq(response(3, NULL), "status=0\n");
	ck_assert_str_eq(console_in, "ls -l\n");
	ck_assert_int_eq(request(5, "op=console_input domid=1"), 0);
	ck_assert_ptr_nonnull(strstr(response(4, NULL), "status=-22"));
	/* Powering the machine off takes no argument: a typo must not stop it. */
	ck_assert_int_eq(request(6, "op=poweroff now=1"), 0);
	ck_assert_ptr_nonnull(strstr(response(5, NULL), "status=-22"));
	ck_assert_int_eq(poweroffs, 0);
	ck_assert_int_eq(request(7, "op=poweroff"), 0);
	ck_assert_str_eq(response(6, NULL), "status=0\n");
	ck_assert_int_eq(poweroffs, 1);
	/* An event goes out as kind 4 with id 0. */
	{
		size_t before = sent_len;

		ck_assert_int_eq(ctl_server_event(srv, "event=console domid=1 data=x\n", 29), 0);
		ck_assert_int_eq(ctl_hdr_decode((const uint8_t *)sent + before, &h), CTL_HDR_OK);
		ck_assert_uint_eq(h.kind, CTL_EVENT);
		ck_assert_uint_eq(h.id, 0);
		ck_assert_uint_eq(h.len, 29);
	}
}
END_TEST

START_TEST(framing_errors)
{
	uint8_t junk[CTL_HDR_LEN] = "garbage garbage";
	struct ctl_hdr h = { CTL_MAGIC, 3, CTL_REQUEST, 11, 4 };
	uint8_t b[CTL_HDR_LEN];

	ck_assert_int_eq(ctl_server_input(srv, junk, sizeof(junk)), -1);
	/* After a reset the next good frame is served. */
	ck_assert_int_eq(request(1, "op=info"), 0);
	ck_assert_ptr_nonnull(strstr(response(0, NULL), "host_cpus=2"));
	/* Another version: answered, skipped by its length, the stream goes on. */
	ctl_hdr_encode(&h, b);
	ck_assert_int_eq(ctl_server_input(srv, b, sizeof(b)), 0);
	ck_assert_int_eq(ctl_server_input(srv, (const uint8_t *)"op=x", 4), 0);
	ck_assert_ptr_nonnull(strstr(response(1, NULL), "status=-71"));
	ck_assert_int_eq(request(2, "op=info"), 0);
	ck_assert_ptr_nonnull(strstr(response(2, NULL), "status=0"));
}
END_TEST

static void sha_hex(const void *data, size_t len, char out[65])
{
	uint8_t d[32];

	sha256_buf(data, len, d);
	for (int i = 0; i < 32; i++)
		sprintf(out + 2 * i, "%02x", d[i]);
}

static void put(uint32_t id, const char *name, const char *data, size_t len, const char *sha_of)
{
	char text[256], sha[65];

	sha_hex(sha_of, strlen(sha_of), sha);
	snprintf(text, sizeof(text), "op=put name=%s size=%zu sha256=%s", name, len, sha);
	ck_assert_int_eq(request(id, text), 0);
	if (len)
		ck_assert_int_eq(feed(CTL_DATA, id, data, len), 0);
}

START_TEST(upload_then_create_consumes)
{
	put(1, "config", "name=1", 6, "name=1");
	ck_assert_str_eq(response(0, NULL), "status=0 blob=1\n");
	put(2, "kernel", "ELF..", 5, "ELF..");
	ck_assert_str_eq(response(1, NULL), "status=0 blob=2\n");
	put(3, "bad", "xxxx", 4, "yyyy");	/* the digest of other bytes */
	ck_assert_ptr_nonnull(strstr(response(2, NULL), "status=-5 "));
	ck_assert_int_eq(request(4, "op=create config=1 kernel=1"), 0);	/* one blob twice */
	ck_assert_ptr_nonnull(strstr(response(3, NULL), "status=-22"));
	ck_assert_int_eq(request(5, "op=create config=1 kernel=2 disks=0:51712,3:51728"), 0);
	ck_assert_str_eq(response(4, NULL), "status=0 domid=1 name=guest\n");
	ck_assert_int_eq(creates, 1);
	ck_assert_str_eq(last_disks, "0:51712,3:51728");	/* the slots reach the toolstack as sent */
	ck_assert_int_eq(request(6, "op=create config=1 kernel=2"), 0);	/* consumed */
	ck_assert_ptr_nonnull(strstr(response(5, NULL), "status=-2 "));
	put(7, "config", "bad", 3, "bad");
	put(8, "kernel", "ELF..", 5, "ELF..");
	ck_assert_int_eq(request(9, "op=create config=4 kernel=5"), 0);	/* ids are never reused soon */
	ck_assert_str_eq(response(8, NULL), "status=-22 error=domain.cfg:1:%20error:%20nonsense\n");
	ck_assert_int_eq(creates, 1);
}
END_TEST

/* check=0: the host's digest is taken as given (it names the kernel in dom0's cache); nothing is hashed. */
START_TEST(unchecked_put_takes_the_hosts_digest)
{
	char text[256], sha[65];
	uint8_t want[32];
	unsigned int before;

	put(1, "config", "name=1", 6, "name=1");
	ck_assert_str_eq(response(0, NULL), "status=0 blob=1\n");
	sha_hex("the source bzImage", 18, sha);
	sha256_buf((const uint8_t *)"the source bzImage", 18, want);
	before = sha_calls;
	snprintf(text, sizeof(text), "op=put name=kernel size=5 sha256=%s check=0", sha);
	ck_assert_int_eq(request(2, text), 0);
	ck_assert_int_eq(feed(CTL_DATA, 2, "ELF..", 5), 0);
	ck_assert_str_eq(response(1, NULL), "status=0 blob=2\n");
	ck_assert_uint_eq(sha_calls, before);
	ck_assert_int_eq(request(3, "op=create config=1 kernel=2"), 0);
	ck_assert_str_eq(response(2, NULL), "status=0 domid=1 name=guest\n");
	ck_assert_mem_eq(last_kernel_digest, want, 32);
	/* check=1 (the default) still checks; anything else is refused. */
	snprintf(text, sizeof(text), "op=put name=kernel size=5 sha256=%s check=1", sha);
	ck_assert_int_eq(request(4, text), 0);
	ck_assert_int_eq(feed(CTL_DATA, 4, "ELF..", 5), 0);
	ck_assert_ptr_nonnull(strstr(response(3, NULL), "status=-5 "));
	ck_assert_uint_eq(sha_calls, before + 1);
	snprintf(text, sizeof(text), "op=put name=kernel size=5 sha256=%s check=no", sha);
	ck_assert_int_eq(request(5, text), 0);
	ck_assert_ptr_nonnull(strstr(response(4, NULL), "status=-22"));
}
END_TEST

/* reuse: an image dom0 keeps becomes a blob without its bytes sent; a create or the TTL gives the reference back. */
START_TEST(reuse_names_a_kept_image)
{
	char text[256], sha[65];

	sha_hex("KEPT!", 5, sha);
	snprintf(text, sizeof(text), "op=reuse name=kernel size=4 sha256=%s", sha);	/* the wrong size */
	ck_assert_int_eq(request(1, text), 0);
	ck_assert_ptr_nonnull(strstr(response(0, NULL), "status=-2 "));
	sha_hex("other", 5, sha);
	snprintf(text, sizeof(text), "op=reuse name=kernel size=5 sha256=%s", sha);	/* not kept */
	ck_assert_int_eq(request(2, text), 0);
	ck_assert_ptr_nonnull(strstr(response(1, NULL), "status=-2 "));
	ck_assert_int_eq(request(3, "op=reuse name=kernel size=0 sha256=00"), 0);
	ck_assert_ptr_nonnull(strstr(response(2, NULL), "status=-22"));
	ck_assert_int_eq(kept_refs, 0);
	sha_hex("KEPT!", 5, sha);
	snprintf(text, sizeof(text), "op=reuse name=kernel size=5 sha256=%s", sha);
	ck_assert_int_eq(request(4, text), 0);
	ck_assert_str_eq(response(3, NULL), "status=0 blob=1\n");
	ck_assert_int_eq(kept_refs, 1);
	put(5, "config", "name=1", 6, "name=1");
	ck_assert_str_eq(response(4, NULL), "status=0 blob=2\n");
	ck_assert_int_eq(request(6, "op=create config=2 kernel=1"), 0);
	ck_assert_str_eq(response(5, NULL), "status=0 domid=1 name=guest\n");
	ck_assert_str_eq(last_kernel, "KEPT!");
	ck_assert_int_eq(kept_refs, 0);		/* the create consumed the blob: the server let go */
	/* One nobody claims is let go after the TTL, as an upload is. */
	ck_assert_int_eq(request(7, text), 0);
	ck_assert_str_eq(response(6, NULL), "status=0 blob=3\n");
	ck_assert_int_eq(kept_refs, 1);
	fake_now += CTL_BLOB_TTL_NS + 1;
	ctl_server_tick(srv);
	ck_assert_int_eq(kept_refs, 0);
}
END_TEST

/*
 * A finished blob has no put filling it: a DATA frame with id 0 (no put
 * has that id) must not reach one, neither a borrowed image (freed early,
 * or written into) nor an upload. Its bytes are dropped, with no answer.
 */
START_TEST(data_for_id_0_touches_no_finished_blob)
{
	char text[256], sha[65];
	size_t before;

	sha_hex("KEPT!", 5, sha);
	snprintf(text, sizeof(text), "op=reuse name=kernel size=5 sha256=%s", sha);
	ck_assert_int_eq(request(1, text), 0);
	ck_assert_str_eq(response(0, NULL), "status=0 blob=1\n");
	put(2, "config", "name=1", 6, "name=1");
	ck_assert_str_eq(response(1, NULL), "status=0 blob=2\n");
	before = sent_len;
	ck_assert_int_eq(feed(CTL_DATA, 0, "overrun", 7), 0);	/* more than either blob holds */
	ck_assert_int_eq(feed(CTL_DATA, 0, "x", 1), 0);		/* past the end of a full one */
	ck_assert_uint_eq(sent_len, before);
	ck_assert_int_eq(kept_refs, 1);
	ck_assert_int_eq(request(3, "op=create config=2 kernel=1"), 0);
	ck_assert_str_eq(response(2, NULL), "status=0 domid=1 name=guest\n");
	ck_assert_str_eq(last_kernel, "KEPT!");
	ck_assert_int_eq(kept_refs, 0);
}
END_TEST

START_TEST(refused_and_oversized_uploads_lose_nothing_else)
{
	static char big[4096];

	alloc_limit = 1000;
	memset(big, 'k', sizeof(big));
	put(1, "kernel", big, sizeof(big), "k");	/* no room: refused up front, data dropped */
	ck_assert_ptr_nonnull(strstr(response(0, NULL), "status=-12 "));
	ck_assert_int_eq(request(2, "op=info"), 0);	/* the stream is still in step */
	ck_assert_ptr_nonnull(strstr(response(1, NULL), "status=0 "));
	put(3, "small", "abc", 3, "abc");
	ck_assert_str_eq(response(2, NULL), "status=0 blob=2\n");
	/* More data than announced: the put fails, nothing is overrun. */
	ck_assert_int_eq(request(4, "op=put name=x size=2 sha256=0000000000000000000000000000000000000000000000000000000000000000"), 0);
	ck_assert_int_eq(feed(CTL_DATA, 4, "abcdef", 6), 0);
	ck_assert_ptr_nonnull(strstr(response(3, NULL), "more%20data"));
	/* Unclaimed blobs go after a minute. */
	fake_now = CTL_BLOB_TTL_NS + 1;
	ctl_server_tick(srv);
	put(5, "config", "n", 1, "n");
	ck_assert_int_eq(request(6, "op=create config=2 kernel=5"), 0);
	ck_assert_ptr_nonnull(strstr(response(5, NULL), "status=-2 "));
}
END_TEST

static Suite *ctl_suite(void)
{
	Suite *s = suite_create("ctl");
	TCase *codec = tcase_create("codec"), *server = tcase_create("server");

	tcase_add_test(codec, header_round_trip_and_verdicts);
	tcase_add_test(codec, records_parse_and_reject);
	tcase_add_test(codec, writer_escapes_every_byte_and_round_trips);
	tcase_add_test(codec, numbers_whole_and_bounded);
	tcase_add_checked_fixture(server, setup, teardown);
	tcase_add_test(server, hello_list_and_errors);
	tcase_add_test(server, framing_errors);
	tcase_add_test(server, console_and_poweroff_verbs);
	tcase_add_test(server, vcpu_set_verb);
	tcase_add_test(server, dmesg_verb);
	tcase_add_test(server, blkpool_verb);
	tcase_add_test(server, hotplug_verbs);
	tcase_add_test(server, devlist_verb);
	tcase_add_test(server, upload_then_create_consumes);
	tcase_add_test(server, refused_and_oversized_uploads_lose_nothing_else);
	tcase_add_test(server, unchecked_put_takes_the_hosts_digest);
	tcase_add_test(server, reuse_names_a_kept_image);
	tcase_add_test(server, data_for_id_0_touches_no_finished_blob);
	suite_add_tcase(s, codec);
	suite_add_tcase(s, server);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(ctl_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
