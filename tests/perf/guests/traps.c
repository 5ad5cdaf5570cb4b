/* SPDX-License-Identifier: MIT */
/* Benchmark guest: TSC cycles per user SYSCALL bounce and per kernel- and user-mode #PF bounce, each ended by iret. */
#include <pvabi/callback.h>
#include "test.h"

/* Plain numbers: they are pasted into the assembly below as text. */
#define BATCHES		64
#define CALLS		1000
/* Batch 0 of every phase is a warm-up and is not counted in the figures. */
#define RUNS		(BATCHES + 1)
#define OPS_PER_PHASE	((uint64_t)RUNS * CALLS)

#define STR(x)		#x
#define XSTR(x)		STR(x)

#define PTE_P		0x001ULL
#define PTE_RW		0x002ULL
#define PTE_US		0x004ULL
#define PTE_A		0x020ULL
#define PTE_D		0x040ULL
/* Suffix-free: these go into the assembly too. */
#define USER_CODE_VA	0x400000
/* L1 slot 2 of the user tables: never mapped, so every load from it is a not-present #PF. */
#define USER_HOLE_VA	0x402000
#define IRET_IN_SYSCALL	256
_Static_assert(IRET_IN_SYSCALL == VGCF_in_syscall, "VGCF_in_syscall");

/* User SYSCALLs with bit 63 of rax set report to the kernel; any other rax is echoed back inverted. */
#define REPORT_SYSCALL_BATCH	0x8000000000000001
#define REPORT_UFAULT_BATCH	0x8000000000000002
#define REPORT_DONE		0x8000000000000003

/*
 * The timed paths are in assembly so they are exactly what is measured:
 * the syscall callback does what Linux's fast return does (pop rcx/r11,
 * iret with VGCF_in_syscall), the #PF handler reads cr2 from vcpu_info,
 * steps over the 3-byte faulting load and irets. Frames as the hypervisor
 * leaves them: syscall rcx, r11, rip, cs, rflags, rsp, ss; #PF rcx, r11,
 * error code, rip, cs, rflags, rsp, ss.
 */
__asm__(
	"	.text\n"
	"	.globl bench_syscall_entry\n"
	"bench_syscall_entry:\n"
	"	btq $63, %rax\n"
	"	jc 1f\n"
	"	incq bench_nr_syscalls(%rip)\n"
	"	notq %rax\n"
	"2:	popq %rcx\n"
	"	popq %r11\n"
	"	pushq $" XSTR(IRET_IN_SYSCALL) "\n"
	"	pushq %rcx\n"
	"	pushq %r11\n"
	"	pushq %rax\n"
	"	movl rt_abi_hypercall_iret(%rip), %eax\n"
	"	syscall\n"
	"	ud2\n"
	/* A report: bench_report(rdi, rsi, rdx, op); rbp is the user's, the rest of its callee-saved set C keeps. */
	"1:	pushq %rbp\n"
	"	movq %rsp, %rbp\n"
	"	andq $-16, %rsp\n"
	"	movq %rax, %rcx\n"
	"	call bench_report\n"
	"	movq %rbp, %rsp\n"
	"	popq %rbp\n"
	"	jmp 2b\n"
	"\n"
	"	.globl bench_fault_entry\n"
	"bench_fault_entry:\n"
	"	pushq %rax\n"
	"	movq 32(%rsp), %rax\n"
	"	cmpq bench_kfault_rip(%rip), %rax\n"
	"	je 1f\n"
	"	cmpq bench_ufault_rip(%rip), %rax\n"
	"	jne 3f\n"
	"1:	incq bench_nr_faults(%rip)\n"
	"	movq bench_cr2(%rip), %rax\n"
	"	movq (%rax), %rax\n"
	"	cmpq bench_fault_addr(%rip), %rax\n"
	"	je 2f\n"
	"	incq bench_bad_cr2(%rip)\n"
	"2:	addq $3, 32(%rsp)\n"
	"	popq %rax\n"
	"	popq %rcx\n"
	"	popq %r11\n"
	"	addq $8, %rsp\n"
	"	pushq $0\n"
	"	pushq %rcx\n"
	"	pushq %r11\n"
	"	pushq %rax\n"
	"	movl rt_abi_hypercall_iret(%rip), %eax\n"
	"	syscall\n"
	"	ud2\n"
	/* Not one of ours: report it as the runtime does and crash. */
	"3:	movl $14, %edi\n"
	"	leaq 8(%rsp), %rsi\n"
	"	andq $-16, %rsp\n"
	"	call rt_trap\n"
	"	ud2\n"
	"\n"
	/* bench_kfault_loop(n, addr): n loads from a not-present page in kernel mode; returns the TSC cycles. */
	"	.globl bench_kfault_loop\n"
	"bench_kfault_loop:\n"
	"	lfence\n"
	"	rdtsc\n"
	"	shlq $32, %rdx\n"
	"	orq %rax, %rdx\n"
	"	movq %rdx, %r8\n"
	"1:\n"
	"	.globl bench_kfault_insn\n"
	"bench_kfault_insn:\n"
	"	movq (%rsi), %rax\n"
	"4:	decq %rdi\n"
	"	jnz 1b\n"
	"	lfence\n"
	"	rdtsc\n"
	"	shlq $32, %rdx\n"
	"	orq %rdx, %rax\n"
	"	subq %r8, %rax\n"
	"	ret\n"
	"	.if 4b - bench_kfault_insn - 3\n"
	"	.error \"the kernel faulting load must be 3 bytes\"\n"
	"	.endif\n"
	"\n"
	/*
	 * Copied to USER_CODE_VA and run in guest user mode; position
	 * independent. rbx counts echo mismatches, r15 the batch, r12 the
	 * calls left, r14 the start time: registers the kernel preserves.
	 */
	"	.section .rodata\n"
	"	.globl bench_user_code, bench_user_code_end, bench_ufault_insn\n"
	"bench_user_code:\n"
	"	xorl %ebx, %ebx\n"
	"	xorl %r15d, %r15d\n"
	"1:	lfence\n"
	"	rdtsc\n"
	"	shlq $32, %rdx\n"
	"	orq %rax, %rdx\n"
	"	movq %rdx, %r14\n"
	"	movl $" XSTR(CALLS) ", %r12d\n"
	"2:	movq %r12, %rax\n"
	"	syscall\n"
	"	notq %rax\n"
	"	cmpq %r12, %rax\n"
	"	je 3f\n"
	"	incq %rbx\n"
	"3:	decq %r12\n"
	"	jnz 2b\n"
	"	lfence\n"
	"	rdtsc\n"
	"	shlq $32, %rdx\n"
	"	orq %rdx, %rax\n"
	"	subq %r14, %rax\n"
	"	movq %r15, %rdi\n"
	"	movq %rax, %rsi\n"
	"	movq %rbx, %rdx\n"
	"	movabsq $" XSTR(REPORT_SYSCALL_BATCH) ", %rax\n"
	"	syscall\n"
	"	incq %r15\n"
	"	cmpq $" XSTR(RUNS) ", %r15\n"
	"	jb 1b\n"
	"	xorl %r15d, %r15d\n"
	"1:	lfence\n"
	"	rdtsc\n"
	"	shlq $32, %rdx\n"
	"	orq %rax, %rdx\n"
	"	movq %rdx, %r14\n"
	"	movl $" XSTR(CALLS) ", %r12d\n"
	"	movl $" XSTR(USER_HOLE_VA) ", %edi\n"
	"bench_ufault_insn:\n"
	"2:	movq (%rdi), %rax\n"
	"4:	decq %r12\n"
	"	jnz 2b\n"
	"	lfence\n"
	"	rdtsc\n"
	"	shlq $32, %rdx\n"
	"	orq %rdx, %rax\n"
	"	subq %r14, %rax\n"
	"	movq %r15, %rdi\n"
	"	movq %rax, %rsi\n"
	"	xorl %edx, %edx\n"
	"	movabsq $" XSTR(REPORT_UFAULT_BATCH) ", %rax\n"
	"	syscall\n"
	"	incq %r15\n"
	"	cmpq $" XSTR(RUNS) ", %r15\n"
	"	jb 1b\n"
	"	movabsq $" XSTR(REPORT_DONE) ", %rax\n"
	"	syscall\n"
	"	ud2\n"
	"	.if 4b - bench_ufault_insn - 3\n"
	"	.error \"the user faulting load must be 3 bytes\"\n"
	"	.endif\n"
	"bench_user_code_end:\n"
	"	.text\n");

extern const uint8_t bench_user_code[], bench_user_code_end[], bench_ufault_insn[], bench_kfault_insn[];
void bench_syscall_entry(void);
void bench_fault_entry(void);
uint64_t bench_kfault_loop(uint64_t n, uint64_t addr);
uint64_t bench_report(uint64_t batch, uint64_t cycles, uint64_t mismatches, uint64_t op);
void rt_trap(unsigned int vector, const uint64_t *frame);

/* Shared with the assembly above. */
uint64_t bench_nr_syscalls, bench_nr_faults, bench_bad_cr2;
uint64_t bench_kfault_rip, bench_ufault_rip, bench_fault_addr;
volatile uint64_t *bench_cr2;

/* One timed operation: cycles per operation of each counted batch, in arrival order until sorted. */
struct phase {
	const char *what;
	unsigned int runs;
	uint64_t per_op[BATCHES];
};

static struct phase ph_syscall = { .what = "syscall" };
static struct phase ph_kfault = { .what = "kernel page fault" };
static struct phase ph_ufault = { .what = "user page fault" };
static uint64_t kfaults, kbad_cr2, ufaults_base, user_mismatches;

static uint8_t hole[4096] __attribute__((aligned(4096)));
static uint8_t window[4096] __attribute__((aligned(4096)));
static uint64_t kstack[1024] __attribute__((aligned(16)));

enum { F_L4, F_L3, F_L2, F_L1, F_CODE, NR_FRAMES };
static uint64_t frames[NR_FRAMES];

static const uint64_t *p2m(void)
{
	return (const uint64_t *)(uintptr_t)rt_boot.si->mfn_list;
}

static uint64_t own_mfn(const void *va)
{
	return p2m()[(RT_PTR(va) - RT_VIRT_BASE) >> 12];
}

static long map_at(void *va, uint64_t mfn)
{
	return hyp_update_va_mapping(RT_PTR(va), (mfn << 12) | PTE_P | PTE_RW | PTE_A | PTE_D,
				     UVMF_INVLPG);
}

static void sort_u64(uint64_t *v, unsigned int n)
{
	for (unsigned int i = 1; i < n; i++) {
		uint64_t x = v[i];
		unsigned int j = i;

		for (; j > 0 && v[j - 1] > x; j--)
			v[j] = v[j - 1];
		v[j] = x;
	}
}

/* Batches must arrive in order, each once; batch 0 only warms up. */
static void record(struct phase *ph, uint64_t batch, uint64_t cycles)
{
	if (batch != ph->runs || batch >= RUNS) {
		tc_fail("%s: batch %llu arrived after %u batches", ph->what,
			(unsigned long long)batch, ph->runs);
		rt_finish();
	}
	if (batch > 0)
		ph->per_op[batch - 1] = cycles / CALLS;
	ph->runs++;
}

static void print_phase(struct phase *ph)
{
	if (ph->runs != RUNS)
		return;
	sort_u64(ph->per_op, BATCHES);
	rt_printf("traps: %s round trip median %llu cycles (min %llu, max %llu; %u batches of %u)\n",
		  ph->what, (unsigned long long)ph->per_op[BATCHES / 2],
		  (unsigned long long)ph->per_op[0], (unsigned long long)ph->per_op[BATCHES - 1],
		  BATCHES, CALLS);
}

/* Loads from a page of the image whose PTE the guest cleared: a not-present #PF in kernel mode every time. */
static int kernel_fault_phase(void)
{
	uint64_t mfn = own_mfn(hole);
	uint64_t before = bench_nr_faults, bad_before = bench_bad_cr2;

	if (hyp_update_va_mapping(RT_PTR(hole), 0, UVMF_INVLPG) != 0)
		return -1;
	bench_fault_addr = RT_PTR(hole);
	bench_kfault_rip = RT_PTR(bench_kfault_insn);
	for (uint64_t r = 0; r < RUNS; r++)
		record(&ph_kfault, r, bench_kfault_loop(CALLS, RT_PTR(hole)));
	bench_kfault_rip = 0;
	kfaults = bench_nr_faults - before;
	kbad_cr2 = bench_bad_cr2 - bad_before;
	return map_at(hole, mfn) == 0 ? 0 : -1;
}

/* Writes a frame through the window; the window then goes back to its own frame. */
static int fill(uint64_t mfn, void (*writer)(uint64_t *page))
{
	uint64_t own = own_mfn(window);

	if (map_at(window, mfn) != 0)
		return -1;
	memset(window, 0, sizeof(window));
	writer((uint64_t *)window);
	return map_at(window, own) == 0 ? 0 : -1;
}

static void write_l4(uint64_t *p) { p[0] = (frames[F_L3] << 12) | PTE_P | PTE_RW | PTE_US | PTE_A; }
static void write_l3(uint64_t *p) { p[0] = (frames[F_L2] << 12) | PTE_P | PTE_RW | PTE_US | PTE_A; }
static void write_l2(uint64_t *p) { p[USER_CODE_VA >> 21] = (frames[F_L1] << 12) | PTE_P | PTE_RW | PTE_US | PTE_A; }
static void write_l1(uint64_t *p) { p[0] = (frames[F_CODE] << 12) | PTE_P | PTE_US | PTE_A; }

static void write_code(uint64_t *p)
{
	memcpy(p, bench_user_code, (size_t)(bench_user_code_end - bench_user_code));
}

static long mmuext1(uint32_t cmd, uint64_t mfn)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = mfn;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

/*
 * User address space: one read-only code page at USER_CODE_VA, nothing
 * else. The frames come from the end of memory, past the builder's initial
 * mapping (the boot stack is near its end), so no other mapping of them
 * stops them becoming page tables.
 */
static int build_user_space(void)
{
	uint64_t nr = rt_boot.si->nr_pages;
	uint64_t first_free = ((rt_boot.rsp - RT_VIRT_BASE) >> 12) + 2048;
	struct callback_register cb = { .type = CALLBACKTYPE_syscall, .flags = CALLBACKF_mask_events,
					.address = RT_PTR(bench_syscall_entry) };

	if (nr < first_free + NR_FRAMES ||
	    (size_t)(bench_user_code_end - bench_user_code) > 4096)
		return -1;
	for (int i = 0; i < NR_FRAMES; i++)
		frames[i] = p2m()[nr - NR_FRAMES + i];
	if (fill(frames[F_L4], write_l4) || fill(frames[F_L3], write_l3) ||
	    fill(frames[F_L2], write_l2) || fill(frames[F_L1], write_l1) ||
	    fill(frames[F_CODE], write_code))
		return -1;
	if (mmuext1(MMUEXT_PIN_L4_TABLE, frames[F_L4]) != 0 ||
	    mmuext1(MMUEXT_NEW_USER_BASEPTR, frames[F_L4]) != 0 ||
	    rt_hypercall2(__HYPERVISOR_callback_op, CALLBACKOP_register, RT_PTR(&cb)) != 0)
		return -1;
	return (int)rt_hypercall2(__HYPERVISOR_stack_switch, FLAT_KERNEL_SS,
				  RT_PTR(&kstack[sizeof(kstack) / sizeof(kstack[0])]));
}

/* iret hypercall to the user code, virtual IF off so no event interrupts a batch; never returns. */
static void __attribute__((noreturn)) enter_user(void)
{
	__asm__ volatile("pushq %[ss]\n\tpushq %[sp]\n\tpushq $2\n\tpushq %[cs]\n\tpushq %[ip]\n\t"
			 "pushq $0\n\tpushq $0\n\tpushq $0\n\tpushq $0\n\tsyscall\n\tud2"
			 : : [ss] "r"((uint64_t)FLAT_USER_SS), [sp] "r"((uint64_t)USER_CODE_VA + 4096),
			     [cs] "r"((uint64_t)FLAT_USER_CS), [ip] "r"((uint64_t)USER_CODE_VA),
			     "a"((uint64_t)__HYPERVISOR_iret)
			 : "memory");
	__builtin_unreachable();
}

static void __attribute__((noreturn)) finish(void)
{
	uint64_t ufaults = bench_nr_faults - ufaults_base;

	print_phase(&ph_syscall);
	print_phase(&ph_kfault);
	print_phase(&ph_ufault);
	tc_check(ph_kfault.runs == RUNS && kfaults == OPS_PER_PHASE && kbad_cr2 == 0,
		 "each of %llu kernel-mode loads from a not-present page faulted once with cr2 = the "
		 "address and resumed after iret (faults %llu, wrong cr2 %llu)",
		 (unsigned long long)OPS_PER_PHASE, (unsigned long long)kfaults,
		 (unsigned long long)kbad_cr2);
	tc_check(ph_syscall.runs == RUNS && bench_nr_syscalls == OPS_PER_PHASE && user_mismatches == 0,
		 "each of %llu user SYSCALLs reached the callback once and user mode got the kernel's "
		 "rax back (callbacks %llu, wrong rax %llu)", (unsigned long long)OPS_PER_PHASE,
		 (unsigned long long)bench_nr_syscalls, (unsigned long long)user_mismatches);
	tc_check(ph_ufault.runs == RUNS && ufaults == OPS_PER_PHASE && bench_bad_cr2 == kbad_cr2,
		 "each of %llu user-mode loads from an unmapped page faulted once with cr2 = the "
		 "address and resumed in user mode (faults %llu, wrong cr2 %llu)",
		 (unsigned long long)OPS_PER_PHASE, (unsigned long long)ufaults,
		 (unsigned long long)(bench_bad_cr2 - kbad_cr2));
	rt_finish();
}

/* The syscall callback's slow path (rax bit 63 set); the result goes back to user mode in rax. */
uint64_t bench_report(uint64_t batch, uint64_t cycles, uint64_t mismatches, uint64_t op)
{
	switch (op) {
	case REPORT_SYSCALL_BATCH:
		record(&ph_syscall, batch, cycles);
		user_mismatches = mismatches;
		return 0;
	case REPORT_UFAULT_BATCH:
		record(&ph_ufault, batch, cycles);
		return 0;
	case REPORT_DONE:
		finish();
	default:
		tc_fail("user mode made an unknown report %#llx", (unsigned long long)op);
		rt_finish();
	}
}

void test_main(void)
{
	static struct trap_info pf[2];
	long rc;

	volatile struct shared_info *sh = rt_map_shared_info(&rc);

	if (!sh) {
		tc_fail("could not map shared_info (%ld)", rc);
		return;
	}
	bench_cr2 = &sh->vcpu_info[0].arch.cr2;
	pf[0].vector = 14;
	pf[0].cs = FLAT_KERNEL_CS;
	pf[0].address = RT_PTR(bench_fault_entry);
	/* Every step below is a hypercall the hypervisor must support: a refusal is its failure. */
	if (hyp_set_trap_table(RT_PTR(pf)) != 0 || kernel_fault_phase() != 0) {
		tc_fail("could not set up the kernel-mode fault benchmark");
		return;
	}
	if (build_user_space() != 0) {
		tc_fail("could not set up user mode");
		return;
	}
	ufaults_base = bench_nr_faults;
	bench_fault_addr = USER_HOLE_VA;
	bench_ufault_rip = USER_CODE_VA + (uint64_t)(bench_ufault_insn - bench_user_code);
	enter_user();
}
