/* SPDX-License-Identifier: MIT */
/* skiff-prepare-kernel: turns a Linux bzImage into the plain ELF vmlinux it carries, with Debian's decompression libraries. */
#define _GNU_SOURCE
#include <bzlib.h>
#include <errno.h>
#include <lz4.h>
#include <lzma.h>
#include <lzo/lzo1x.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include "pack_dom0.h"

/*
 * Everything read from the image is untrusted: a truncated file, a lying setup header, a payload that
 * decompresses to gigabytes. Linux appends the uncompressed size (32-bit LE) after every compressed
 * payload (gzip's own ISIZE trailer is the same field), so the output buffer is that size plus one byte,
 * never more than max_out; a stream that wants to write the extra byte is refused as larger than declared.
 */

#define BZ_SETUP_SECTS		0x1f1
#define BZ_BOOT_FLAG		0x1fe
#define BZ_HEADER		0x202
#define BZ_VERSION		0x206
#define BZ_PAYLOAD_OFFSET	0x248
#define BZ_PAYLOAD_LENGTH	0x24c
#define BZ_HEADER_END		0x250
#define BZ_MIN_VERSION		0x208	/* 2.08 introduced payload_offset/payload_length */

#define MAX_IMAGE_DEFAULT	(256u << 20)
#define MAX_OUT_DEFAULT		(512u << 20)
#define DECODER_MEMLIMIT	(256u << 20)	/* xz/lzma dictionary, zstd window */
#define LZ4_LEGACY_MAGIC	0x184c2102u
#define LZ4_LEGACY_BLOCK	(8u << 20)

struct buf {
	uint8_t *data;
	size_t len;
};

static const char *prog = "skiff-prepare-kernel";

static int refuse(const char *fmt, ...)
{
	va_list ap;
	fprintf(stderr, "%s: refused: ", prog);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	return -1;
}

static uint16_t rd16(const uint8_t *p) { return (uint16_t)(p[0] | p[1] << 8); }
static uint32_t rd32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }
static uint32_t rd32be(const uint8_t *p) { return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3]; }
static uint64_t rd64(const uint8_t *p) { return (uint64_t)rd32(p) | (uint64_t)rd32(p + 4) << 32; }

static int read_file(const char *path, size_t max, struct buf *out)
{
	FILE *f = fopen(path, "rb");
	if (!f)
		return refuse("%s: %s", path, strerror(errno));
	struct stat st;
	if (fstat(fileno(f), &st) != 0 || !S_ISREG(st.st_mode)) {
		fclose(f);
		return refuse("%s: not a regular file", path);
	}
	if ((uint64_t)st.st_size > max) {
		fclose(f);
		return refuse("%s: %lld bytes, more than the %zu-byte limit for an image", path,
			      (long long)st.st_size, max);
	}
	out->len = (size_t)st.st_size;
	out->data = malloc(out->len ? out->len : 1);
	if (!out->data || fread(out->data, 1, out->len, f) != out->len) {
		fclose(f);
		return refuse("%s: cannot read it", path);
	}
	fclose(f);
	return 0;
}

enum comp { C_ELF, C_GZIP, C_XZ, C_BZIP2, C_LZMA, C_LZO, C_LZ4, C_ZSTD, C_UNKNOWN };
static const char *const comp_names[] = { "elf", "gzip", "xz", "bzip2", "lzma", "lzo", "lz4", "zstd", "unknown" };

static enum comp sniff(const uint8_t *p, size_t n)
{
	static const struct { enum comp c; uint8_t len; uint8_t b[6]; } m[] = {
		{ C_ELF, 4, { 0x7f, 'E', 'L', 'F' } },
		{ C_GZIP, 2, { 0x1f, 0x8b } },
		{ C_XZ, 6, { 0xfd, '7', 'z', 'X', 'Z', 0 } },
		{ C_BZIP2, 3, { 'B', 'Z', 'h' } },
		{ C_LZMA, 3, { 0x5d, 0, 0 } },
		{ C_LZO, 4, { 0x89, 'L', 'Z', 'O' } },
		{ C_LZ4, 4, { 0x02, 0x21, 0x4c, 0x18 } },
		{ C_ZSTD, 4, { 0x28, 0xb5, 0x2f, 0xfd } },
	};
	for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (n >= m[i].len && memcmp(p, m[i].b, m[i].len) == 0)
			return m[i].c;
	return C_UNKNOWN;
}

/* The compressed stream (without Linux's appended size) and where its output goes. */
struct job {
	const uint8_t *in;
	size_t in_len;
	uint8_t *out;
	size_t cap;		/* declared size + 1: writing the last byte means "larger than declared" */
	size_t produced;
};

static int dec_gzip(struct job *j)
{
	z_stream s = { 0 };
	if (inflateInit2(&s, 16 + MAX_WBITS) != Z_OK)
		return refuse("gzip: zlib would not start");
	s.next_in = (Bytef *)j->in;
	s.avail_in = (uInt)j->in_len;
	s.next_out = j->out;
	s.avail_out = (uInt)j->cap;
	int rc = inflate(&s, Z_FINISH);
	j->produced = s.total_out;
	inflateEnd(&s);
	if (rc != Z_STREAM_END)
		return refuse("gzip: %s", rc == Z_BUF_ERROR && s.avail_out == 0 ? "output larger than declared"
					  : rc == Z_BUF_ERROR ? "stream truncated" : "corrupt stream");
	return 0;
}

static int dec_lzma_common(struct job *j, bool alone)
{
	lzma_stream s = LZMA_STREAM_INIT;
	lzma_ret rc = alone ? lzma_alone_decoder(&s, DECODER_MEMLIMIT)
			    : lzma_stream_decoder(&s, DECODER_MEMLIMIT, 0);
	if (rc != LZMA_OK)
		return refuse("%s: liblzma would not start", alone ? "lzma" : "xz");
	s.next_in = j->in;
	s.avail_in = j->in_len;
	s.next_out = j->out;
	s.avail_out = j->cap;
	rc = lzma_code(&s, LZMA_FINISH);
	j->produced = s.total_out;
	lzma_end(&s);
	if (rc == LZMA_STREAM_END)
		return 0;
	const char *why = rc == LZMA_MEMLIMIT_ERROR ? "dictionary larger than the decoder's memory limit"
			: (rc == LZMA_OK || rc == LZMA_BUF_ERROR) && s.avail_out == 0 ? "output larger than declared"
			: rc == LZMA_OK || rc == LZMA_BUF_ERROR ? "stream truncated" : "corrupt stream";
	return refuse("%s: %s", alone ? "lzma" : "xz", why);
}

static int dec_xz(struct job *j) { return dec_lzma_common(j, false); }
static int dec_lzma(struct job *j) { return dec_lzma_common(j, true); }

static int dec_bzip2(struct job *j)
{
	bz_stream s = { 0 };
	if (BZ2_bzDecompressInit(&s, 0, 0) != BZ_OK)
		return refuse("bzip2: libbz2 would not start");
	s.next_in = (char *)j->in;
	s.avail_in = (unsigned)j->in_len;
	s.next_out = (char *)j->out;
	s.avail_out = (unsigned)j->cap;
	int rc;
	unsigned in_before, out_before;
	do {
		in_before = s.avail_in;
		out_before = s.avail_out;
		rc = BZ2_bzDecompress(&s);
	} while (rc == BZ_OK && s.avail_out > 0 && (s.avail_in != in_before || s.avail_out != out_before));
	j->produced = j->cap - s.avail_out;
	BZ2_bzDecompressEnd(&s);
	if (rc == BZ_STREAM_END)
		return 0;
	return refuse("bzip2: %s", rc != BZ_OK ? "corrupt stream"
				   : s.avail_out == 0 ? "output larger than declared" : "stream truncated");
}

static int dec_zstd(struct job *j)
{
	ZSTD_DCtx *d = ZSTD_createDCtx();
	if (!d)
		return refuse("zstd: libzstd would not start");
	ZSTD_DCtx_setParameter(d, ZSTD_d_windowLogMax, 28);
	ZSTD_inBuffer in = { j->in, j->in_len, 0 };
	ZSTD_outBuffer out = { j->out, j->cap, 0 };
	size_t rc, in_before, out_before;
	do {
		in_before = in.pos;
		out_before = out.pos;
		rc = ZSTD_decompressStream(d, &out, &in);
	} while (!ZSTD_isError(rc) && rc != 0 && out.pos < out.size && (in.pos != in_before || out.pos != out_before));
	j->produced = out.pos;
	ZSTD_freeDCtx(d);
	if (ZSTD_isError(rc))
		return refuse("zstd: %s", ZSTD_getErrorName(rc));
	if (rc != 0)
		return refuse("zstd: %s", out.pos == out.size ? "output larger than declared" : "stream truncated");
	return 0;
}

/* Linux packs LZ4 in the legacy frame: a magic, then blocks of (32-bit LE length, data), each <= 8 MiB out. */
static int dec_lz4(struct job *j)
{
	size_t pos = 0;
	while (pos < j->in_len) {
		if (j->in_len - pos < 4)
			return refuse("lz4: stream truncated in a block header");
		uint32_t word = rd32(j->in + pos);
		pos += 4;
		if (word == LZ4_LEGACY_MAGIC)
			continue;	/* concatenated legacy streams */
		if (word > j->in_len - pos || word > (uint32_t)LZ4_compressBound(LZ4_LEGACY_BLOCK))
			return refuse("lz4: block of %u bytes runs past the payload", word);
		size_t room = j->cap - j->produced;
		if (room > LZ4_LEGACY_BLOCK)
			room = LZ4_LEGACY_BLOCK;
		int n = LZ4_decompress_safe((const char *)j->in + pos, (char *)j->out + j->produced,
					    (int)word, (int)room);
		if (n < 0)
			return refuse("lz4: corrupt block, or output larger than declared");
		j->produced += (size_t)n;
		if (j->produced == j->cap)
			return refuse("lz4: output larger than declared");
		pos += word;
	}
	return 0;
}

/* lzop's container (what `lzop -9` writes for Linux): a header, then (out len, in len, checksums, data) blocks. */
#define LZOP_F_ADLER32_D	0x00000001u
#define LZOP_F_ADLER32_C	0x00000002u
#define LZOP_F_H_EXTRA_FIELD	0x00000040u
#define LZOP_F_CRC32_D		0x00000100u
#define LZOP_F_CRC32_C		0x00000200u
#define LZOP_F_H_FILTER		0x00000800u

static int lzop_header(const uint8_t *p, size_t n, size_t *pos_out, uint32_t *flags_out)
{
	static const uint8_t magic[9] = { 0x89, 'L', 'Z', 'O', 0, '\r', '\n', 0x1a, '\n' };
	size_t pos = 9;
	if (n < 9 + 16 || memcmp(p, magic, 9) != 0)
		return refuse("lzo: no lzop header");
	uint16_t version = (uint16_t)(p[pos] << 8 | p[pos + 1]);
	pos += 4;			/* version, library version */
	if (version >= 0x0940)
		pos += 2;		/* version needed to extract */
	pos += 1;			/* method */
	if (version >= 0x0940)
		pos += 1;		/* level */
	if (pos + 4 > n)
		return refuse("lzo: header truncated");
	uint32_t flags = rd32be(p + pos);
	pos += 4;
	if (flags & (LZOP_F_H_FILTER | LZOP_F_H_EXTRA_FIELD))
		return refuse("lzo: filters and extra header fields are not used by Linux and not accepted");
	pos += 4 + 4;			/* mode, mtime low */
	if (version >= 0x0940)
		pos += 4;		/* mtime high */
	if (pos + 1 > n)
		return refuse("lzo: header truncated");
	pos += 1 + p[pos];		/* file name */
	pos += 4;			/* header checksum */
	if (pos > n)
		return refuse("lzo: header truncated");
	*pos_out = pos;
	*flags_out = flags;
	return 0;
}

static int dec_lzo(struct job *j)
{
	size_t pos = 0;
	uint32_t flags = 0;
	if (lzo_init() != LZO_E_OK)
		return refuse("lzo: liblzo2 would not start");
	if (lzop_header(j->in, j->in_len, &pos, &flags))
		return -1;
	for (;;) {
		if (j->in_len - pos < 4)
			return refuse("lzo: stream truncated");
		uint32_t dst_len = rd32be(j->in + pos);
		pos += 4;
		if (dst_len == 0)
			return 0;
		if (j->in_len - pos < 4)
			return refuse("lzo: stream truncated");
		uint32_t src_len = rd32be(j->in + pos);
		pos += 4;
		size_t sums = ((flags & LZOP_F_ADLER32_D) ? 4 : 0) + ((flags & LZOP_F_CRC32_D) ? 4 : 0);
		if (src_len < dst_len)
			sums += ((flags & LZOP_F_ADLER32_C) ? 4 : 0) + ((flags & LZOP_F_CRC32_C) ? 4 : 0);
		if (src_len > dst_len || j->in_len - pos < sums || j->in_len - pos - sums < src_len)
			return refuse("lzo: block of %u bytes runs past the payload", src_len);
		pos += sums;
		if (dst_len >= j->cap - j->produced)
			return refuse("lzo: output larger than declared");
		if (src_len == dst_len) {
			memcpy(j->out + j->produced, j->in + pos, dst_len);
		} else {
			lzo_uint got = dst_len;
			int rc = lzo1x_decompress_safe(j->in + pos, src_len, j->out + j->produced, &got, NULL);
			if (rc != LZO_E_OK || got != dst_len)
				return refuse("lzo: corrupt block");
		}
		j->produced += dst_len;
		pos += src_len;
	}
}

static int (*const decoders[])(struct job *) = {
	[C_GZIP] = dec_gzip, [C_XZ] = dec_xz, [C_BZIP2] = dec_bzip2, [C_LZMA] = dec_lzma,
	[C_LZO] = dec_lzo, [C_LZ4] = dec_lz4, [C_ZSTD] = dec_zstd,
};

/* Bytes of the file an ELF64 x86_64 executable covers: headers, segments, sections; trailing data is not ELF. */
static int elf_extent(const uint8_t *p, size_t n, size_t *extent)
{
	if (n < 64 || memcmp(p, "\177ELF", 4) != 0 || p[4] != 2 || p[5] != 1)
		return refuse("payload is not a 64-bit little-endian ELF");
	if (rd16(p + 16) != 2 || rd16(p + 18) != 62)
		return refuse("payload ELF is not an x86_64 executable");
	uint64_t phoff = rd64(p + 32), shoff = rd64(p + 40);
	uint16_t phentsize = rd16(p + 54), phnum = rd16(p + 56), shentsize = rd16(p + 58), shnum = rd16(p + 60);
	if (phnum == 0 || phentsize < 56 || phoff > n || (uint64_t)phnum * phentsize > n - phoff)
		return refuse("payload ELF program headers run past its end");
	uint64_t end = phoff + (uint64_t)phnum * phentsize;
	for (unsigned i = 0; i < phnum; i++) {
		const uint8_t *ph = p + phoff + (uint64_t)i * phentsize;
		uint64_t off = rd64(ph + 8), filesz = rd64(ph + 32);
		if (off > n || filesz > n - off)
			return refuse("payload ELF segment %u runs past its end", i);
		if (off + filesz > end)
			end = off + filesz;
	}
	if (shnum) {
		if (shentsize < 64 || shoff > n || (uint64_t)shnum * shentsize > n - shoff)
			return refuse("payload ELF section headers run past its end");
		if (shoff + (uint64_t)shnum * shentsize > end)
			end = shoff + (uint64_t)shnum * shentsize;
		for (unsigned i = 0; i < shnum; i++) {
			const uint8_t *sh = p + shoff + (uint64_t)i * shentsize;
			uint64_t off = rd64(sh + 24), size = rd64(sh + 32);
			if (rd32(sh + 4) == 8)	/* SHT_NOBITS */
				continue;
			if (off > n || size > n - off)
				return refuse("payload ELF section %u runs past its end", i);
			if (off + size > end)
				end = off + size;
		}
	}
	*extent = (size_t)end;
	return 0;
}

/* Finds the payload in a bzImage's setup header; refuses anything the header does not vouch for. */
static int bz_payload(const struct buf *img, const uint8_t **payload, size_t *len, unsigned *version)
{
	if (img->len < BZ_HEADER_END || memcmp(img->data + BZ_HEADER, "HdrS", 4) != 0 ||
	    rd16(img->data + BZ_BOOT_FLAG) != 0xaa55)
		return refuse("not a bzImage (no HdrS setup header with the 0xaa55 boot flag) and not an ELF");
	*version = rd16(img->data + BZ_VERSION);
	if (*version < BZ_MIN_VERSION)
		return refuse("bzImage boot protocol %x.%02x predates payload_offset (2.08)",
			      *version >> 8, *version & 0xff);
	uint64_t sects = img->data[BZ_SETUP_SECTS] ? img->data[BZ_SETUP_SECTS] : 4;
	uint64_t pm = (sects + 1) * 512;
	uint64_t off = pm + rd32(img->data + BZ_PAYLOAD_OFFSET);
	uint64_t plen = rd32(img->data + BZ_PAYLOAD_LENGTH);
	if (off > img->len || plen > img->len - off)
		return refuse("bzImage payload (offset %llu, length %llu) extends past the end of the "
			      "%zu-byte file", (unsigned long long)off, (unsigned long long)plen, img->len);
	if (plen < 8)
		return refuse("bzImage payload_length %llu is too small for a compressed kernel",
			      (unsigned long long)plen);
	*payload = img->data + off;
	*len = (size_t)plen;
	return 0;
}

static int write_out(const char *path, const uint8_t *p, size_t n)
{
	char *tmp;
	if (asprintf(&tmp, "%s.tmp.%d", path, (int)getpid()) < 0)
		return refuse("out of memory");
	FILE *f = fopen(tmp, "wb");
	int rc = 0;
	if (!f || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		rc = refuse("%s: cannot write: %s", tmp, strerror(errno));
	else if (rename(tmp, path) != 0)
		rc = refuse("%s: cannot rename into place: %s", path, strerror(errno));
	if (rc)
		unlink(tmp);
	free(tmp);
	return rc;
}

static int prepare(const char *in_path, const char *out_path, size_t max_out, bool dom0)
{
	struct buf img = { 0 };
	if (read_file(in_path, MAX_IMAGE_DEFAULT, &img))
		return -1;
	const uint8_t *payload = img.data;
	size_t plen = img.len;
	unsigned version = 0;
	bool is_elf = sniff(img.data, img.len) == C_ELF;
	if (!is_elf && bz_payload(&img, &payload, &plen, &version))
		return -1;
	enum comp c = is_elf ? C_ELF : sniff(payload, plen);
	uint8_t *elf = img.data;
	size_t elf_len = img.len;
	if (c == C_UNKNOWN)
		return refuse("bzImage payload starts with %02x %02x %02x %02x: no compressor Linux uses",
			      payload[0], payload[1], payload[2], payload[3]);
	if (c != C_ELF) {
		uint32_t declared = rd32(payload + plen - 4);
		if (declared == 0 || declared > max_out)
			return refuse("%s payload declares %u bytes uncompressed; the limit is %zu",
				      comp_names[c], declared, max_out);
		struct job j = { .in = payload, .in_len = plen - 4, .cap = (size_t)declared + 1 };
		if (c == C_GZIP)
			j.in_len = plen;	/* the size is gzip's own trailer */
		j.out = malloc(j.cap);
		if (!j.out)
			return refuse("cannot allocate %zu bytes", j.cap);
		if (decoders[c](&j))
			return -1;
		if (j.produced != declared)
			return refuse("%s payload decompressed to %zu bytes, its trailer declares %u",
				      comp_names[c], j.produced, declared);
		elf = j.out;
		elf_len = j.produced;
	}
	size_t extent = 0;
	if (elf_extent(elf, elf_len, &extent))
		return -1;
	if (dom0) {
		uint8_t *packed;
		size_t packed_len, trimmed;

		if (pack_dom0(elf, extent, &packed, &packed_len, &trimmed) || write_out(out_path, packed, packed_len))
			return -1;
		printf("%s: %s: %s, ELF vmlinux %zu bytes, for dom0 %zu bytes of segments in %zu bytes of lz4\n", prog,
		       in_path, comp_names[c], extent, trimmed, packed_len);
		return 0;
	}
	if (write_out(out_path, elf, extent))
		return -1;
	if (c == C_ELF)
		printf("%s: %s: already an ELF, %zu bytes\n", prog, in_path, extent);
	else
		printf("%s: %s: bzImage protocol %x.%02x, %s payload %zu -> %zu bytes, ELF vmlinux %zu bytes\n",
		       prog, in_path, version >> 8, version & 0xff, comp_names[c], plen, elf_len, extent);
	return 0;
}

int main(int argc, char **argv)
{
	size_t max_out = MAX_OUT_DEFAULT;
	bool dom0 = false;
	int i = 1;
	if (argc > i && strcmp(argv[i], "--dom0") == 0) {
		dom0 = true;
		i++;
	}
	if (argc > i + 1 && strcmp(argv[i], "--max-output") == 0) {
		char *end;
		unsigned long long v = strtoull(argv[i + 1], &end, 0);
		if (*end || v == 0) {
			fprintf(stderr, "%s: --max-output takes a byte count\n", prog);
			return 2;
		}
		max_out = (size_t)v;
		i += 2;
	}
	if (argc - i != 2) {
		fprintf(stderr, "usage: %s [--dom0] [--max-output BYTES] IMAGE OUT\n"
				"  IMAGE: a bzImage (gzip, xz, lz4, zstd, bzip2, lzma or lzo payload) or an ELF vmlinux\n"
				"  OUT: the ELF vmlinux; with --dom0 the form dom0 loads fastest (lz4 of its segments)\n", prog);
		return 2;
	}
	return prepare(argv[i], argv[i + 1], max_out, dom0) ? 1 : 0;
}
