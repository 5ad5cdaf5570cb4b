/* SPDX-License-Identifier: MIT */
/* The .xz container: stream header/footer, block headers, checks, index, and the x86 BCJ filter. */
#include "loader_lib.h"
#include "decompress.h"

#define XZ_HEADER_SIZE		12
#define XZ_FOOTER_SIZE		12
#define XZ_CHECK_NONE		0x0
#define XZ_CHECK_CRC32		0x1
#define XZ_CHECK_CRC64		0x4
#define XZ_CHECK_PIECE		(1u << 20)	/* bytes of a block checked between progress calls */
#define XZ_CHECK_SHA256		0xa
#define XZ_FILTER_X86		0x04
#define XZ_FILTER_LZMA2		0x21
#define XZ_VLI_BYTES_MAX	9
#define XZ_LZMA2_DICT_MAX	40	/* dictionary size byte: 40 means 4 GiB - 1 */

static const uint8_t xz_magic[6] = { 0xfd, '7', 'z', 'X', 'Z', 0x00 };

_Static_assert(sizeof(struct unxz_work) <= 32 * 1024, "unxz_work grew past its documented bound");

const char *decompress_strerror(int err)
{
	switch (err) {
	case DECOMP_OK:		return "success";
	case DECOMP_EINVAL:	return "invalid argument";
	case DECOMP_EFORMAT:	return "not in the expected format (bad magic)";
	case DECOMP_ETRUNC:	return "compressed input is truncated";
	case DECOMP_ECORRUPT:	return "compressed data is corrupt";
	case DECOMP_ECHECK:	return "integrity check (CRC or size) failed";
	case DECOMP_ENOSPC:	return "output does not fit in the buffer";
	case DECOMP_EUNSUPP:	return "unsupported format option";
	case DECOMP_EHEADER:	return "malformed container header, index or footer";
	case DECOMP_EDIST:	return "match distance reaches before the start of the output";
	default:		return "unknown decompression error";
	}
}

static uint32_t get_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get_le64(const uint8_t *p)
{
	return (uint64_t)get_le32(p) | (uint64_t)get_le32(p + 4) << 32;
}

/* Multibyte integer: 7 bits a byte, low first, at most 9 bytes, no redundant trailing zero byte. */
static int xz_vli(const uint8_t *in, size_t end, size_t *pos, uint64_t *value)
{
	uint64_t v = 0;

	for (unsigned int i = 0; i < XZ_VLI_BYTES_MAX; i++) {
		uint8_t b;

		if (*pos >= end)
			return DECOMP_ETRUNC;
		b = in[(*pos)++];
		v |= (uint64_t)(b & 0x7f) << (7 * i);
		if (!(b & 0x80)) {
			if (b == 0 && i > 0)
				return DECOMP_EHEADER;
			*value = v;
			return DECOMP_OK;
		}
	}
	return DECOMP_EHEADER;
}

static size_t xz_check_size(unsigned int type)
{
	switch (type) {
	case XZ_CHECK_NONE:	return 0;
	case XZ_CHECK_CRC32:	return 4;
	case XZ_CHECK_CRC64:	return 8;
	case XZ_CHECK_SHA256:	return 32;
	default:		return (size_t)-1;
	}
}

/* What a block header says; sizes are UINT64_MAX when absent. */
struct xz_block {
	size_t header_size;
	uint64_t csize;
	uint64_t usize;
	bool bcj;
	uint32_t bcj_start;
};

/* Running summary of blocks, computed the same way from the blocks and from the index, then compared. */
struct xz_index_sum {
	uint64_t count;
	uint64_t unpadded;
	uint64_t uncompressed;
	uint32_t crc;
};

static void xz_index_add(struct xz_index_sum *s, uint64_t unpadded, uint64_t uncompressed)
{
	uint8_t rec[16];

	for (int i = 0; i < 8; i++) {
		rec[i] = (uint8_t)(unpadded >> (8 * i));
		rec[8 + i] = (uint8_t)(uncompressed >> (8 * i));
	}
	s->count++;
	s->unpadded += unpadded;
	s->uncompressed += uncompressed;
	s->crc = crc32_update(s->crc, rec, sizeof(rec));
}

static int xz_stream_flags(const uint8_t *flags, unsigned int *check)
{
	if (flags[0] != 0 || (flags[1] & 0xf0))
		return DECOMP_EUNSUPP;
	*check = flags[1] & 0x0f;
	if (xz_check_size(*check) == (size_t)-1)
		return DECOMP_EUNSUPP;
	return DECOMP_OK;
}

/* One filter flags record; only x86 BCJ (not last) and LZMA2 (last) are known. */
static int xz_filter(const uint8_t *h, size_t end, size_t *pos, bool last, struct xz_block *b)
{
	uint64_t id, psize;
	int err = xz_vli(h, end, pos, &id);

	if (err || (err = xz_vli(h, end, pos, &psize)))
		return err == DECOMP_ETRUNC ? DECOMP_EHEADER : err;
	if (psize > end - *pos)
		return DECOMP_EHEADER;
	if (last) {
		if (id != XZ_FILTER_LZMA2)
			return DECOMP_EUNSUPP;
		if (psize != 1 || (h[*pos] & 0x3f) > XZ_LZMA2_DICT_MAX || (h[*pos] & 0xc0))
			return DECOMP_EHEADER;
	} else {
		if (id != XZ_FILTER_X86)
			return DECOMP_EUNSUPP;
		if (psize != 0 && psize != 4)
			return DECOMP_EHEADER;
		b->bcj = true;
		b->bcj_start = psize ? get_le32(h + *pos) : 0;
	}
	*pos += psize;
	return DECOMP_OK;
}

static int xz_block_header(const uint8_t *h, size_t avail, struct xz_block *b)
{
	size_t size = ((size_t)h[0] + 1) * 4, pos = 2, end;
	unsigned int nfilters;
	int err;

	if (avail < size)
		return DECOMP_ETRUNC;
	end = size - 4;
	if (crc32_update(0, h, end) != get_le32(h + end))
		return DECOMP_ECHECK;
	if (h[1] & 0x3c)
		return DECOMP_EUNSUPP;
	nfilters = (h[1] & 0x03) + 1;
	if (nfilters > 2)
		return DECOMP_EUNSUPP;
	b->header_size = size;
	b->csize = b->usize = UINT64_MAX;
	b->bcj = false;
	b->bcj_start = 0;
	if ((h[1] & 0x40) && (err = xz_vli(h, end, &pos, &b->csize)))
		return DECOMP_EHEADER;
	if ((h[1] & 0x80) && (err = xz_vli(h, end, &pos, &b->usize)))
		return DECOMP_EHEADER;
	if (b->csize == 0)
		return DECOMP_EHEADER;
	for (unsigned int i = 0; i < nfilters; i++) {
		err = xz_filter(h, end, &pos, i + 1 == nfilters, b);
		if (err)
			return err;
	}
	while (pos < end)
		if (h[pos++] != 0)
			return DECOMP_EHEADER;
	return DECOMP_OK;
}

static int xz_verify_check(unsigned int type, const uint8_t *data, size_t len, const uint8_t *check,
			   const struct decomp_progress *p)
{
	uint8_t digest[32];

	uint32_t crc32 = 0;
	uint64_t crc64 = 0;

	/* A kernel's block is tens of MiB: checked in pieces, the progress hook between them. */
	switch (type) {
	case XZ_CHECK_CRC32:
		for (size_t off = 0, n; off < len; off += n) {
			n = MIN(len - off, XZ_CHECK_PIECE);
			crc32 = crc32_update(crc32, data + off, n);
			decomp_progress_call(p);
		}
		return crc32 == get_le32(check) ? DECOMP_OK : DECOMP_ECHECK;
	case XZ_CHECK_CRC64:
		for (size_t off = 0, n; off < len; off += n) {
			n = MIN(len - off, XZ_CHECK_PIECE);
			crc64 = crc64_update(crc64, data + off, n);
			decomp_progress_call(p);
		}
		return crc64 == get_le64(check) ? DECOMP_OK : DECOMP_ECHECK;
	case XZ_CHECK_SHA256:
		sha256_buf(data, len, digest);
		return memcmp(digest, check, sizeof(digest)) ? DECOMP_ECHECK : DECOMP_OK;
	default:
		return DECOMP_OK;	/* none */
	}
}

/* The state of one unxz_buf call, passed to the block and index helpers. */
struct xz_stream {
	const uint8_t *in;
	size_t in_len;
	size_t ipos;
	uint8_t *out;
	size_t out_cap;
	size_t opos;
	unsigned int check;
	struct xz_index_sum blocks;
	struct unxz_work *work;
};

static int xz_block_data(struct xz_stream *s, const struct xz_block *b, size_t *used, size_t *made)
{
	size_t in_avail = s->in_len - s->ipos, out_avail = s->out_cap - s->opos;
	int err;

	if (b->csize != UINT64_MAX) {
		if (b->csize > in_avail)
			return DECOMP_ETRUNC;
		in_avail = (size_t)b->csize;
	}
	if (b->usize != UINT64_MAX) {
		if (b->usize > out_avail)
			return DECOMP_ENOSPC;
		out_avail = (size_t)b->usize;
	}
	err = lzma2_decode_chunks(s->in + s->ipos, in_avail, s->out ? s->out + s->opos : NULL, out_avail,
			   made, used, s->work);
	if (err == DECOMP_ENOSPC && out_avail < s->out_cap - s->opos)
		return DECOMP_ECHECK;	/* more data than the header promised */
	if (err)
		return err;
	if ((b->csize != UINT64_MAX && b->csize != *used) ||
	    (b->usize != UINT64_MAX && b->usize != *made))
		return DECOMP_ECHECK;
	return DECOMP_OK;
}

static int xz_block(struct xz_stream *s)
{
	struct xz_block b;
	size_t used, made, csize_check = xz_check_size(s->check);
	int err = xz_block_header(s->in + s->ipos, s->in_len - s->ipos, &b);

	if (err)
		return err;
	s->ipos += b.header_size;
	err = xz_block_data(s, &b, &used, &made);
	if (err)
		return err;
	s->ipos += used;
	while (s->ipos & 3) {
		if (s->ipos >= s->in_len)
			return DECOMP_ETRUNC;
		if (s->in[s->ipos++] != 0)
			return DECOMP_ECORRUPT;
	}
	if (s->in_len - s->ipos < csize_check)
		return DECOMP_ETRUNC;
	if (b.bcj && made) {
		bcj_x86_decode_progress(s->out + s->opos, made, b.bcj_start, &s->work->progress);
		decomp_progress_call(&s->work->progress);
	}
	err = xz_verify_check(s->check, made ? s->out + s->opos : s->in, made, s->in + s->ipos, &s->work->progress);
	if (err)
		return err;
	s->ipos += csize_check;
	s->opos += made;
	xz_index_add(&s->blocks, b.header_size + used + csize_check, made);
	return DECOMP_OK;
}

/* Parses the index at s->ipos and compares it with what the blocks produced. */
static int xz_index(struct xz_stream *s, size_t *index_size)
{
	struct xz_index_sum seen = { 0, 0, 0, 0 };
	size_t start = s->ipos, pos = s->ipos + 1;
	uint64_t count;
	int err = xz_vli(s->in, s->in_len, &pos, &count);

	if (err)
		return err;
	if (count != s->blocks.count)
		return DECOMP_ECHECK;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t unpadded, uncompressed;

		if ((err = xz_vli(s->in, s->in_len, &pos, &unpadded)) ||
		    (err = xz_vli(s->in, s->in_len, &pos, &uncompressed)))
			return err;
		xz_index_add(&seen, unpadded, uncompressed);
	}
	while (pos & 3) {
		if (pos >= s->in_len)
			return DECOMP_ETRUNC;
		if (s->in[pos++] != 0)
			return DECOMP_EHEADER;
	}
	if (s->in_len - pos < 4)
		return DECOMP_ETRUNC;
	if (crc32_update(0, s->in + start, pos - start) != get_le32(s->in + pos))
		return DECOMP_ECHECK;
	if (seen.unpadded != s->blocks.unpadded || seen.uncompressed != s->blocks.uncompressed ||
	    seen.crc != s->blocks.crc)
		return DECOMP_ECHECK;
	s->ipos = pos + 4;
	*index_size = s->ipos - start;
	return DECOMP_OK;
}

static int xz_footer(struct xz_stream *s, size_t index_size)
{
	const uint8_t *f = s->in + s->ipos;
	unsigned int check;

	if (s->in_len - s->ipos < XZ_FOOTER_SIZE)
		return DECOMP_ETRUNC;
	if (f[10] != 'Y' || f[11] != 'Z')
		return DECOMP_EHEADER;
	if (crc32_update(0, f + 4, 6) != get_le32(f))
		return DECOMP_ECHECK;
	if (xz_stream_flags(f + 8, &check) || check != s->check)
		return DECOMP_EHEADER;
	if (((uint64_t)get_le32(f + 4) + 1) * 4 != index_size)
		return DECOMP_EHEADER;
	s->ipos += XZ_FOOTER_SIZE;
	return DECOMP_OK;
}

static int xz_stream(struct xz_stream *s)
{
	size_t index_size;
	int err;

	if (memcmp(s->in, xz_magic, MIN(s->in_len, sizeof(xz_magic))))
		return DECOMP_EFORMAT;
	if (s->in_len < XZ_HEADER_SIZE)
		return DECOMP_ETRUNC;
	if (crc32_update(0, s->in + 6, 2) != get_le32(s->in + 8))
		return DECOMP_ECHECK;
	err = xz_stream_flags(s->in + 6, &s->check);
	if (err)
		return err;
	s->ipos = XZ_HEADER_SIZE;
	for (;;) {
		if (s->ipos >= s->in_len)
			return DECOMP_ETRUNC;
		if (s->in[s->ipos] == 0x00)
			break;		/* index indicator instead of a block header size */
		err = xz_block(s);
		if (err)
			return err;
	}
	err = xz_index(s, &index_size);
	if (err)
		return err;
	return xz_footer(s, index_size);
}

int unxz_buf(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap,
	     size_t *out_len, size_t *in_used, struct unxz_work *work)
{
	return unxz_buf_progress(in, in_len, out, out_cap, out_len, in_used, work, NULL, NULL);
}

int unxz_buf_progress(const uint8_t *in, size_t in_len, uint8_t *out, size_t out_cap, size_t *out_len,
		      size_t *in_used, struct unxz_work *work, void (*fn)(void *ctx), void *ctx)
{
	struct xz_stream s = {
		.in = in, .in_len = in_len, .out = out, .out_cap = out_cap, .work = work,
	};
	int err;

	if (!in || !work || (!out && out_cap)) {
		err = DECOMP_EINVAL;
	} else {
		work->progress = (struct decomp_progress){ .fn = fn, .ctx = ctx };
		err = xz_stream(&s);
	}
	if (out_len)
		*out_len = s.opos;
	if (in_used)
		*in_used = s.ipos;
	return err;
}

/*
 * Sizes a stream before decoding it, from its footer and index alone, so a
 * caller can allocate the output. Nothing here is trusted by unxz_buf,
 * which checks the index against the blocks again.
 */
int unxz_uncompressed_size(const uint8_t *in, size_t in_len, uint64_t *size)
{
	const uint8_t *f;
	size_t index_size, pos, end;
	uint64_t count, total = 0;
	unsigned int check;
	int err;

	if (!in || !size)
		return DECOMP_EINVAL;
	if (memcmp(in, xz_magic, MIN(in_len, sizeof(xz_magic))))
		return DECOMP_EFORMAT;
	if (in_len < XZ_HEADER_SIZE + XZ_FOOTER_SIZE)
		return DECOMP_ETRUNC;
	f = in + in_len - XZ_FOOTER_SIZE;
	if (f[10] != 'Y' || f[11] != 'Z' || xz_stream_flags(f + 8, &check))
		return DECOMP_EHEADER;
	if (crc32_update(0, f + 4, 6) != get_le32(f))
		return DECOMP_ECHECK;
	index_size = ((size_t)get_le32(f + 4) + 1) * 4;
	if (index_size > in_len - XZ_HEADER_SIZE - XZ_FOOTER_SIZE)
		return DECOMP_EHEADER;
	pos = in_len - XZ_FOOTER_SIZE - index_size;
	end = in_len - XZ_FOOTER_SIZE - 4;
	if (in[pos] != 0x00 || crc32_update(0, in + pos, index_size - 4) != get_le32(in + end))
		return DECOMP_EHEADER;
	pos++;
	if ((err = xz_vli(in, end, &pos, &count)))
		return DECOMP_EHEADER;
	for (uint64_t i = 0; i < count; i++) {
		uint64_t unpadded, uncompressed;

		if (xz_vli(in, end, &pos, &unpadded) || xz_vli(in, end, &pos, &uncompressed) ||
		    uncompressed > UINT64_MAX - total)
			return DECOMP_EHEADER;
		total += uncompressed;
	}
	*size = total;
	return DECOMP_OK;
}
