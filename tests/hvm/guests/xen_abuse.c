/* SPDX-License-Identifier: MIT */
/* A hostile HVM guest of Xen's interface (@xen): the hypercall page MSR, HVM params, add_to_physmap, vcpu_info, the callback vector, wild hypercalls. */
#include "hvm_guest.h"

#define EPERM		1
#define ENOENT		2
#define ENXIO		6
#define EFAULT		14
#define EINVAL		22
#define ENOSYS		38
#define EOPNOTSUPP	95
#define HC_MMU_UPDATE		1
#define HC_MEMORY_OP		12
#define HC_XEN_VERSION		17
#define HC_CONSOLE_IO		18
#define HC_GRANT_TABLE_OP	20
#define HC_VCPU_OP		24
#define HC_SCHED_OP		29
#define HC_EVENT_CHANNEL_OP	32
#define HC_HVM_OP		34
#define CALLBACK_VECTOR		0x40
#define RAM_PAGES		4096		/* @mem=16M */

struct hvm_param { uint16_t domid, pad; uint32_t index; uint64_t value; };
struct add_to_physmap { uint16_t domid, size; uint32_t space; uint64_t idx, gpfn; };
struct register_vcpu_info { uint64_t gfn; uint32_t offset, rsvd; };
/* shared_info's first vcpu_info and the 2-level event words, as Xen lays them out. */
struct vcpu_info_head { uint8_t upcall_pending, upcall_mask; uint8_t pad[6]; uint64_t pending_sel; };
#define SHINFO_PENDING	2048
#define SHINFO_MASK	2560

static uint8_t page_p[4096] __attribute__((aligned(4096)));
static uint8_t page_q[4096] __attribute__((aligned(4096)));
static uint8_t page_r[4096] __attribute__((aligned(4096)));
static uint8_t hc_page[4096] __attribute__((aligned(4096)));
static uint8_t scratch[4096] __attribute__((aligned(4096)));
static uint64_t rng = 0x9e3779b97f4a7c15ull;

static uint64_t next_rand(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

static long vmmcall(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3)
{
	register uint64_t r10 __asm__("r10") = 0, r8 __asm__("r8") = 0;
	uint64_t rax = nr;

	__asm__ volatile("vmmcall" : "+a"(rax), "+D"(a1), "+S"(a2), "+d"(a3), "+r"(r10), "+r"(r8)
			 :: "memory", "rcx", "r11");
	return (long)rax;
}

static void expect(long got, long want, const char *what)
{
	if (got == want)
		return;
	puts("xen-abuse: ");
	puts(what);
	puts(": got ");
	put_hex((uint64_t)got);
	puts("\n");
	fail(what);
}

/* The page through its MSR: refused outside RAM and for a page index, then each entry calls the hypervisor. */
static void hypercall_page(void)
{
	uint32_t r[4];
	long rc;

	cpuid(0x40000000u, r);
	if (r[1] != 0x566e6558u || r[2] != 0x65584d4du || r[3] != 0x4d4d566eu || r[0] < 0x40000002u)
		fail("no XenVMMXenVMM signature at 0x40000000");
	cpuid(0x40000002u, r);
	if (r[0] != 1 || r[1] != 0x40000000u)
		fail("leaf 0x40000002 does not name one page and MSR 0x40000000");
	if (!wrmsr_safe(0x40000000u, (uint64_t)RAM_PAGES << 12) || !wrmsr_safe(0x40000000u, 0xfee00000ull) ||
	    !wrmsr_safe(0x40000000u, 1ull << 52) || !wrmsr_safe(0x40000000u, (uint64_t)hc_page + 1))
		fail("a hypercall page outside RAM or a second page index was accepted");
	if (wrmsr_safe(0x40000000u, (uint64_t)hc_page))
		fail("the hypercall page in RAM was refused");
	{
		register uint64_t rdi __asm__("rdi") = 0, rsi __asm__("rsi") = 0;
		uint64_t rax;

		__asm__ volatile("call *%[entry]" : "=a"(rax), "+r"(rdi), "+r"(rsi)
				 : [entry] "r"(hc_page + 32 * HC_XEN_VERSION)
				 : "memory", "rcx", "rdx", "r8", "r10", "r11");
		rc = (long)rax;
	}
	expect(rc, (4 << 16) | 17, "xen_version through the hypercall page");
	expect(vmmcall(HC_XEN_VERSION, 0, 0, 0), (4 << 16) | 17, "xen_version through vmmcall");
	puts("xen-abuse: hypercall page: 4 bad pages #GP, xen_version 4.17 through it and through vmmcall\n");
}

static uint64_t rdtsc(void)
{
	uint32_t lo, hi;

	__asm__ volatile("lfence; rdtsc" : "=a"(lo), "=d"(hi));
	return (uint64_t)hi << 32 | lo;
}

/* A figure, not a check (TCG's timing is the host's load): a VMMCALL hypercall's round trip against a CPUID exit's. */
static void round_trips(void)
{
	uint64_t t0, t1, t2;
	uint32_t r[4];

	t0 = rdtsc();
	for (unsigned int i = 0; i < 1000; i++)
		(void)vmmcall(HC_XEN_VERSION, 0, 0, 0);
	t1 = rdtsc();
	for (unsigned int i = 0; i < 1000; i++)
		cpuid(0x40000001u, r);
	t2 = rdtsc();
	puts("xen-abuse: round trip in TSC cycles, mean of 1000: xen_version hypercall ");
	put_dec((t1 - t0) / 1000);
	puts(", CPUID exit ");
	put_dec((t2 - t1) / 1000);
	puts("\n");
}

/* The platform device's ports: the magic and protocol Linux checks; wrong-sized reads are no device. */
static void platform_ports(void)
{
	uint16_t magic;

	__asm__ volatile("inw %1, %0" : "=a"(magic) : "Nd"((uint16_t)0x10));
	if (magic != 0x49d2 || inb(0x12) != 1)
		fail("the platform device's magic or protocol");
	if (inl(0x10) != 0xffffffffu || inb(0x10) != 0xff)
		fail("a wrong-sized read of the magic port");
	__asm__ volatile("outw %0, %1" :: "a"((uint16_t)3), "Nd"((uint16_t)0x10));
	puts("xen-abuse: platform device ports: magic 0x49d2, protocol 1, an unplug with nothing to unplug\n");
}

static long param(uint64_t op, uint16_t domid, uint32_t index, uint64_t value, uint64_t *out)
{
	static struct hvm_param p;
	long rc;

	p = (struct hvm_param){ domid, 0, index, value };
	rc = vmmcall(HC_HVM_OP, op, (uint64_t)&p, 0);
	if (out)
		*out = p.value;
	return rc;
}

static void hvm_params(void)
{
	uint64_t v = 0;

	expect(param(0, 0x7ff0, 39, 0, 0), -EINVAL, "set_param index 39");
	expect(param(0, 0x7ff0, 0xffffffffu, 0, 0), -EINVAL, "set_param index ~0");
	expect(param(0, 0x7ff0, 1, 0x1234, 0), -EPERM, "set_param STORE_PFN");
	expect(param(0, 0x7ff0, 18, 1, 0), -EPERM, "set_param CONSOLE_EVTCHN");
	expect(param(0, 0x7ff0, 0, 5, 0), -EINVAL, "callback as GSI 5");
	expect(param(0, 0x7ff0, 0, (1ull << 56) | 3, 0), -EINVAL, "callback as PCI INTx");
	expect(param(0, 0x7ff0, 0, (2ull << 56) | 8, 0), -EINVAL, "callback vector 8");
	expect(param(0, 0x7ff0, 0, (2ull << 56) | 0x1040, 0), -EINVAL, "callback with stray bits");
	expect(param(0, 0, 0, (2ull << 56) | 0x40, 0), -EPERM, "set_param of dom0");
	expect(param(0, 7, 0, (2ull << 56) | 0x40, 0), -EPERM, "set_param of domain 7");
	expect(param(1, 0x7ff0, 1000, 0, 0), -EINVAL, "get_param index 1000");
	expect(param(1, 0x7ff0, 3, 0, 0), -EPERM, "get_param of a param guests may not read");
	expect(param(1, 0x7ff0, 1, 0, &v), 0, "get_param STORE_PFN");
	expect((long)v, 0, "STORE_PFN with no xenstore");
	expect(vmmcall(HC_HVM_OP, 0, (uint64_t)RAM_PAGES << 12, 0), -EFAULT, "hvm_op at a pointer outside RAM");
	expect(vmmcall(HC_HVM_OP, 0, 0x80000000ull, 0), -EFAULT, "hvm_op at a pointer its tables do not map");
	expect(vmmcall(HC_HVM_OP, 0, 0x0000800000000000ull, 0), -EFAULT, "hvm_op at a non-canonical pointer");
	expect(vmmcall(HC_HVM_OP, 0, 0xffff800000001000ull, 0), -EFAULT, "hvm_op at the hypervisor's addresses");
	expect(vmmcall(HC_HVM_OP, 99, (uint64_t)scratch, 0), -ENOSYS, "hvm_op 99");
	puts("xen-abuse: HVM params: 17 bad sets, gets and pointers refused\n");
}

static long physmap(uint16_t domid, uint32_t space, uint64_t idx, uint64_t gpfn)
{
	static struct add_to_physmap x;

	x = (struct add_to_physmap){ domid, 0, space, idx, gpfn };
	return vmmcall(HC_MEMORY_OP, 7, (uint64_t)&x, 0);
}

static volatile uint64_t *word(void *page, unsigned int off)
{
	return (volatile uint64_t *)((uint8_t *)page + off);
}

/* shared_info over page P, then Q: P gets its RAM (and its marker) back; pages outside RAM are refused. */
static void add_to_physmap(void)
{
	uint64_t p = (uint64_t)page_p >> 12, q = (uint64_t)page_q >> 12;

	for (unsigned int i = 0; i < 512; i++) {
		*word(page_p, i * 8) = 0x5050505050505050ull + i;
		*word(page_q, i * 8) = 0x5151515151515151ull + i;
	}
	expect(physmap(0x7ff0, 0, 0, RAM_PAGES), -EINVAL, "shared_info just past RAM");
	expect(physmap(0x7ff0, 0, 0, 0xfee00), -EINVAL, "shared_info over the APIC page");
	expect(physmap(0x7ff0, 0, 0, 1ull << 40), -EINVAL, "shared_info at 2^52");
	expect(physmap(0x7ff0, 0, 0, ~0ull), -EINVAL, "shared_info at gpfn ~0");
	expect(physmap(0x7ff0, 0, 1, p), -EINVAL, "shared_info index 1");
	expect(physmap(0x7ff0, 1, 0, p), -EOPNOTSUPP, "a grant frame");
	expect(physmap(0x7ff0, 2, 0x10, p), -EOPNOTSUPP, "gmfn space");
	expect(physmap(0x7ff0, 99, 0, p), -EINVAL, "space 99");
	expect(physmap(0, 0, 0, p), -EPERM, "shared_info of dom0");
	expect(vmmcall(HC_MEMORY_OP, 7, (uint64_t)RAM_PAGES << 12, 0), -EFAULT, "add_to_physmap at a bad pointer");
	if (*word(page_p, 8) != 0x5050505050505051ull)
		fail("a refused add_to_physmap changed page P");
	expect(physmap(0x7ff0, 0, 0, p), 0, "shared_info over P");
	if (*word(page_p, 8) == 0x5050505050505051ull || ((volatile uint8_t *)page_p)[1] != 1)
		fail("page P does not show shared_info (vCPU 0's events masked)");
	expect(physmap(0x7ff0, 0, 0, q), 0, "shared_info moved to Q");
	for (unsigned int i = 0; i < 512; i++)
		if (*word(page_p, i * 8) != 0x5050505050505050ull + i)
			fail("page P did not get its RAM and its contents back");
	if (((volatile uint8_t *)page_q)[1] != 1)
		fail("page Q does not show shared_info");
	expect(physmap(0x7ff0, 0, 0, q), 0, "shared_info at Q again");
	puts("xen-abuse: add_to_physmap: 10 refused, shared_info over P then Q, P's RAM came back intact\n");
}

volatile uint64_t callbacks;
extern char callback_entry[];

/* The callback handler clears vCPU 0's upcall flag in shared_info (at page Q until vcpu_info moves to R). */
volatile struct vcpu_info_head *volatile vinfo;
__asm__(".text\n"
	"callback_entry:\n"
	"	push %rax\n"
	"	incq callbacks(%rip)\n"
	"	mov vinfo(%rip), %rax\n"
	"	movb $0, (%rax)\n"
	"	pop %rax\n"
	"	iretq\n");

static void events(void)
{
	uint32_t bind[2] = { 0, 0 };	/* vcpu in, port out */
	uint32_t port;
	uint64_t before;

	vinfo = (volatile struct vcpu_info_head *)page_q;
	set_gate(CALLBACK_VECTOR, callback_entry);
	expect(vmmcall(HC_EVENT_CHANNEL_OP, 7, (uint64_t)bind, 0), 0, "EVTCHNOP_bind_ipi");
	port = bind[1];
	if (!port || port >= 4096)
		fail("bind_ipi gave no usable port");
	/* Pending before a callback exists: nothing is injected until the vector is set and IF is on. */
	vinfo->upcall_pending = 0;
	__atomic_fetch_and(word(page_q, SHINFO_MASK + port / 64 * 8), ~(1ull << (port % 64)), __ATOMIC_SEQ_CST);
	expect(vmmcall(HC_EVENT_CHANNEL_OP, 4, (uint64_t)&port, 0), 0, "EVTCHNOP_send before a callback");
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	if (callbacks)
		fail("a callback came before the vector was set");
	expect(param(0, 0x7ff0, 0, (2ull << 56) | CALLBACK_VECTOR, 0), 0, "set the callback vector");
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	if (callbacks != 1)
		fail("the pending event did not come as one callback once the vector was set");
	for (unsigned int i = 0; i < 1000; i++) {
		__atomic_fetch_and(word(page_q, SHINFO_PENDING + port / 64 * 8), ~(1ull << (port % 64)),
				   __ATOMIC_SEQ_CST);
		vinfo->pending_sel = 0;
		before = callbacks;
		__asm__ volatile("sti" ::: "memory");
		expect(vmmcall(HC_EVENT_CHANNEL_OP, 4, (uint64_t)&port, 0), 0, "EVTCHNOP_send");
		__asm__ volatile("nop; nop; cli" ::: "memory");
		if (callbacks != before + 1)
			fail("an event send did not give exactly one callback");
	}
	puts("xen-abuse: callback vector: none before it was set, then 1000 sends gave 1000 callbacks\n");
}

static long reg_vcpu_info(uint64_t vcpu, uint64_t gfn, uint32_t offset)
{
	static struct register_vcpu_info r;

	r = (struct register_vcpu_info){ gfn, offset, 0 };
	return vmmcall(HC_VCPU_OP, 10, vcpu, (uint64_t)&r);
}

static void vcpu_info(void)
{
	uint64_t r = (uint64_t)page_r >> 12, before = callbacks;

	expect(reg_vcpu_info(0, r, 4090), -ENXIO, "vcpu_info across the page's end");
	expect(reg_vcpu_info(0, r, 4), -ENXIO, "vcpu_info misaligned");
	expect(reg_vcpu_info(5, r, 64), -ENOENT, "vcpu_info of vCPU 5");
	expect(reg_vcpu_info(0, RAM_PAGES, 64), -EINVAL, "vcpu_info outside RAM");
	expect(reg_vcpu_info(0, 0xfee00, 64), -EINVAL, "vcpu_info on the APIC page");
	expect(vmmcall(HC_VCPU_OP, 10, 0, (uint64_t)RAM_PAGES << 12), -EFAULT, "vcpu_info at a bad pointer");
	expect(reg_vcpu_info(0, r, 64), 0, "vcpu_info in page R");
	vinfo = (volatile struct vcpu_info_head *)(page_r + 64);
	expect(reg_vcpu_info(0, r, 128), -EINVAL, "vcpu_info a second time");
	/* The move marks an upcall so nothing is lost: one callback, cleared in the new place. */
	__asm__ volatile("sti; nop; nop; cli" ::: "memory");
	if (callbacks != before + 1 || vinfo->upcall_pending)
		fail("moving vcpu_info did not raise one callback through the new area");
	puts("xen-abuse: vcpu_info: 6 refused, moved to page R, one callback through it\n");
}

/*
 * Ring 3: a hypercall from user mode is -EPERM, as Xen answers it. The guest
 * gives itself user pages (U on its first 16 MiB), user segments (0x20 data,
 * 0x28 64-bit code) and SYSCALL/SYSRET to get there and back.
 */
static uint64_t gdt_user[6] __attribute__((aligned(16))) = {
	0, 0x00cf9a000000ffffull, 0x00cf92000000ffffull, 0x00af9a000000ffffull,
	0x00cff2000000ffffull, 0x00affa000000ffffull,
};
static uint8_t user_stack[4096] __attribute__((aligned(16)));
uint64_t kernel_rsp, user_stack_top;
volatile long user_rc = 1;
extern char syscall_entry[];

__asm__(".text\n"
	"to_user:\n"
	"	mov %rsp, kernel_rsp(%rip)\n"
	"	mov user_stack_top(%rip), %rsp\n"
	"	lea user_entry(%rip), %rcx\n"
	"	mov $2, %r11\n"
	"	sysretq\n"
	"user_entry:\n"
	"	mov $17, %eax\n"
	"	xor %edi, %edi\n"
	"	xor %esi, %esi\n"
	"	vmmcall\n"
	"	mov %rax, user_rc(%rip)\n"
	"	syscall\n"
	"syscall_entry:\n"
	"	mov kernel_rsp(%rip), %rsp\n"
	"	ret\n");

static void user_mode(void)
{
	struct __attribute__((packed)) { uint16_t limit; uint64_t base; } d = { sizeof(gdt_user) - 1, (uint64_t)gdt_user };
	uint64_t cr3, *pml4, *pdpt, *pd;
	bool f;

	__asm__ volatile("mov %%cr3, %0" : "=r"(cr3));
	pml4 = (uint64_t *)(cr3 & ~0xfffull);
	pml4[0] |= 4;
	pdpt = (uint64_t *)(pml4[0] & 0x000ffffffffff000ull);
	pdpt[0] |= 4;
	pd = (uint64_t *)(pdpt[0] & 0x000ffffffffff000ull);
	for (unsigned int i = 0; i < 8; i++)
		pd[i] |= 4;
	__asm__ volatile("mov %0, %%cr3; lgdt %1" :: "r"(cr3), "m"(d) : "memory");
	wrmsr_safe(0xc0000080u, rdmsr_safe(0xc0000080u, &f) | 1);	/* EFER.SCE */
	wrmsr_safe(0xc0000081u, (0x18ull << 32) | (0x18ull << 48));	/* STAR */
	wrmsr_safe(0xc0000082u, (uint64_t)syscall_entry);		/* LSTAR */
	wrmsr_safe(0xc0000084u, 0x200);					/* FMASK: IF */
	user_stack_top = (uint64_t)user_stack + sizeof(user_stack);
	__asm__ volatile("call to_user" ::: "rax", "rcx", "rdx", "rsi", "rdi", "r8", "r9", "r10", "r11", "memory");
	expect(user_rc, -EPERM, "a hypercall from ring 3");
	puts("xen-abuse: a hypercall from ring 3: -EPERM\n");
}

/*
 * XENVER_capabilities fills 1024 bytes: at RAM's last KiB it succeeds; 512
 * bytes lower its second half is past RAM, and the first half, which is
 * the guest's, must not be written either (the whole range is walked first).
 */
static void version_at_ram_end(void)
{
	uint64_t kib = ((uint64_t)RAM_PAGES << 12) - 1024;
	volatile uint8_t *p;
	const char *caps = "xen-3.0-x86_64";

	/* A bare constant address is an object of no size to the compiler: hide where it comes from. */
	__asm__("" : "+r"(kib));
	p = (volatile uint8_t *)kib;
	for (unsigned int i = 0; i < 1024; i++)
		p[i] = 0x5a;
	expect(vmmcall(HC_XEN_VERSION, 3, kib, 0), 0, "XENVER_capabilities in RAM's last KiB");
	for (unsigned int i = 0; i < 1024; i++)
		if (p[i] != (i < 14 ? (uint8_t)caps[i] : 0))
			fail("XENVER_capabilities wrote the wrong bytes");
	for (unsigned int i = 512; i < 1024; i++)
		p[i] = 0x5a;
	expect(vmmcall(HC_XEN_VERSION, 3, kib + 512, 0), -EFAULT, "XENVER_capabilities across RAM's end");
	for (unsigned int i = 512; i < 1024; i++)
		if (p[i] != 0x5a)
			fail("XENVER_capabilities across RAM's end wrote the part in RAM");
	puts("xen-abuse: xen_version: a string across RAM's end is -EFAULT and writes nothing\n");
}

static void refused_calls(void)
{
	expect(vmmcall(HC_MMU_UPDATE, (uint64_t)scratch, 1, 0), -ENOSYS, "mmu_update");
	expect(vmmcall(HC_GRANT_TABLE_OP, 2, (uint64_t)scratch, 1), -ENOSYS, "grant_table_op setup_table");
	expect(vmmcall(HC_MEMORY_OP, 0, (uint64_t)scratch, 0), -ENOSYS, "increase_reservation");
	expect(vmmcall(HC_EVENT_CHANNEL_OP, 11, (uint64_t)scratch, 0), -ENOSYS, "EVTCHNOP_init_control");
	expect(vmmcall(HC_VCPU_OP, 0, 0, 0), -ENOSYS, "VCPUOP_initialise");
	expect(vmmcall(HC_SCHED_OP, 1, 0, 0), -ENOSYS, "SCHEDOP_block");
	expect(vmmcall(63, 0, 0, 0), -ENOSYS, "hypercall 63");
	expect(vmmcall(~0ull, 0, 0, 0), -ENOSYS, "hypercall ~0");
	puts("xen-abuse: 8 hypercalls that name machine frames or do not exist: -ENOSYS\n");
}

/*
 * Random numbers and arguments, pointers at random or at random bytes, with
 * interrupts off (a random callback vector must not matter). Not sched_op
 * (a random shutdown), memory_op (shared_info over this code) or
 * console_io (noise in the log).
 */
static void wild_calls(void)
{
	for (unsigned int i = 0; i < 3000; i++) {
		uint64_t nr = next_rand() % 40, a1 = next_rand() % 16, a2 = next_rand(), a3 = next_rand();

		if (nr == HC_SCHED_OP || nr == HC_MEMORY_OP || nr == HC_CONSOLE_IO)
			continue;
		for (unsigned int j = 0; j < 64; j++)
			*word(scratch, j * 8) = next_rand();
		if (i & 1)
			a2 = (uint64_t)scratch + (next_rand() % 64) * 8;
		if (nr == HC_VCPU_OP)
			a2 %= 4;
		(void)vmmcall(nr, a1, a2, a3);
	}
	expect(vmmcall(HC_XEN_VERSION, 0, 0, 0), (4 << 16) | 17, "xen_version after the wild calls");
	puts("xen-abuse: 3000 wild hypercalls done\n");
}

void guest_main(void)
{
	puts("xen-abuse: long mode\n");
	idt_install();
	hypercall_page();
	platform_ports();
	round_trips();
	hvm_params();
	add_to_physmap();
	events();
	vcpu_info();
	version_at_ram_end();
	refused_calls();
	user_mode();
	wild_calls();
	puts("xen-abuse: all checks passed\n");
	guest_exit(0);
}
