/* SPDX-License-Identifier: MIT */
/* CRC-32 (gzip, xz) and CRC-64 (xz) with constant lookup tables, so no state needs initialising at run time. */
#include "loader_lib.h"
#include "decompress.h"

/*
 * A byte-wise CRC table is linear over XOR: T[a ^ b] = T[a] ^ T[b]. So a
 * whole table follows from its eight entries T[1 << k], which makes it
 * possible to build the tables in the preprocessor: they sit in .rodata,
 * need no init and cannot race. The constants were computed from the
 * reflected polynomials (IEEE 0xedb88320, ECMA-182 0xc96c5795d7870f42).
 *
 * CRC-32 checks the whole decompressed kernel, so it is sliced by eight:
 * table k gives the CRC of a byte followed by k zero bytes, and eight
 * lookups retire eight input bytes. CRC-64 (xz's default, not used for
 * kernels) stays byte-wise to keep .rodata small.
 */
#define CRC_BIT(n, k, K)	(((n) >> (k) & 1) ? (K) : 0)
#define CRC_LIN(n, k0, k1, k2, k3, k4, k5, k6, k7) \
	(CRC_BIT(n, 0, k0) ^ CRC_BIT(n, 1, k1) ^ CRC_BIT(n, 2, k2) ^ CRC_BIT(n, 3, k3) ^ \
	 CRC_BIT(n, 4, k4) ^ CRC_BIT(n, 5, k5) ^ CRC_BIT(n, 6, k6) ^ CRC_BIT(n, 7, k7))

#define CRC32_S0(n) CRC_LIN(n, 0x77073096u, 0xee0e612cu, 0x076dc419u, 0x0edb8832u, \
			    0x1db71064u, 0x3b6e20c8u, 0x76dc4190u, 0xedb88320u)
#define CRC32_S1(n) CRC_LIN(n, 0x191b3141u, 0x32366282u, 0x646cc504u, 0xc8d98a08u, \
			    0x4ac21251u, 0x958424a2u, 0xf0794f05u, 0x3b83984bu)
#define CRC32_S2(n) CRC_LIN(n, 0x01c26a37u, 0x0384d46eu, 0x0709a8dcu, 0x0e1351b8u, \
			    0x1c26a370u, 0x384d46e0u, 0x709a8dc0u, 0xe1351b80u)
#define CRC32_S3(n) CRC_LIN(n, 0xb8bc6765u, 0xaa09c88bu, 0x8f629757u, 0xc5b428efu, \
			    0x5019579fu, 0xa032af3eu, 0x9b14583du, 0xed59b63bu)
#define CRC32_S4(n) CRC_LIN(n, 0x3d6029b0u, 0x7ac05360u, 0xf580a6c0u, 0x30704bc1u, \
			    0x60e09782u, 0xc1c12f04u, 0x58f35849u, 0xb1e6b092u)
#define CRC32_S5(n) CRC_LIN(n, 0xcb5cd3a5u, 0x4dc8a10bu, 0x9b914216u, 0xec53826du, \
			    0x03d6029bu, 0x07ac0536u, 0x0f580a6cu, 0x1eb014d8u)
#define CRC32_S6(n) CRC_LIN(n, 0xa6770bb4u, 0x979f1129u, 0xf44f2413u, 0x33ef4e67u, \
			    0x67de9cceu, 0xcfbd399cu, 0x440b7579u, 0x8816eaf2u)
#define CRC32_S7(n) CRC_LIN(n, 0xccaa009eu, 0x4225077du, 0x844a0efau, 0xd3e51bb5u, \
			    0x7cbb312bu, 0xf9766256u, 0x299dc2edu, 0x533b85dau)
#define CRC64_S0(n) CRC_LIN(n, 0xb32e4cbe03a75f6full, 0xf4843657a840a05bull, \
			    0x7bd0c384ff8f5e33ull, 0xf7a18709ff1ebc66ull, \
			    0x7d9ba13851336649ull, 0xfb374270a266cc92ull, \
			    0x64b62bcaebc387a1ull, 0xc96c5795d7870f42ull)

#define CRC_ROW8(E, b)	E((b) + 0), E((b) + 1), E((b) + 2), E((b) + 3), \
			E((b) + 4), E((b) + 5), E((b) + 6), E((b) + 7)
#define CRC_ROW64(E, b)	CRC_ROW8(E, (b) + 0), CRC_ROW8(E, (b) + 8), \
			CRC_ROW8(E, (b) + 16), CRC_ROW8(E, (b) + 24), \
			CRC_ROW8(E, (b) + 32), CRC_ROW8(E, (b) + 40), \
			CRC_ROW8(E, (b) + 48), CRC_ROW8(E, (b) + 56)
#define CRC_TABLE(E)	{ CRC_ROW64(E, 0), CRC_ROW64(E, 64), \
			  CRC_ROW64(E, 128), CRC_ROW64(E, 192) }

static const uint32_t crc32_table[8][256] = {
	CRC_TABLE(CRC32_S0), CRC_TABLE(CRC32_S1), CRC_TABLE(CRC32_S2), CRC_TABLE(CRC32_S3),
	CRC_TABLE(CRC32_S4), CRC_TABLE(CRC32_S5), CRC_TABLE(CRC32_S6), CRC_TABLE(CRC32_S7),
};
static const uint64_t crc64_table[256] = CRC_TABLE(CRC64_S0);

static inline uint32_t crc_le32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

uint32_t crc32_update(uint32_t crc, const uint8_t *buf, size_t len)
{
	const uint32_t (*t)[256] = crc32_table;

	crc = ~crc;
	for (; len >= 8; buf += 8, len -= 8) {
		uint32_t lo = crc ^ crc_le32(buf), hi = crc_le32(buf + 4);

		crc = t[7][lo & 0xff] ^ t[6][(lo >> 8) & 0xff] ^ t[5][(lo >> 16) & 0xff] ^ t[4][lo >> 24] ^
		      t[3][hi & 0xff] ^ t[2][(hi >> 8) & 0xff] ^ t[1][(hi >> 16) & 0xff] ^ t[0][hi >> 24];
	}
	while (len--)
		crc = t[0][(crc ^ *buf++) & 0xff] ^ (crc >> 8);
	return ~crc;
}

uint64_t crc64_update(uint64_t crc, const uint8_t *buf, size_t len)
{
	crc = ~crc;
	for (size_t i = 0; i < len; i++)
		crc = crc64_table[(crc ^ buf[i]) & 0xff] ^ (crc >> 8);
	return ~crc;
}
