/* SPDX-License-Identifier: MIT */
/* Boot CPU start-up in order: console, boot info, memory, descriptor tables, ACPI, APIC and timer, other CPUs. */
#include <asm/acpi.h>
#include <asm/apic.h>
#include <asm/desc.h>
#include <asm/hvm.h>
#include <asm/layout.h>
#include <asm/m2p.h>
#include <asm/paging.h>
#include <asm/pv.h>
#include <asm/power.h>
#include <asm/regs.h>
#include <asm/smp.h>
#include <asm/time.h>
#include <asm/x86.h>
#include <hv/bootinfo.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/frame.h>
#include <hv/heap.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/main.h>
#include <hv/memmap.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/timer.h>

#define TICK_NS		10000000ULL	/* 100 Hz until the scheduler wants something else */

extern char _end[], boot_stack[];

struct boot_info bootinfo;
struct hv_cmdline hv_cmdline;
uint32_t hv_test_switches;
static struct memmap memmap;
static struct percpu bsp_percpu;

/* Before paging_init the boot page tables map the low 4 GiB at the direct-map address. */
static const void *early_phys(paddr_t pa, size_t len)
{
	if (pa + len < pa || pa + len > (1ULL << 32))
		return NULL;
	return paddr_to_virt(pa);
}

/* Multiboot loaders put the image's own name first; options follow it. */
static const char *cmdline_options(const char *s)
{
	const char *sp = strchr(s, ' ');

	if (s[0] == '/' || strncmp(s, "skiff", 5) == 0)
		return sp ? sp + 1 : "";
	return s;
}

static void cmdline_warn(const char *what, const char *tok, size_t len)
{
	log_warn("cmdline: %s '%.*s'", what, (int)len, tok);
}

static const char *mem_type_name(uint32_t t)
{
	static const char *const names[] = { "?", "RAM", "reserved", "ACPI", "NVS", "bad" };

	return t < ARRAY_SIZE(names) ? names[t] : "other";
}

static void print_boot_info(void)
{
	log_info("boot: loader '%s', command line '%s'", bootinfo.loader, bootinfo.cmdline);
	for (unsigned int i = 0; i < bootinfo.nr_ranges; i++) {
		const struct boot_memrange *r = &bootinfo.ranges[i];

		log_info("boot:  mem %016lx-%016lx %s", r->start, r->start + r->len - 1,
			 mem_type_name(r->type));
	}
	log_info("boot: RAM total %lu MiB", boot_ram_bytes(&bootinfo) >> 20);
	for (unsigned int i = 0; i < bootinfo.nr_modules; i++) {
		const struct boot_module *m = &bootinfo.modules[i];

		log_info("boot: module %u: %08lx-%08lx %lu bytes '%s'", i, m->start, m->end,
			 m->end - m->start, m->cmdline);
	}
	log_info("boot: %u module%s", bootinfo.nr_modules, bootinfo.nr_modules == 1 ? "" : "s");
}

static void add_free(paddr_t start, paddr_t end, void *arg)
{
	frame_add_free_range(start >> PAGE_SHIFT, (end - start) >> PAGE_SHIFT);
}

static void memory_init(void)
{
	paddr_t ram_end = boot_ram_end(&bootinfo), ft_pa;
	mfn_t nr_frames = ram_end >> PAGE_SHIFT;

	memmap_init(&memmap, &bootinfo);
	/* The first MiB holds BIOS data, the AP trampoline and firmware tables. */
	memmap_reserve(&memmap, 0, 0x100000, "low memory");
	memmap_reserve(&memmap, HV_LOAD_PA, (paddr_t)(uintptr_t)_end - HV_IMAGE_BASE, "hypervisor image");
	for (unsigned int i = 0; i < bootinfo.nr_modules; i++)
		memmap_reserve(&memmap, bootinfo.modules[i].start, bootinfo.modules[i].end, "module");
	paging_init(&memmap, ram_end);
	ft_pa = memmap_early_alloc(&memmap, nr_frames * sizeof(struct page_info), PAGE_SIZE, ram_end);
	if (!ft_pa)
		panic("memory: no room for a frame table of %lu frames", nr_frames);
	frame_table_init(paddr_to_virt(ft_pa), nr_frames);
	memmap.closed = true;
	memmap_for_each_free(&memmap, add_free, NULL);
	hv_heap_init();
	paging_print_layout();
	log_info("memory: frame table %lu KiB for %lu frames, %lu KiB early allocations",
		 nr_frames * sizeof(struct page_info) >> 10, nr_frames, memmap.early_bytes >> 10);
}

static void run_early_tests(void)
{
	if (hv_test_switches & TEST_PANIC)
		panic("test=panic on the command line");
	if (hv_test_switches & TEST_UD)
		__asm__ volatile("ud2");
	if (hv_test_switches & TEST_PAGEFAULT)
		test_bad_write(0x18);	/* nothing is mapped at the bottom */
	if (hv_test_switches & TEST_DIVIDE) {
		/* In asm: the compiler may rewrite a C division by a known divisor. */
		uint32_t lo = 1, hi = 0, zero = 0;

		__asm__ volatile("divl %2" : "+a"(lo), "+d"(hi) : "r"(zero));
	}
}

static void cpus_init(void)
{
	acpi_init();
	cpu_table = hv_zalloc(sizeof(*cpu_table) * MAX(acpi.nr_lapics, 1u));
	if (!cpu_table)
		panic("no memory for the CPU table");
	apic_init_bsp(acpi.lapic_pa ? acpi.lapic_pa : 0xfee00000);
	bsp_percpu.apic_id = apic_id();
	apic_timer_calibrate();
	apic_timer_start(TICK_NS);
	sched_cpu_start();
	bsp_percpu.online = true;
	nr_cpus_online = 1;
	local_irq_enable();
	run_early_tests();
	smp_boot_cpus(hv_cmdline.maxcpus);
}

bool host_under_qemu_tcg;

/* QEMU's TCG signs CPUID leaf 0x40000000 "TCGTCGTCGTCG"; hardware and other hypervisors never do. */
static bool host_is_qemu_tcg(void)
{
	uint32_t max, sig[3];

	cpuid_count(0x40000000, 0, &max, &sig[0], &sig[1], &sig[2]);
	return memcmp(sig, "TCGTCGTCGTCG", sizeof(sig)) == 0;
}

void __noreturn arch_boot_bsp(uint32_t magic, paddr_t info_pa)
{
	const char *why = NULL;

	bsp_percpu.stack_block = boot_stack;
	*(struct percpu **)(boot_stack + STACK_PCPU_OFF) = &bsp_percpu;
	console_init("com1");	/* before the command line: a bad boot must still be heard */
	if (multiboot_parse(magic, info_pa, early_phys, &bootinfo, &why) < 0) {
		log_err("boot: %s", why);
		hv_exit(HV_EXIT_FAIL);
	}
	cmdline_parse(cmdline_options(bootinfo.cmdline), &hv_cmdline, cmdline_warn);
	log_threshold = hv_cmdline.loglvl;
	if (strcmp(hv_cmdline.console, "none") == 0)
		serial_init(0);		/* asked for silence: port 0 turns the UART off */
	hv_test_switches = hv_cmdline.tests;
	log_notice("Skiff hypervisor %s starting", SKIFF_VERSION);
	time_init();
	print_boot_info();
	memory_init();
	/* SSE for guests (the hypervisor itself never touches FPU state: -mgeneral-regs-only). */
	write_cr4(read_cr4() | CR4_OSFXSR | CR4_OSXMMEXCPT);
	m2p_init();
	timer_subsys_init();
	scheduler_init();
	idt_init();
	cpu_tables_init(&bsp_percpu);
	host_under_qemu_tcg = host_is_qemu_tcg();
	pv_cpuid_init();
	pv_cpu_init(&bsp_percpu);
	hvm_cpu_init(&bsp_percpu);
	cpus_init();
	hv_main();
}

/* XENVER_commandline: the hypervisor's options, without the image name the loader put first. */
const char *hv_cmdline_string(void)
{
	return cmdline_options(bootinfo.cmdline);
}
