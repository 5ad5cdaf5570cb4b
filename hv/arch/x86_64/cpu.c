/* SPDX-License-Identifier: MIT */
/* Descriptor tables: one shared IDT, and per-CPU GDT and TSS with the hypervisor's selectors at Xen's offsets. */
#include <asm/desc.h>
#include <asm/layout.h>
#include <asm/paging.h>
#include <asm/x86.h>
#include <hv/frame.h>
#include <hv/heap.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/mm.h>
#include <hv/percpu.h>

struct idt_gate {
	uint16_t off_lo;
	uint16_t sel;
	uint8_t ist;
	uint8_t type;
	uint16_t off_mid;
	uint32_t off_hi;
	uint32_t reserved;
} __packed;

struct desc_ptr {
	uint16_t limit;
	uint64_t base;
} __packed;

/* Written once by the boot CPU before any other CPU starts; read-only after. */
static struct idt_gate idt[256] __aligned(16);

/* Stub addresses from entry.S, one per vector. */
extern const uint64_t entry_stubs[256];

static void set_gate(unsigned int vec, uint64_t handler, unsigned int ist, unsigned int dpl)
{
	idt[vec] = (struct idt_gate){
		.off_lo = (uint16_t)handler,
		.sel = HV_CS64,
		.ist = (uint8_t)ist,
		.type = (uint8_t)(0x8e | (dpl << 5)),	/* present, 64-bit interrupt gate */
		.off_mid = (uint16_t)(handler >> 16),
		.off_hi = (uint32_t)(handler >> 32),
	};
}

void idt_init(void)
{
	for (unsigned int v = 0; v < 256; v++)
		set_gate(v, entry_stubs[v], 0, 0);
	/* Stacks that are known good even if rsp is not: a #DF or NMI may arrive anywhere. */
	set_gate(VEC_DF, entry_stubs[VEC_DF], IST_DF, 0);
	set_gate(VEC_NMI, entry_stubs[VEC_NMI], IST_NMI, 0);
	set_gate(VEC_MC, entry_stubs[VEC_MC], IST_MC, 0);
	/* int3, into and int $0x80 from guest ring 3 arrive as themselves, as on bare hardware. */
	set_gate(3, entry_stubs[3], 0, 3);
	set_gate(4, entry_stubs[4], 0, 3);
	set_gate(VEC_INT80, entry_stubs[VEC_INT80], 0, 3);
}

static void set_seg(uint8_t *gdt, unsigned int sel, uint64_t desc)
{
	memcpy(gdt + (sel & ~7u), &desc, 8);
}

static void set_tss_desc(uint8_t *gdt, const struct tss *tss)
{
	uint64_t base = (uint64_t)(uintptr_t)tss;
	uint64_t lo = (sizeof(*tss) - 1) | ((base & 0xffffff) << 16) | (0x89ULL << 40) |
		      (((base >> 24) & 0xff) << 56);
	uint64_t hi = base >> 32;

	memcpy(gdt + HV_TSS, &lo, 8);
	memcpy(gdt + HV_TSS + 8, &hi, 8);
}

static void fill_gdt(uint8_t *gdt, const struct tss *tss)
{
	set_seg(gdt, HV_CS64, 0x00af9b000000ffffULL);		/* ring 0, 64-bit code */
	set_seg(gdt, HV_DS64, 0x00cf93000000ffffULL);		/* ring 0 data */
	set_seg(gdt, GUEST_CS32, 0x00cffb000000ffffULL);	/* ring 3, 32-bit code */
	set_seg(gdt, GUEST_DS, 0x00cff3000000ffffULL);		/* ring 3 data */
	set_seg(gdt, GUEST_CS64, 0x00affb000000ffffULL);	/* ring 3, 64-bit code */
	set_tss_desc(gdt, tss);
}

static void load_tables(uint8_t *gdt)
{
	struct desc_ptr g = { GDT_LIMIT, (uint64_t)(uintptr_t)gdt };
	struct desc_ptr i = { sizeof(idt) - 1, (uint64_t)(uintptr_t)idt };

	__asm__ volatile("lgdt %0" :: "m"(g) : "memory");
	/* Reload CS through a far return, data segments with the null selector (64-bit ignores them). */
	__asm__ volatile("pushq %0\n\t"
			 "leaq 1f(%%rip), %%rax\n\t"
			 "pushq %%rax\n\t"
			 "lretq\n"
			 "1:\n\t"
			 "movl %1, %%eax\n\t"
			 "movl %%eax, %%ss\n\t"
			 "xorl %%eax, %%eax\n\t"
			 "movl %%eax, %%ds\n\t"
			 "movl %%eax, %%es\n\t"
			 "movl %%eax, %%fs\n\t"
			 "movl %%eax, %%gs"
			 :: "i"(HV_CS64), "i"(HV_DS64) : "rax", "memory");
	__asm__ volatile("lidt %0" :: "m"(i) : "memory");
	__asm__ volatile("ltr %w0" :: "r"(HV_TSS) : "memory");
}

mfn_t zero_gdt_mfn = MFN_INVALID;

void cpu_tables_init(struct percpu *pc)
{
	uintptr_t blk = (uintptr_t)pc->stack_block;
	mfn_t hv_page = frame_alloc_zeroed(0, &frame_owner_hv);
	struct tss *tss;

	/* The boot CPU runs this first, alone: the zero page is made once. */
	if (zero_gdt_mfn == MFN_INVALID)
		zero_gdt_mfn = frame_alloc_zeroed(0, &frame_owner_hv);
	if (hv_page == MFN_INVALID || zero_gdt_mfn == MFN_INVALID)
		panic("cpu%u: no memory for its GDT", pc->cpu_id);
	/* Guest GDT frames fill pages 0-13 while a vCPU runs; page 14 holds our selectors at 0xe000. */
	for (unsigned int p = 0; p < GDT_WINDOW_PAGES; p++)
		paging_gdt_map(pc->cpu_id, p, p == GDT_HV_FIRST_BYTE / PAGE_SIZE ? hv_page : zero_gdt_mfn);
	pc->gdt = paging_gdt_window(pc->cpu_id);
	tss = hv_zalloc(sizeof(*tss));
	if (!tss)
		panic("cpu%u: no memory for its TSS", pc->cpu_id);
	tss->rsp[0] = blk + STACK_PRIMARY_TOP;
	tss->ist[IST_DF - 1] = blk + STACK_IST_DF_TOP;
	tss->ist[IST_NMI - 1] = blk + STACK_IST_NMI_TOP;
	tss->ist[IST_MC - 1] = blk + STACK_IST_MC_TOP;
	tss->iomap_base = sizeof(*tss);	/* no I/O bitmap: ring 3 port access always traps */
	pc->tss = tss;
	fill_gdt(pc->gdt, tss);
	load_tables(pc->gdt);
}
