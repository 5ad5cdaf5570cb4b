/* CRC-32 (gzip, xz) and CRC-64 (xz) with constant lookup tables, so no state needs initialising at run time. */
#include <hv/types.h>
#include <hv/lib.h>
#include <hv/decompress.h>

/*
 * A byte-wise CRC table is linear over XOR: T[a ^ b] = T[a] ^ T[b]. So the
 * whole table follows from the eight entries T[1 << k], which are the
 * reflected polynomials below shifted through eight bit steps. Building the
 * table in the preprocessor keeps it in .rodata (no init, no races).
 */
#define CRC32_K0 0x77073096u
#define CRC32_K1 0xee0e612cu
#define CRC32_K2 0x076dc419u
#define CRC32_K3 0x0edb8832u
#define CRC32_K4 0x1db71064u
#define CRC32_K5 0x3b6e20c8u
#define CRC32_K6 0x76dc4190u
#define CRC32_K7 0xedb88320u	/* the reflected IEEE polynomial itself */

#define CRC64_K0 0xb32e4cbe03a75f6full
#define CRC64_K1 0xf4843657a840a05bull
#define CRC64_K2 0x7bd0c384ff8f5e33ull
#define CRC64_K3 0xf7a18709ff1ebc66ull
#define CRC64_K4 0x7d9ba13851336649ull
#define CRC64_K5 0xfb374270a266cc92ull
#define CRC64_K6 0x64b62bcaebc387a1ull
#define CRC64_K7 0xc96c5795d7870f42ull	/* the reflected ECMA-182 polynomial */

#define CRC_BIT(n, k, K)	(((n) >> (k) & 1) ? (K) : 0)
#define CRC32_E(n) (CRC_BIT(n, 0, CRC32_K0) ^ CRC_BIT(n, 1, CRC32_K1) ^ \
		    CRC_BIT(n, 2, CRC32_K2) ^ CRC_BIT(n, 3, CRC32_K3) ^ \
		    CRC_BIT(n, 4, CRC32_K4) ^ CRC_BIT(n, 5, CRC32_K5) ^ \
		    CRC_BIT(n, 6, CRC32_K6) ^ CRC_BIT(n, 7, CRC32_K7))
#define CRC64_E(n) (CRC_BIT(n, 0, CRC64_K0) ^ CRC_BIT(n, 1, CRC64_K1) ^ \
		    CRC_BIT(n, 2, CRC64_K2) ^ CRC_BIT(n, 3, CRC64_K3) ^ \
		    CRC_BIT(n, 4, CRC64_K4) ^ CRC_BIT(n, 5, CRC64_K5) ^ \
		    CRC_BIT(n, 6, CRC64_K6) ^ CRC_BIT(n, 7, CRC64_K7))

#define CRC_ROW8(E, b)	E((b) + 0), E((b) + 1), E((b) + 2), E((b) + 3), \
			E((b) + 4), E((b) + 5), E((b) + 6), E((b) + 7)
#define CRC_ROW64(E, b)	CRC_ROW8(E, (b) + 0), CRC_ROW8(E, (b) + 8), \
			CRC_ROW8(E, (b) + 16), CRC_ROW8(E, (b) + 24), \
			CRC_ROW8(E, (b) + 32), CRC_ROW8(E, (b) + 40), \
			CRC_ROW8(E, (b) + 48), CRC_ROW8(E, (b) + 56)
#define CRC_TABLE(E)	CRC_ROW64(E, 0), CRC_ROW64(E, 64), \
			CRC_ROW64(E, 128), CRC_ROW64(E, 192)

static const uint32_t crc32_table[256] = { CRC_TABLE(CRC32_E) };
static const uint64_t crc64_table[256] = { CRC_TABLE(CRC64_E) };

uint32_t crc32_update(uint32_t crc, const uint8_t *buf, size_t len)
{
	crc = ~crc;
	for (size_t i = 0; i < len; i++)
		crc = crc32_table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint64_t crc64_update(uint64_t crc, const uint8_t *buf, size_t len)
{
	crc = ~crc;
	for (size_t i = 0; i < len; i++)
		crc = crc64_table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}
