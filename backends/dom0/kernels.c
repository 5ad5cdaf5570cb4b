/* SPDX-License-Identifier: MIT */
/* dom0's kernels by content digest: decompressed ones kept between builds, images shared by restartable domains. */
#include "rt.h"
#include "rt_page.h"
#include "build_pv.h"
#include "decompress.h"
#include "elf_image.h"
#include "dom0.h"
#include "kcache.h"

/*
 * The bound: at most DOM0_KC_ENTRIES decompressed kernels and
 * DOM0_KC_BYTES of them kept for nobody, and never while dom0 has less
 * than DOM0_KC_HEADROOM free; least recently used first out, and all of
 * them before any vmem allocation of dom0's would fail (rt_vmem_reclaim).
 * Debian's kernel is 66 MB decompressed from 8 MB of xz, which takes
 * seconds under TCG: a restart or a second create of it costs no
 * decompression while it is kept.
 */
#define DOM0_KC_ENTRIES		2
#define DOM0_KC_BYTES		(160ULL << 20)
#define DOM0_KC_HEADROOM	((8ULL << 20) / 4096)	/* frames */
#define DOM0_KC_SMALL		DOM0_SMALL_ALLOC

static void kc_free(void *ctx, void *p, size_t cap)
{
	(void)ctx;
	if (cap <= DOM0_KC_SMALL)
		free(p);
	else
		rt_vmem_free(p);
}

static void *kc_alloc(void *ctx, size_t len)
{
	(void)ctx;
	return len <= DOM0_KC_SMALL ? malloc(len ? len : 1) : rt_vmem_alloc(len);
}

static const struct kcache_ops kc_ops = { .free = kc_free };
static struct kcache kc_kernels;	/* decompressed ELFs by the digest of the bzImage they came from */
static struct kcache kc_images;		/* kernels and ramdisks as given, held by restartable domains' recipes */
static bool kc_ready;

static size_t kc_reclaim(size_t pages)
{
	return (size_t)(kcache_shrink(&kc_kernels, (uint64_t)pages * 4096) / 4096);
}

static void kc_init(void)
{
	if (kc_ready)
		return;
	kcache_init(&kc_kernels, &kc_ops, DOM0_KC_BYTES, DOM0_KC_ENTRIES);
	kcache_init(&kc_images, &kc_ops, 0, KCACHE_SLOTS);
	rt_vmem_reclaim = kc_reclaim;
	kc_ready = true;
}

long dom0_kernel_get(const uint8_t *image, uint64_t len, const uint8_t *digest, struct dom0_kernel *k, char *why,
		     size_t why_len)
{
	static const struct pvb_platform plat = { .alloc = kc_alloc, .free = kc_free, .yield = dom0_build_yield };
	static struct pvb_result res;
	uint64_t t0 = rt_now_ns();
	uint8_t *elf = NULL;
	size_t elf_len = 0, cap = 0;
	int rc;

	kc_init();
	memset(k, 0, sizeof(*k));
	k->prepared = kimage_sniff(image, len) == KIMAGE_COMP_LZ4;
	if (digest)
		memcpy(k->digest, digest, 32);
	else
		sha256_buf(image, len, k->digest);
	k->elf = kcache_get(&kc_kernels, k->digest, &elf_len);
	if (k->elf) {
		k->len = elf_len;
		k->cached = k->hit = true;
		return 0;
	}
	rc = pvb_unwrap(&plat, image, len, &elf, &elf_len, &cap, &res);
	if (rc) {
		snprintf(why, why_len, "%s", res.why);
		return rc;
	}
	if (!elf) {
		k->elf = image;		/* a plain ELF: built in place, nothing to keep */
		k->len = len;
		return 0;
	}
	k->elf = elf;
	k->len = elf_len;
	k->decompress_ns = rt_now_ns() - t0;
	if (kcache_add(&kc_kernels, k->digest, elf, elf_len, cap)) {
		k->cached = true;
	} else {
		k->own = elf;
		k->cap = cap;
	}
	return 0;
}

void dom0_kernel_put(struct dom0_kernel *k)
{
	if (k->cached)
		kcache_release(&kc_kernels, k->elf);
	else if (k->own)
		kc_free(NULL, k->own, k->cap);
	/* Keeping a kernel must not leave dom0 short for its guests' devices and the next upload. */
	while (rt_frames_free() < DOM0_KC_HEADROOM && kcache_shrink(&kc_kernels, 1))
		;
	memset(k, 0, sizeof(*k));
}

const uint8_t *dom0_image_get(const uint8_t *data, uint64_t len, const uint8_t *digest, bool *shared, uint8_t **take)
{
	uint8_t d[32];
	size_t have;
	const uint8_t *p;
	uint8_t *copy;

	kc_init();
	if (digest)
		memcpy(d, digest, 32);
	else
		sha256_buf(data, len, d);
	*shared = false;
	if ((p = kcache_get(&kc_images, d, &have)) != NULL && have == len) {
		*shared = true;
		return p;
	}
	if (p)
		kcache_release(&kc_images, p);
	/* The upload's own buffer: no second copy while the control channel still holds the first. */
	if (!p && take && *take == data && len && kcache_add(&kc_images, d, *take, len, len)) {
		*take = NULL;
		return data;
	}
	copy = kc_alloc(NULL, len ? len : 1);
	if (!copy)
		return NULL;
	memcpy(copy, data, len);
	if (!kcache_add(&kc_images, d, copy, len, len ? len : 1)) {
		kc_free(NULL, copy, len ? len : 1);
		return NULL;
	}
	return copy;
}

const uint8_t *dom0_image_find(const uint8_t *digest, uint64_t len)
{
	size_t have;
	const uint8_t *p;

	kc_init();
	if ((p = kcache_get(&kc_images, digest, &have)) != NULL && have != len) {
		kcache_release(&kc_images, p);
		p = NULL;
	}
	return p;
}

void dom0_image_put(const uint8_t *p)
{
	if (p)
		kcache_release(&kc_images, p);
}

void dom0_kernels_stats(uint64_t *hits, uint64_t *misses, uint64_t *bytes)
{
	*hits = kc_kernels.hits;
	*misses = kc_kernels.misses;
	*bytes = kc_kernels.bytes;
}
