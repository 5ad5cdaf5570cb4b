/* SPDX-License-Identifier: MIT */
/* Unit tests of the HVM pure logic: NPT construction and lookup over a fake allocator, the CPUID filter, the 16550 model. */
#include <check.h>
#include <stdlib.h>
#include <string.h>
#include <pvabi/errno.h>

#include "hvm_cpuid.h"
#include "npt.h"
#include "uart16550.h"
#include "vioapic.h"

/* A fake frame allocator: MFNs 1000.. backed by host pages, with a limit to test refusal. */
#define FAKE_FRAMES	64
struct fake_alloc {
	uint64_t pages[FAKE_FRAMES][512];
	unsigned int used, limit;
};

static mfn_t fake_alloc(void *ctx)
{
	struct fake_alloc *f = ctx;

	if (f->used >= f->limit)
		return MFN_INVALID;
	memset(f->pages[f->used], 0, PAGE_SIZE);
	return 1000 + f->used++;
}

static uint64_t *fake_table(void *ctx, mfn_t mfn)
{
	struct fake_alloc *f = ctx;

	ck_assert(mfn >= 1000 && mfn < 1000 + f->used);
	return f->pages[mfn - 1000];
}

static struct fake_alloc *fake_new(unsigned int limit)
{
	struct fake_alloc *f = calloc(1, sizeof(*f));

	f->limit = limit;
	return f;
}

START_TEST(npt_map_and_lookup)
{
	struct fake_alloc *f = fake_new(FAKE_FRAMES);
	struct npt_ops ops = { fake_alloc, fake_table, f };
	struct npt n;

	ck_assert_int_eq(npt_init(&n, &ops), 0);
	ck_assert_uint_eq(n.nr_tables, 1);
	/* 1024 pages: 2 L1s under one L2, L3 and the root. */
	for (uint64_t pfn = 0; pfn < 1024; pfn++)
		ck_assert_int_eq(npt_map(&n, pfn << PAGE_SHIFT, 50000 + pfn * 3), 0);
	ck_assert_uint_eq(n.nr_tables, 5);
	ck_assert_uint_le(n.nr_tables, npt_tables_needed(1024));
	for (uint64_t pfn = 0; pfn < 1024; pfn++)
		ck_assert_uint_eq(npt_lookup(&n, (pfn << PAGE_SHIFT) + 123), 50000 + pfn * 3);
	ck_assert_uint_eq(npt_lookup(&n, 1024ULL << PAGE_SHIFT), MFN_INVALID);
	ck_assert_uint_eq(npt_lookup(&n, 1ULL << 40), MFN_INVALID);
	/* Every entry the guest walks through is present, writable and user (nested accesses are user accesses). */
	{
		uint64_t l4e = fake_table(f, n.root)[0];

		ck_assert_uint_eq(l4e & 7, 7);
	}
	free(f);
}
END_TEST

START_TEST(npt_refuses_bad_input)
{
	struct fake_alloc *f = fake_new(FAKE_FRAMES);
	struct npt_ops ops = { fake_alloc, fake_table, f };
	struct npt n;

	ck_assert_int_eq(npt_init(&n, &ops), 0);
	ck_assert_int_eq(npt_map(&n, 0x1001, 7), -XEN_EINVAL);
	ck_assert_int_eq(npt_map(&n, 1ULL << NPT_GPA_BITS, 7), -XEN_EINVAL);
	ck_assert_int_eq(npt_map(&n, 0, MFN_INVALID), -XEN_EINVAL);
	ck_assert_int_eq(npt_map(&n, 0, 1ULL << 45), -XEN_EINVAL);
	ck_assert_int_eq(npt_map(&n, 0x5000, 7), 0);
	ck_assert_int_eq(npt_map(&n, 0x5000, 8), -XEN_EEXIST);
	ck_assert_uint_eq(npt_lookup(&n, 0x5000), 7);
	free(f);
}
END_TEST

START_TEST(npt_allocator_refusal)
{
	struct fake_alloc *f = fake_new(3);
	struct npt_ops ops = { fake_alloc, fake_table, f };
	struct npt n;

	ck_assert_int_eq(npt_init(&n, &ops), 0);
	/* Root, L3, L2 fit; the L1 is refused. */
	ck_assert_int_eq(npt_map(&n, 0, 7), -XEN_ENOMEM);
	ck_assert_uint_eq(n.nr_tables, 3);
	ck_assert_uint_eq(npt_lookup(&n, 0), MFN_INVALID);
	f->limit = 0;
	ck_assert_int_eq(npt_init(&n, &ops), -XEN_ENOMEM);
	free(f);
}
END_TEST

START_TEST(npt_tables_bound)
{
	ck_assert_uint_eq(npt_tables_needed(1), 4);
	ck_assert_uint_eq(npt_tables_needed(512), 4);
	ck_assert_uint_eq(npt_tables_needed(513), 5);
	ck_assert_uint_eq(npt_tables_needed(4096), 11);	/* 16 MiB: 8 L1s, as the hvm.tiny boot logs */
	ck_assert_uint_eq(npt_tables_needed(8192), 19);	/* 32 MiB */
}
END_TEST

/* A host CPU that offers everything: every bit set, large max leaves, an AMD vendor. */
static void host_all(uint32_t leaf, uint32_t sub, struct cpuid_regs *r)
{
	(void)sub;
	if (leaf == 0)
		*r = (struct cpuid_regs){ 0x10, 0x68747541, 0x444d4163, 0x69746e65 };
	else if (leaf == 0x80000000u)
		*r = (struct cpuid_regs){ 0x80000021u, 1, 2, 3 };
	else
		*r = (struct cpuid_regs){ ~0u, ~0u, ~0u, ~0u };
}

/* npt_replace swaps a mapped page's frame and gives back the old one; it allocates nothing and refuses unmapped pages. */
START_TEST(npt_replace_swaps)
{
	struct fake_alloc *f = fake_new(FAKE_FRAMES);
	struct npt_ops ops = { fake_alloc, fake_table, f };
	struct npt n;
	unsigned int used;

	ck_assert_int_eq(npt_init(&n, &ops), 0);
	for (uint64_t pfn = 0; pfn < 16; pfn++)
		ck_assert_int_eq(npt_map(&n, pfn << PAGE_SHIFT, 5000 + pfn), 0);
	used = f->used;
	ck_assert_uint_eq(npt_replace(&n, 3 << PAGE_SHIFT, 777), 5003);
	ck_assert_uint_eq(npt_lookup(&n, (3 << PAGE_SHIFT) + 8), 777);
	ck_assert_uint_eq(npt_lookup(&n, 2 << PAGE_SHIFT), 5002);
	ck_assert_uint_eq(npt_lookup(&n, 4 << PAGE_SHIFT), 5004);
	ck_assert_uint_eq(npt_replace(&n, 3 << PAGE_SHIFT, 5003), 777);
	ck_assert_uint_eq(npt_lookup(&n, 3 << PAGE_SHIFT), 5003);
	/* Unmapped (below and beyond a table that exists, and where no table exists), unaligned, bad frames. */
	ck_assert_uint_eq(npt_replace(&n, 16 << PAGE_SHIFT, 9), MFN_INVALID);
	ck_assert_uint_eq(npt_replace(&n, 1ULL << 39, 9), MFN_INVALID);
	ck_assert_uint_eq(npt_replace(&n, 1ULL << NPT_GPA_BITS, 9), MFN_INVALID);
	ck_assert_uint_eq(npt_replace(&n, 0x1008, 9), MFN_INVALID);
	ck_assert_uint_eq(npt_replace(&n, 0x1000, MFN_INVALID), MFN_INVALID);
	ck_assert_uint_eq(npt_replace(&n, 0x1000, 1ULL << 45), MFN_INVALID);
	ck_assert_uint_eq(npt_lookup(&n, 16 << PAGE_SHIFT), MFN_INVALID);
	ck_assert_uint_eq(npt_lookup(&n, 0x1000), 5001);
	ck_assert_uint_eq(f->used, used);
	free(f);
}
END_TEST

/* Xen's leaves for @xen guests: signature, version, the hypercall MSR, the vCPU id; other leaves are not theirs. */
START_TEST(cpuid_xen_leaves)
{
	struct cpuid_regs r;
	char sig[13] = { 0 };

	ck_assert(hvm_cpuid_xen(0x40000000u, 3, &r));
	memcpy(sig, &r.b, 4);
	memcpy(sig + 4, &r.c, 4);
	memcpy(sig + 8, &r.d, 4);
	ck_assert_str_eq(sig, "XenVMMXenVMM");
	ck_assert_uint_ge(r.a, 0x40000004u);
	ck_assert(hvm_cpuid_xen(0x40000001u, 3, &r));
	ck_assert_uint_eq(r.a, (4u << 16) | 17u);
	ck_assert(hvm_cpuid_xen(0x40000002u, 3, &r));
	ck_assert_uint_eq(r.a, 1);
	ck_assert_uint_eq(r.b, 0x40000000u);
	ck_assert(hvm_cpuid_xen(0x40000004u, 3, &r));
	ck_assert_uint_eq(r.a & (1u << 3), 1u << 3);
	ck_assert_uint_eq(r.b, 3);
	ck_assert(hvm_cpuid_xen(0x400000ffu, 3, &r));
	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);
	ck_assert(!hvm_cpuid_xen(0x40000100u, 3, &r));
	ck_assert(!hvm_cpuid_xen(0x3fffffffu, 3, &r));
	ck_assert(!hvm_cpuid_xen(1, 3, &r));
}
END_TEST

START_TEST(cpuid_filter)
{
	struct cpuid_regs r;

	hvm_cpuid(0, 0, 0, host_all, &r);
	ck_assert_uint_eq(r.a, HVM_CPUID_MAX_BASIC);
	ck_assert_uint_eq(r.b, 0x68747541);
	hvm_cpuid(1, 0, 3, host_all, &r);
	ck_assert_uint_eq(r.b >> 24, 3);		/* APIC id = vCPU id */
	ck_assert(r.c & (1u << 31));			/* hypervisor present */
	ck_assert(!(r.c & (1u << 5)));			/* no VMX */
	ck_assert(!(r.c & (1u << 26)) && !(r.c & (1u << 27)));	/* no XSAVE/OSXSAVE */
	ck_assert(r.c & (1u << 21) && r.d & (1u << 9));	/* an APIC, in x2APIC mode */
	ck_assert(r.c & (1u << 24));			/* the TSC-deadline timer (vlapic.c) */
	ck_assert(r.d & (1u << 0) && r.d & (1u << 24) && r.d & (1u << 26));	/* FPU FXSR SSE2 */
	hvm_cpuid(0x80000001u, 0, 0, host_all, &r);
	ck_assert(!(r.c & (1u << 2)));			/* no SVM */
	ck_assert(!(r.d & (1u << 27)));			/* no RDTSCP */
	ck_assert(r.d & (1u << 29) && r.d & (1u << 20) && r.d & (1u << 11));	/* LM NX SYSCALL */
	hvm_cpuid(0x80000000u, 0, 0, host_all, &r);
	ck_assert_uint_eq(r.a, HVM_CPUID_MAX_EXT);
	hvm_cpuid(0x8000000au, 0, 0, host_all, &r);
	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);	/* the SVM leaf is out of range */
	hvm_cpuid(0xd, 0, 0, host_all, &r);
	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);
	hvm_cpuid(7, 1, 0, host_all, &r);
	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);
	hvm_cpuid(HVM_CPUID_BASE, 0, 0, host_all, &r);
	ck_assert_uint_eq(r.a, HVM_CPUID_BASE);
	ck_assert_mem_eq(&r.b, "Skif", 4);
	ck_assert_mem_eq(&r.c, "fSki", 4);
	ck_assert_mem_eq(&r.d, "ffSk", 4);
	hvm_cpuid(HVM_CPUID_BASE + 1, 0, 0, host_all, &r);
	ck_assert_uint_eq(r.a | r.b | r.c | r.d, 0);
	hvm_cpuid(6, 0, 0, host_all, &r);
	ck_assert_uint_eq(r.a, 1u << 2);		/* ARAT alone */
	ck_assert_uint_eq(r.b | r.c | r.d, 0);
	hvm_cpuid(0x80000007u, 0, 0, host_all, &r);
	ck_assert_uint_eq(r.a | r.b | r.c, 0);
	ck_assert_uint_eq(r.d, 1u << 8);		/* invariant TSC, nothing else */
	hvm_cpuid(7, 0, 0, host_all, &r);
	ck_assert(r.b & (1u << 1));			/* TSC_ADJUST */
}
END_TEST

START_TEST(uart_model)
{
	struct uart16550 u;
	uint8_t c = 0;

	uart_reset(&u);
	ck_assert_uint_eq(uart_read(&u, 5) & 0x60, 0x60);	/* transmitter always empty */
	ck_assert(uart_write(&u, 0, 'x', &c));
	ck_assert_uint_eq(c, 'x');
	/* DLAB: register 0 and 1 are the divisor, nothing is sent. */
	uart_write(&u, 3, 0x83, &c);
	ck_assert(!uart_write(&u, 0, 1, &c));
	uart_write(&u, 1, 0, &c);
	ck_assert_uint_eq(uart_read(&u, 0), 1);
	uart_write(&u, 3, 0x03, &c);
	ck_assert_uint_eq(uart_read(&u, 3), 0x03);
	ck_assert_uint_eq(uart_read(&u, 2) & 1, 1);		/* no interrupt pending */
	uart_write(&u, 7, 0x5a, &c);
	ck_assert_uint_eq(uart_read(&u, 7), 0x5a);
	/* Loopback: nothing goes out, modem status follows MCR (Linux's 8250 probe). */
	uart_write(&u, 4, 0x1a, &c);
	ck_assert(!uart_write(&u, 0, 'y', &c));
	ck_assert_uint_eq(uart_read(&u, 6) & 0xf0, 0x90);
}
END_TEST

/* Interrupts as Linux's 8250 driver sees them: THRE on enabling and after each byte, RDA over THRE, OUT2 gating. */
START_TEST(uart_interrupts)
{
	struct uart16550 u;
	uint8_t c = 0;
	const uint8_t typed[3] = { 'l', 's', '\n' };

	uart_reset(&u);
	ck_assert(!uart_irq_line(&u));
	uart_write(&u, 1, 0x02, &c);			/* IER: THRE only */
	ck_assert(!uart_irq_line(&u));			/* OUT2 off: the PC's gate holds the line */
	uart_write(&u, 4, 0x08, &c);			/* MCR: OUT2 */
	ck_assert(uart_irq_line(&u));
	ck_assert_uint_eq(uart_read(&u, 2) & 0x0f, 0x02);	/* IIR: THRE, which this read acknowledges */
	ck_assert(!uart_irq_line(&u));
	ck_assert_uint_eq(uart_read(&u, 2) & 0x0f, 0x01);
	ck_assert(uart_write(&u, 0, 'a', &c));		/* a byte out: the holding register empties again */
	ck_assert(uart_irq_line(&u));
	uart_write(&u, 1, 0x00, &c);			/* IER 0: no source */
	ck_assert(!uart_irq_line(&u));
	uart_write(&u, 1, 0x02, &c);			/* enabling THRE with the transmitter empty raises it */
	ck_assert(uart_irq_line(&u));
	ck_assert_uint_eq(uart_read(&u, 2) & 0x0f, 0x02);
	/* Receive: the FIFO, LSR.DR, RDA before THRE, the line falls when the FIFO is empty. */
	uart_write(&u, 1, 0x03, &c);
	ck_assert_uint_eq(uart_receive(&u, typed, 3), 3);
	ck_assert(uart_irq_line(&u));
	ck_assert_uint_eq(uart_read(&u, 5) & 0x01, 0x01);
	ck_assert_uint_eq(uart_read(&u, 2) & 0x0f, 0x04);
	ck_assert_uint_eq(uart_read(&u, 0), 'l');
	ck_assert_uint_eq(uart_read(&u, 0), 's');
	ck_assert_uint_eq(uart_read(&u, 0), '\n');
	ck_assert_uint_eq(uart_read(&u, 5) & 0x01, 0);
	ck_assert_uint_eq(uart_read(&u, 0), 0);		/* an empty FIFO reads 0, takes nothing */
	ck_assert(!uart_irq_line(&u));			/* THRE was acknowledged before the bytes came */
	ck_assert_uint_eq(uart_read(&u, 2) & 0x0f, 0x01);
	/* A full FIFO drops the rest and counts it; FCR's clear empties it. */
	for (unsigned int i = 0; i < UART_RX_SIZE; i++)
		ck_assert_uint_eq(uart_receive(&u, typed, 1), 1);
	ck_assert_uint_eq(uart_receive(&u, typed, 3), 0);
	ck_assert_uint_eq(u.rx_dropped, 3);
	uart_write(&u, 2, 0x03, &c);
	ck_assert_uint_eq(uart_read(&u, 5) & 0x01, 0);
	/* Loopback: the line stays down whatever is pending. */
	uart_receive(&u, typed, 1);
	uart_write(&u, 4, 0x18, &c);
	ck_assert(!uart_irq_line(&u));
}
END_TEST

static void ioapic_sel(struct vioapic *io, uint32_t reg, uint32_t val, struct vioapic_irq *irq, bool *fired)
{
	ck_assert(!vioapic_write(io, 0x00, reg, irq));
	*fired = vioapic_write(io, 0x10, val, irq);
}

static uint32_t ioapic_get(struct vioapic *io, uint32_t reg)
{
	struct vioapic_irq irq;

	ck_assert(!vioapic_write(io, 0x00, reg, &irq));
	return vioapic_read(io, 0x10);
}

START_TEST(ioapic_registers)
{
	struct vioapic io;
	struct vioapic_irq irq;
	bool fired;

	vioapic_reset(&io, 2);
	ck_assert_uint_eq(ioapic_get(&io, 0), 2u << 24);
	ck_assert_uint_eq(ioapic_get(&io, 1), (23u << 16) | 0x11);
	for (unsigned int p = 0; p < VIOAPIC_PINS; p++)
		ck_assert_uint_eq(ioapic_get(&io, 0x10 + 2 * p), 1u << 16);	/* masked from reset */
	/* Version and the registers past the last pin ignore writes; every index is bounded. */
	ioapic_sel(&io, 1, 0, &irq, &fired);
	ck_assert_uint_eq(ioapic_get(&io, 1), (23u << 16) | 0x11);
	for (uint32_t reg = 0x10 + 2 * VIOAPIC_PINS; reg < 0x100; reg++) {
		ioapic_sel(&io, reg, 0xffffffffu, &irq, &fired);
		ck_assert(!fired);
		ck_assert_uint_eq(ioapic_get(&io, reg), 0xffffffffu);
	}
	ioapic_sel(&io, 0x12345678u, 0, &irq, &fired);		/* IOREGSEL keeps 8 bits */
	ck_assert_uint_eq(vioapic_read(&io, 0), 0x78);
	ck_assert_uint_eq(vioapic_read(&io, 0x20), 0);		/* between the windows */
	ck_assert(!vioapic_write(&io, 0x40, 0x31, &irq));	/* no EOI register at version 0x11 */
	/* Delivery status and remote IRR are read-only. */
	ioapic_sel(&io, 0x10 + 2 * 4, 0xffffffffu, &irq, &fired);
	ck_assert_uint_eq(ioapic_get(&io, 0x10 + 2 * 4) & (3u << 12 | 1u << 14), 1u << 13);
}
END_TEST

START_TEST(ioapic_edges)
{
	struct vioapic io;
	struct vioapic_irq irq;
	bool fired;

	vioapic_reset(&io, 1);
	/* A masked pin: the edge is lost, as on an 82093AA, unless the line is still up at unmask. */
	ck_assert(!vioapic_set_level(&io, 4, true, &irq));
	ioapic_sel(&io, 0x11 + 2 * 4, 1u << 24, &irq, &fired);		/* destination 1 */
	ioapic_sel(&io, 0x10 + 2 * 4, 0x30, &irq, &fired);		/* vector 0x30, fixed, unmasked */
	ck_assert(fired);
	ck_assert_uint_eq(irq.vector, 0x30);
	ck_assert_uint_eq(irq.dest, 1);
	ck_assert(!irq.logical && !irq.lowest);
	/* Only a rising edge interrupts; a line held up does not repeat. */
	ck_assert(!vioapic_set_level(&io, 4, true, &irq));
	ck_assert(!vioapic_set_level(&io, 4, false, &irq));
	ck_assert(vioapic_set_level(&io, 4, true, &irq));
	ck_assert_uint_eq(io.delivered, 2);
	/* Hostile entries: vectors below 16, SMI, NMI, INIT, ExtINT and the reserved modes never leave the I/O APIC. */
	for (unsigned int mode = 2; mode < 8; mode++) {
		vioapic_set_level(&io, 4, false, &irq);
		ioapic_sel(&io, 0x10 + 2 * 4, mode << 8 | 0x40, &irq, &fired);
		ck_assert(!fired);
		ck_assert(!vioapic_set_level(&io, 4, true, &irq));
	}
	for (unsigned int vec = 0; vec < 16; vec++) {
		vioapic_set_level(&io, 4, false, &irq);
		ioapic_sel(&io, 0x10 + 2 * 4, vec, &irq, &fired);
		ck_assert(!vioapic_set_level(&io, 4, true, &irq));
	}
	ck_assert_uint_eq(io.delivered, 2);
	ck_assert_uint_eq(io.refused, 6 + 16);
	/* Logical, lowest priority: passed on as the entry says. */
	vioapic_set_level(&io, 4, false, &irq);
	ioapic_sel(&io, 0x10 + 2 * 4, 1u << 11 | 1u << 8 | 0xef, &irq, &fired);
	ck_assert(vioapic_set_level(&io, 4, true, &irq));
	ck_assert(irq.logical && irq.lowest);
	ck_assert_uint_eq(irq.vector, 0xef);
	/* Pins past the last one do not exist. */
	ck_assert(!vioapic_set_level(&io, VIOAPIC_PINS, true, &irq));
	ck_assert(!vioapic_set_level(&io, 1000, true, &irq));
}
END_TEST

int main(void)
{
	Suite *s = suite_create("hvm");
	TCase *tc = tcase_create("core");
	SRunner *r;
	int failed;

	tcase_add_test(tc, npt_map_and_lookup);
	tcase_add_test(tc, npt_refuses_bad_input);
	tcase_add_test(tc, npt_allocator_refusal);
	tcase_add_test(tc, npt_tables_bound);
	tcase_add_test(tc, cpuid_filter);
	tcase_add_test(tc, npt_replace_swaps);
	tcase_add_test(tc, cpuid_xen_leaves);
	tcase_add_test(tc, uart_model);
	tcase_add_test(tc, uart_interrupts);
	tcase_add_test(tc, ioapic_registers);
	tcase_add_test(tc, ioapic_edges);
	suite_add_tcase(s, tc);
	r = srunner_create(s);
	srunner_run_all(r, CK_NORMAL);
	failed = srunner_ntests_failed(r);
	srunner_free(r);
	return failed ? 1 : 0;
}
