/* SPDX-License-Identifier: MIT */
/*
 * The differential tester's instruction steps: privileged and faulting
 * instructions run by the guest kernel, each guarded so that an exception
 * the hypervisor delivers through the trap table is recorded (vector,
 * error code, whether it points at the instruction or after it) and the
 * guest resumes after the instruction. Values read back are printed unless
 * they are the machine's (TSC, descriptor-table addresses, raw CR0 bits
 * the guest cannot see through the emulation).
 */
#include "dt.h"

/* Where the guarded instruction starts: the exception's rip is compared with it. */
volatile uint64_t dt_insn_ip;

/* Around a guarded instruction: the resume point and the instruction's address (r11 is clobbered). */
#define G_PRE	"leaq 1f(%%rip), %%r11\n\tmovq %%r11, dt_resume(%%rip)\n\t" \
		"leaq 0f(%%rip), %%r11\n\tmovq %%r11, dt_insn_ip(%%rip)\n0: "
#define G_POST	"\n1:\n\tmovq $0, dt_resume(%%rip)"

static void name(struct dt_step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void name(struct dt_step *s, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	memcpy(s->name, "insn:", 5);
	rt_vsnprintf(s->name + 5, sizeof(s->name) - 5, fmt, ap);
	va_end(ap);
	if (dt_trace)
		rt_printf("T %s\n", s->name);
}

/* The exception's rip: at the instruction (a fault), after it (a trap), or elsewhere. */
static void where_rip(struct dt_step *s)
{
	if (dt_exc.vector < 0)
		return;
	dt_statef(s, "%srip=%s", s->state[0] ? "," : "",
		  dt_exc.rip == dt_insn_ip ? "insn" :
		  dt_exc.rip > dt_insn_ip && dt_exc.rip <= dt_insn_ip + 16 ? "after" : "other");
}

static uint64_t rdmsr(uint64_t msr, int *vec)
{
	uint32_t lo = 0, hi = 0;

	dt_exc.vector = -1;
	__asm__ volatile(G_PRE "rdmsr" G_POST : "+a"(lo), "+d"(hi) : "c"(msr) : "r11", "memory");
	*vec = dt_exc.vector;
	return ((uint64_t)hi << 32) | lo;
}

static int wrmsr(uint64_t msr, uint64_t v)
{
	dt_exc.vector = -1;
	__asm__ volatile(G_PRE "wrmsr" G_POST :: "c"(msr), "a"((uint32_t)v), "d"((uint32_t)(v >> 32))
			 : "r11", "memory");
	return dt_exc.vector;
}

uint64_t dt_read_cr0(int *vec)
{
	uint64_t v = 0;

	dt_exc.vector = -1;
	__asm__ volatile(G_PRE "movq %%cr0, %0" G_POST : "+r"(v) :: "r11", "memory");
	*vec = dt_exc.vector;
	return v;
}

static void msr_state(struct dt_step *s, const char *what, uint64_t msr)
{
	int vec;
	uint64_t v = rdmsr(msr, &vec);
	char c[48];

	if (vec >= 0)
		rt_snprintf(c, sizeof(c), "!%d", vec);
	else if (v >= RT_PTR(dt_buf) && v < RT_PTR(dt_buf) + 8192)
		rt_snprintf(c, sizeof(c), "buf+%#llx", (unsigned long long)(v - RT_PTR(dt_buf)));
	else
		rt_snprintf(c, sizeof(c), "%#llx", (unsigned long long)v);
	dt_statef(s, "%s%s=%s", s->state[0] ? "," : "", what, c);
}

void dt_segment_state(struct dt_step *s)
{
	uint16_t gs, fs;

	msr_state(s, "fs", 0xc0000100);
	msr_state(s, "gs", 0xc0000101);
	msr_state(s, "kgs", 0xc0000102);
	__asm__ volatile("movw %%gs, %0\n\tmovw %%fs, %1" : "=r"(gs), "=r"(fs));
	dt_statef(s, ",gsel=%#x,fsel=%#x", gs, fs);
}

static void op_rdmsr(struct dt_step *s)
{
	static const uint64_t msrs[] = { 0x10, 0x17, 0x1b, 0x3a, 0x48, 0x49, 0x8b, 0xce, 0xfe, 0x10a, 0x140,
					 0x174, 0x175, 0x176, 0x1a0, 0x1d9, 0x277, 0x2ff, 0x400, 0x480, 0x6e0,
					 0xc0000080, 0xc0000081, 0xc0000082, 0xc0000083, 0xc0000084, 0xc0000100,
					 0xc0000101, 0xc0000102, 0xc0000103, 0xc0010000, 0xc0010015, 0xc0011020,
					 0x40000000, 0x40000200, 0x1337, 0xffffffff, 0x1c0000100ULL };
	uint64_t msr = msrs[dt_below(38)], v;
	int vec;

	name(s, "rdmsr:%#llx", (unsigned long long)msr);
	v = rdmsr(msr, &vec);
	/* The time stamp counter and the machine's code pointers are the machine's. */
	if (msr == 0x10 || msr == 0x6e0)
		v = 0;
	if (vec < 0)
		dt_statef(s, "val=%#llx", (unsigned long long)v);
	where_rip(s);
}

static void op_wrmsr(struct dt_step *s)
{
	static const uint64_t msrs[] = { 0xc0000100, 0xc0000101, 0xc0000102, 0x1337, 0xc0000080, 0x48, 0x49,
					 0x277, 0x1b, 0x1a0, 0x40000000, 0x1d9, 0x10, 0xc0000081 };
	uint64_t msr = msrs[dt_below(14)], v;
	int vec;

	switch (msr) {
	case 0xc0000100: case 0xc0000101: case 0xc0000102:
		v = dt_below(2) ? RT_PTR(dt_buf) + dt_below(64) : dt_edge();
		break;
	case 0x48: case 0x49: v = dt_below(4); break;
	case 0x277: v = dt_below(2) ? 0x0007040600070406ULL : dt_edge(); break;
	case 0x40000000: v = 0; break;		/* never a hypercall page over our memory */
	case 0x10: v = 0; break;
	default: {		/* what it holds, or an edge value (drawn first: the draws may not depend on the hypervisor) */
		uint64_t e = dt_edge();
		int as_read = dt_below(2);

		v = rdmsr(msr, &vec);
		if (vec >= 0 || !as_read)
			v = e;
		if (as_read)
			dt_statef(s, "as-read%s,", vec >= 0 ? "(failed)" : "");
		break;
	}
	}
	name(s, "wrmsr:%#llx", (unsigned long long)msr);
	if (strncmp(s->state, "as-read", 7))
		dt_arg(s, "val", v);
	dt_exc.vector = -1;
	wrmsr(msr, v);
	where_rip(s);
	{
		int vec2;
		int saved = dt_exc.vector;
		uint64_t saved_ec = dt_exc.ec;

		v = rdmsr(msr, &vec2);
		if (msr == 0x10)
			v = 0;
		dt_statef(s, "%sread=%s%#llx", s->state[0] ? "," : "", vec2 >= 0 ? "!" : "",
			  vec2 >= 0 ? (unsigned long long)vec2 :
			  (v >= RT_PTR(dt_buf) && v < RT_PTR(dt_buf) + 8192) ? (unsigned long long)(v - RT_PTR(dt_buf)) :
			  (unsigned long long)v);
		dt_exc.vector = saved;
		dt_exc.ec = saved_ec;
	}
	for (int i = 0; i < 4; i++)
		dt_hc(__HYPERVISOR_set_segment_base, (uint64_t)i, 0, 0, 0, 0);
}

static void cpuid_forced(uint32_t leaf, uint32_t sub, uint32_t r[4])
{
	r[0] = leaf;
	r[2] = sub;
	r[1] = r[3] = 0;
	__asm__ volatile(G_PRE "ud2\n\t.ascii \"xen\"\n\tcpuid" G_POST
			 : "+a"(r[0]), "+b"(r[1]), "+c"(r[2]), "+d"(r[3]) :: "r11", "memory");
}

static void op_cpuid(struct dt_step *s)
{
	static const uint32_t leaves[] = { 0, 1, 6, 7, 0xb, 0xd, 0x80000000, 0x80000001, 0x80000007, 0x80000008,
					   0x40000000, 0x40000001, 0x40000002, 0x40000004, 0x40000005, 0x40000100,
					   0x4fffffff, 0x12345, 0xffffffff };
	uint32_t leaf = leaves[dt_below(19)], sub = (uint32_t)(dt_below(2) ? 0 : dt_below(3)), r[4];
	int forced = dt_below(4) != 0;

	name(s, "cpuid%s:%#x.%u", forced ? "" : "_raw", leaf, sub);
	dt_exc.vector = -1;
	if (forced) {
		cpuid_forced(leaf, sub, r);
	} else {
		r[0] = leaf;
		r[2] = sub;
		r[1] = r[3] = 0;
		__asm__ volatile(G_PRE "cpuid" G_POST : "+a"(r[0]), "+b"(r[1]), "+c"(r[2]), "+d"(r[3]) :: "r11", "memory");
	}
	/* Leaf 1 ebx bits 24-31: the APIC ID; the hypervisor's version in 0x40000001 is compared as it is. */
	if (leaf == 1)
		r[1] &= 0x00ffffff;
	dt_statef(s, "%08x:%08x:%08x:%08x", r[0], r[1], r[2], r[3]);
	where_rip(s);
}

static void op_io(struct dt_step *s)
{
	static const uint16_t in_ports[] = { 0x80, 0x61, 0x71, 0xcf8, 0xcfc, 0x1234, 0x3ff, 0x21, 0x92, 0xed };
	static const uint16_t out_ports[] = { 0x80, 0x1234, 0xed };
	uint32_t v = 0x5a5a5a5a;

	dt_exc.vector = -1;
	if (dt_below(3)) {
		uint64_t port = in_ports[dt_below(10)] | (dt_below(4) ? 0 : dt_rnd() & 0xffff0000ULL);
		unsigned int size = 1u << dt_below(3);

		name(s, "in%u:%#x", size, (unsigned int)(uint16_t)port);
		dt_arg(s, "dx", port);
		if (size == 1)
			__asm__ volatile(G_PRE "inb %%dx, %%al" G_POST : "+a"(v) : "d"(port) : "r11", "memory");
		else if (size == 2)
			__asm__ volatile(G_PRE "inw %%dx, %%ax" G_POST : "+a"(v) : "d"(port) : "r11", "memory");
		else
			__asm__ volatile(G_PRE "inl %%dx, %%eax" G_POST : "+a"(v) : "d"(port) : "r11", "memory");
		/* Port 0x61 bit 4 toggles with the refresh clock; 0x71 is the clock. */
		if ((uint16_t)port == 0x61)
			v &= ~0x30u;
		if ((uint16_t)port == 0x71)
			v = 0;
		dt_statef(s, "val=%#x", v);
	} else {
		uint64_t port = out_ports[dt_below(3)];

		v = (uint32_t)dt_rnd();
		name(s, "outb:%#x", (unsigned int)port);
		dt_arg(s, "val", v & 0xff);
		__asm__ volatile(G_PRE "outb %%al, %%dx" G_POST :: "a"(v), "d"(port) : "r11", "memory");
	}
	where_rip(s);
}

static void op_cr(struct dt_step *s)
{
	uint64_t v = 0;
	char c[48];

	dt_exc.vector = -1;
	switch (dt_below(9)) {
	case 0:
		name(s, "mov_from_cr0");
		__asm__ volatile(G_PRE "movq %%cr0, %0" G_POST : "+r"(v) :: "r11", "memory");
		break;
	case 1:
		name(s, "mov_from_cr2");
		__asm__ volatile(G_PRE "movq %%cr2, %0" G_POST : "+r"(v) :: "r11", "memory");
		break;
	case 2:
		name(s, "mov_from_cr3");
		__asm__ volatile(G_PRE "movq %%cr3, %0" G_POST : "+r"(v) :: "r11", "memory");
		break;
	case 3:
		name(s, "mov_from_cr4");
		__asm__ volatile(G_PRE "movq %%cr4, %0" G_POST : "+r"(v) :: "r11", "memory");
		break;
	case 4:
		name(s, "mov_from_cr8");
		__asm__ volatile(G_PRE "movq %%cr8, %0" G_POST : "+r"(v) :: "r11", "memory");
		break;
	case 5: {	/* CR0 written back with TS flipped, or as read */
		int vec;
		uint64_t cr0 = dt_read_cr0(&vec), w = dt_below(2) ? cr0 ^ 8 : cr0;

		name(s, "mov_to_cr0");
		dt_statef(s, "ts=%d,", (int)((w >> 3) & 1));
		dt_exc.vector = -1;
		__asm__ volatile(G_PRE "movq %0, %%cr0" G_POST :: "r"(w) : "r11", "memory");
		v = dt_read_cr0(&vec);
		break;
	}
	case 6: {	/* CR3 written with its own value: a switch to the same tables */
		uint64_t cr3 = 0;

		__asm__ volatile("movq %%cr3, %0" : "=r"(cr3));
		name(s, "mov_to_cr3");
		__asm__ volatile(G_PRE "movq %0, %%cr3" G_POST :: "r"(cr3) : "r11", "memory");
		break;
	}
	case 7: {
		uint64_t cr4 = 0;

		__asm__ volatile("movq %%cr4, %0" : "=r"(cr4));
		name(s, "mov_to_cr4");
		dt_exc.vector = -1;
		__asm__ volatile(G_PRE "movq %0, %%cr4" G_POST :: "r"(cr4) : "r11", "memory");
		break;
	}
	default:
		name(s, "clts");
		__asm__ volatile(G_PRE "clts" G_POST ::: "r11", "memory");
		{
			int vec;

			v = dt_read_cr0(&vec);
		}
		break;
	}
	if (v >= RT_PTR(dt_buf) && v < RT_PTR(dt_buf) + 3 * 4096)
		rt_snprintf(c, sizeof(c), "buf+%#llx", (unsigned long long)(v - RT_PTR(dt_buf)));
	else
		dt_canon(c, sizeof(c), v);
	dt_statef(s, "val=%s", c);
	where_rip(s);
	dt_hc(__HYPERVISOR_fpu_taskswitch, 0, 0, 0, 0, 0);
}

static void op_dr(struct dt_step *s)
{
	uint64_t v = 0;
	unsigned int r = (unsigned int)dt_below(8);

	dt_exc.vector = -1;
	if (dt_below(2)) {
		name(s, "mov_from_dr%u", r);
		switch (r) {
		case 0: __asm__ volatile(G_PRE "movq %%dr0, %0" G_POST : "+r"(v) :: "r11", "memory"); break;
		case 1: __asm__ volatile(G_PRE "movq %%dr1, %0" G_POST : "+r"(v) :: "r11", "memory"); break;
		case 2: __asm__ volatile(G_PRE "movq %%dr2, %0" G_POST : "+r"(v) :: "r11", "memory"); break;
		case 3: __asm__ volatile(G_PRE "movq %%dr3, %0" G_POST : "+r"(v) :: "r11", "memory"); break;
		case 4: __asm__ volatile(G_PRE "movq %%dr4, %0" G_POST : "+r"(v) :: "r11", "memory"); break;
		case 5: __asm__ volatile(G_PRE "movq %%dr5, %0" G_POST : "+r"(v) :: "r11", "memory"); break;
		case 6: __asm__ volatile(G_PRE "movq %%dr6, %0" G_POST : "+r"(v) :: "r11", "memory"); break;
		default: __asm__ volatile(G_PRE "movq %%dr7, %0" G_POST : "+r"(v) :: "r11", "memory"); break;
		}
		dt_statef(s, "val=%#llx", (unsigned long long)v);
	} else {
		/* Addresses and values, never an enabled breakpoint: dr7 keeps its enables clear. */
		v = dt_below(2) ? RT_PTR(dt_buf) + dt_below(64) : dt_edge();
		name(s, "mov_to_dr%u", r);
		switch (r) {
		case 0: __asm__ volatile(G_PRE "movq %0, %%dr0" G_POST :: "r"(v) : "r11", "memory"); break;
		case 1: __asm__ volatile(G_PRE "movq %0, %%dr1" G_POST :: "r"(v) : "r11", "memory"); break;
		case 6: __asm__ volatile(G_PRE "movq %0, %%dr6" G_POST :: "r"(v) : "r11", "memory"); break;
		default:
			v &= ~0xffULL;
			rt_snprintf(s->name, sizeof(s->name), "insn:mov_to_dr7");
			__asm__ volatile(G_PRE "movq %0, %%dr7" G_POST :: "r"(v) : "r11", "memory");
			break;
		}
		dt_arg(s, "val", v);
		for (int i = 0; i < 8; i++) {
			long g = dt_hc(__HYPERVISOR_get_debugreg, (uint64_t)i, 0, 0, 0, 0);

			if (g >= (long)RT_PTR(dt_buf) && g < (long)RT_PTR(dt_buf) + 8192)
				dt_statef(s, "%sdr%d=buf+%#lx", s->state[0] ? "," : "", i, g - (long)RT_PTR(dt_buf));
			else
				dt_statef(s, "%sdr%d=%#lx", s->state[0] ? "," : "", i, g);
		}
		for (int i = 0; i < 4; i++)
			dt_hc(__HYPERVISOR_set_debugreg, (uint64_t)i, 0, 0, 0, 0);
	}
	where_rip(s);
}

static void op_softint(struct dt_step *s)
{
	dt_exc.vector = -1;
	switch (dt_below(13)) {
	case 0: name(s, "int3"); __asm__ volatile(G_PRE "int3" G_POST ::: "r11", "memory"); break;
	case 1: name(s, "int_3"); __asm__ volatile(G_PRE ".byte 0xcd, 0x03" G_POST ::: "r11", "memory"); break;
	case 2: name(s, "int_4"); __asm__ volatile(G_PRE "int $4" G_POST ::: "r11", "memory"); break;
	case 3: name(s, "int_0x20"); __asm__ volatile(G_PRE "int $0x20" G_POST ::: "r11", "memory"); break;
	case 4: name(s, "int_0x80"); __asm__ volatile(G_PRE "int $0x80" G_POST ::: "r11", "memory"); break;
	case 5: name(s, "int_0x81"); __asm__ volatile(G_PRE "int $0x81" G_POST ::: "r11", "memory"); break;
	case 6: name(s, "int_0x82"); __asm__ volatile(G_PRE "int $0x82" G_POST ::: "r11", "memory"); break;
	case 7: name(s, "int_0xff"); __asm__ volatile(G_PRE "int $0xff" G_POST ::: "r11", "memory"); break;
	case 8: name(s, "int_13"); __asm__ volatile(G_PRE "int $13" G_POST ::: "r11", "memory"); break;
	case 9: name(s, "int1"); __asm__ volatile(G_PRE ".byte 0xf1" G_POST ::: "r11", "memory"); break;
	case 10: name(s, "into"); __asm__ volatile(G_PRE ".byte 0xce" G_POST ::: "r11", "memory"); break;
	case 11: name(s, "ud2"); __asm__ volatile(G_PRE "ud2" G_POST ::: "r11", "memory"); break;
	default: {
		uint64_t a = 1, d = 0, z = 0;

		name(s, "div0");
		__asm__ volatile(G_PRE "divq %2" G_POST : "+a"(a), "+d"(d) : "r"(z) : "r11", "memory");
		break;
	}
	}
	where_rip(s);
}

static void op_misc(struct dt_step *s)
{
	uint64_t a = 0, c = 0, d = 0;
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } dtr = { 0, 0 };

	dt_exc.vector = -1;
	switch (dt_below(21)) {
	case 0: name(s, "wbinvd"); __asm__ volatile(G_PRE "wbinvd" G_POST ::: "r11", "memory"); break;
	case 1: name(s, "invd"); __asm__ volatile(G_PRE "invd" G_POST ::: "r11", "memory"); break;
	case 2:
		c = dt_below(3);
		name(s, "rdpmc:%llu", (unsigned long long)c);
		__asm__ volatile(G_PRE "rdpmc" G_POST : "+a"(a), "+d"(d) : "c"(c) : "r11", "memory");
		break;
	case 3: name(s, "rdtsc"); __asm__ volatile(G_PRE "rdtsc" G_POST : "+a"(a), "+d"(d) :: "r11", "memory"); break;
	case 4:
		name(s, "rdtscp");
		__asm__ volatile(G_PRE "rdtscp" G_POST : "+a"(a), "+d"(d), "+c"(c) :: "r11", "memory");
		dt_statef(s, "aux=%#llx", (unsigned long long)c);
		break;
	case 5:
		name(s, "sgdt");
		__asm__ volatile(G_PRE "sgdt %0" G_POST : "=m"(dtr) :: "r11", "memory");
		break;
	case 6:
		name(s, "sidt");
		__asm__ volatile(G_PRE "sidt %0" G_POST : "=m"(dtr) :: "r11", "memory");
		break;
	case 7:
		name(s, "sldt");
		__asm__ volatile(G_PRE "sldt %0" G_POST : "+r"(a) :: "r11", "memory");
		dt_statef(s, "val=%#llx", (unsigned long long)a);
		break;
	case 8:
		name(s, "str");
		__asm__ volatile(G_PRE "str %0" G_POST : "+r"(a) :: "r11", "memory");
		dt_statef(s, "val=%#llx", (unsigned long long)a);
		break;
	case 9: name(s, "smsw"); __asm__ volatile(G_PRE "smsw %0" G_POST : "+r"(a) :: "r11", "memory"); break;
	case 10: name(s, "swapgs"); __asm__ volatile(G_PRE "swapgs" G_POST ::: "r11", "memory"); break;
	case 11:
		name(s, "invlpg");
		__asm__ volatile(G_PRE "invlpg (%0)" G_POST :: "r"(dt_buf) : "r11", "memory");
		break;
	case 12:
		name(s, "xgetbv");
		__asm__ volatile(G_PRE "xgetbv" G_POST : "+a"(a), "+d"(d) : "c"(c) : "r11", "memory");
		dt_statef(s, "val=%#llx", (unsigned long long)(d << 32 | (uint32_t)a));
		break;
	case 13: {	/* XCR0 written with its own value */
		uint32_t lo = 0, hi = 0;

		__asm__ volatile(G_PRE "xgetbv" G_POST : "+a"(lo), "+d"(hi) : "c"(0) : "r11", "memory");
		name(s, "xsetbv");
		dt_exc.vector = -1;
		__asm__ volatile(G_PRE "xsetbv" G_POST :: "a"(lo), "d"(hi), "c"(0) : "r11", "memory");
		break;
	}
	case 14:
		name(s, "lgdt");
		__asm__ volatile(G_PRE "lgdt %0" G_POST :: "m"(dtr) : "r11", "memory");
		break;
	case 15:
		name(s, "lidt");
		__asm__ volatile(G_PRE "lidt %0" G_POST :: "m"(dtr) : "r11", "memory");
		break;
	case 16:
		name(s, "ltr");
		a = 0x28;
		__asm__ volatile(G_PRE "ltr %w0" G_POST :: "r"(a) : "r11", "memory");
		break;
	case 17: name(s, "sysenter"); __asm__ volatile(G_PRE "sysenter" G_POST ::: "r11", "memory"); break;
	case 18:
		name(s, "lmsw");
		a = 0x33;
		__asm__ volatile(G_PRE "lmsw %w0" G_POST :: "r"(a) : "r11", "memory");
		break;
	case 19: {
		uint64_t f = 0;

		name(s, "pushf");
		__asm__ volatile(G_PRE "pushfq\n\tpopq %0" G_POST : "+r"(f) :: "r11", "memory");
		dt_statef(s, "if=%d,iopl=%d,ac=%d", (int)((f >> 9) & 1), (int)((f >> 12) & 3), (int)((f >> 18) & 1));
		break;
	}
	default:
		name(s, "cli");
		__asm__ volatile(G_PRE "cli" G_POST ::: "r11", "memory");
		dt_statef(s, "mask=%d", sec_vcpu_info()->evtchn_upcall_mask);
		break;
	}
	where_rip(s);
	sec_vcpu_info()->evtchn_upcall_mask = 1;
}

/* Loads and stores the MMU must refuse, and an instruction fetch from data. */
static void op_mem(struct dt_step *s)
{
	uint64_t v = 0, addr;
	int store = 0;

	dt_exc.vector = -1;
	switch (dt_below(8)) {
	case 0: addr = RT_PTR(dt_guard) + dt_below(512) * 8; name(s, "load_guard"); break;
	case 1: addr = RT_BAD_PTR_UNMAPPED; name(s, "load_user_unmapped"); break;
	case 2: addr = RT_BAD_PTR_NONCANON; name(s, "load_noncanonical"); break;
	case 3: addr = MACH2PHYS_VIRT_START; name(s, "load_m2p"); break;
	case 4:	addr = dt_pt_va[1] + dt_window_slot * 8;
		store = 1;
		name(s, "store_own_l1");
		break;
	case 5: addr = RT_PTR(rt_image_start) + 0x10; store = 1; name(s, "store_text"); break;
	case 6: addr = 0xffff82d080200000ULL; name(s, "load_hv_text"); break;
	default: {
		/* A ud2 at the buffer: #PF if data is not executable, #UD if it is. */
		name(s, "exec_buf");
		dt_buf[0][0] = 0x0f;
		dt_buf[0][1] = 0x0b;
		/* The call pushed a return address before faulting: the stack pointer is put back from rbx. */
		__asm__ volatile("movq %%rsp, %%rbx\n\t" G_PRE "call *%0" G_POST "\n\tmovq %%rbx, %%rsp"
				 :: "r"(dt_buf) : "r11", "rbx", "memory");
		where_rip(s);
		return;
	}
	}
	if (store)
		__asm__ volatile(G_PRE "movq %0, (%1)" G_POST :: "r"(v), "r"(addr) : "r11", "memory");
	else
		__asm__ volatile(G_PRE "movq (%1), %0" G_POST : "+r"(v) : "r"(addr) : "r11", "memory");
	where_rip(s);
}

void dt_step_insn(struct dt_step *s)
{
	switch (dt_below(12)) {
	case 0: case 1: op_rdmsr(s); break;
	case 2: op_wrmsr(s); break;
	case 3: case 4: op_cpuid(s); break;
	case 5: op_io(s); break;
	case 6: op_cr(s); break;
	case 7: op_dr(s); break;
	case 8: op_softint(s); break;
	case 9: case 10: op_misc(s); break;
	default: op_mem(s); break;
	}
}
