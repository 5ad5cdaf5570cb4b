/* SPDX-License-Identifier: MIT */
/* Boot-time domains from multiboot modules: the first kernel is dom0; '@' options in a module's string steer the builder. */
#include <hv/bootinfo.h>
#include <hv/cmdline.h>
#include <hv/console.h>
#include <hv/domain.h>
#include <hv/grant_table.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/main.h>
#include <hv/mm.h>
#include <hv/percpu.h>
#include <hv/pv_mm.h>
#include <hv/spinlock.h>
#include <hv/time.h>
#include <pvabi/errno.h>
#include <pvabi/sched.h>
#include <asm/hvm.h>
#include <asm/pv_build.h>
#include <hv/domctl.h>

#define DEFAULT_MEM		(64ULL << 20)
#define MAX_BOOT_DOMAINS	16

/*
 * A module's string is "path [@opt ...] [guest command line]". Options:
 *   @initrd       this module is the initrd of the kernel before it
 *   @mem=SIZE     guest RAM (dom0 defaults to dom0_mem=, else 64 MiB)
 *   @name=NAME    domain name (default dom0, domU1, ...)
 *   @gnttab_frames=N, @maptrack_frames=N
 *                 grant-table limits (default: gnttab_max_frames= and
 *                 gnttab_max_maptrack_frames= of the hypervisor, else 64, 1024)
 *   @backends     (on dom0) dom0 serves the domUs' consoles and xenstore:
 *                 their rings are granted to it and they get a store port
 *   @toolstack    (on dom0) dom0 is the service domain (backends/dom0): it
 *                 builds every later module's domain itself and serves
 *                 them; implies @backends. Without it (a test dom0) the
 *                 domUs are built here, from plain ELF
 *   @weight=N     scheduler weight, 1..65535 (xl sched-credit; default 256)
 *   @cap=N        at most N percent of one CPU, 0 = no cap (default)
 *   @cpus=LIST    hard affinity of every vCPU: "1", "0-2", "0,3"
 *   @data         not a kernel: the hypervisor builds nothing from it; dom0
 *                 reads it (SKIFF_DOMCTL_boot_module, common/boot_modules.c)
 *   @uuid=UUID    the domain's handle (xx..-..-..-..-xx..): XENVER_guest_handle
 *                 and dom0's /vm/UUID, so Linux's /sys/hypervisor/uuid
 *   @domfile      not a kernel: a checked domain file for dom0's toolstack;
 *                 the hypervisor builds nothing from it
 *   @expect=R[+R] how this domain is expected to end: poweroff (default),
 *                 reboot, crash, watchdog, refused (the builder refuses
 *                 it), destroyed (dom0 destroys it before it shuts
 *                 down). The machine's exit status is a success only if
 *                 every domain ended as expected and every frame returned.
 *   @vcpus=N      N vCPUs (1..128, default 1): vCPU 0 starts, the others
 *                 wait down for VCPUOP_initialise and VCPUOP_up
 *   @hvm          (not on dom0) a fully virtual domain on AMD SVM: the
 *                 module is an x86_64 ELF whose PT_LOAD segments are
 *                 copied to their physical addresses in its RAM; vCPU 0
 *                 starts in real mode at the entry (below 1 MiB). Or a
 *                 Linux bzImage, booted directly with the @initrd after
 *                 it and the command line (hvm/linux_boot.c). A
 *                 stand-in until dom0's builder makes HVM domains too
 *   @xen          (with @hvm) the guest sees Xen's CPUID leaves and may
 *                 make Xen hypercalls for PV drivers (hvm/xen_hvm.c)
 * Everything after the options is the guest's command line. These stand in
 * for a domain file until the toolstack reads them.
 */
struct boot_domain_spec {
	const struct boot_module *kernel, *initrd;
	uint64_t mem;
	uint64_t gnttab_frames, maptrack_frames;	/* 0: hypervisor command line, else built-in */
	bool backends;					/* @backends: this dom0 serves consoles and xenstore */
	bool toolstack;					/* @toolstack: this dom0 builds the domUs */
	char name[DOMAIN_NAME_MAX];
	const char *cmdline;
	uint64_t weight, cap, cpus;	/* 0: default */
	uint8_t uuid[16];
	bool uuid_set;
	uint32_t expect;		/* BOOT_EXPECT_* bits; 0: poweroff */
	uint64_t vcpus;			/* 0: one */
	bool hvm;			/* @hvm: fully virtual (asm/hvm.h) */
	bool xen;			/* @xen: with @hvm, Xen's interface for PV drivers */
};

/* Expected ends: a bit per shutdown reason, and one for a domain the builder refuses. */
#define BOOT_EXPECT_REFUSED	(1u << 16)
#define BOOT_EXPECT_DESTROYED	(1u << 17)	/* dom0 destroyed it before it shut down */
#define BOOT_EXPECT_DEFAULT	(1u << SHUTDOWN_poweroff)

/* Per boot domain, by domid: what its end must be, and whether it was built at all. */
static uint32_t boot_expect[MAX_BOOT_DOMAINS];
static bool boot_refused[MAX_BOOT_DOMAINS];
static uint8_t boot_reason[MAX_BOOT_DOMAINS];	/* how each boot domain shut down, once boot_down */
static bool boot_down[MAX_BOOT_DOMAINS];
static char boot_names[MAX_BOOT_DOMAINS][DOMAIN_NAME_MAX];
static unsigned int boot_nr_specs;

/* Set once every boot domain is built: before that, "all down" may just mean "not built yet". */
static volatile bool all_built;
/* Boot domains live until the machine stops, so this pointer stays valid for the hooks. */
static struct domain *boot_dom0;
static uint64_t free_before;
/* A domU shut down (set by the shutdown hook), or destroy steps remain. */
static bool teardown_pending;

static const char *skip_word(const char *s)
{
	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

/* A decimal count for an @option; junk leaves it 0 (the default). */
static void parse_count(const char *s, size_t len, uint64_t *out)
{
	uint64_t n = 0;

	for (size_t i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9' || n > 65536)
			return;
		n = n * 10 + (uint64_t)(s[i] - '0');
	}
	*out = n <= 65536 ? n : 0;
}

/* "1", "0-2", "0,3": a mask of CPUs below 64, or 0 if malformed. */
static uint64_t parse_cpu_list(const char *s, size_t len)
{
	uint64_t mask = 0, lo, hi;
	size_t i = 0, n;

	while (i < len) {
		n = parse_u64(s + i, len - i, &lo);
		if (!n || lo >= 64)
			return 0;
		i += n;
		hi = lo;
		if (i < len && s[i] == '-') {
			n = parse_u64(s + i + 1, len - i - 1, &hi);
			if (!n || hi >= 64 || hi < lo)
				return 0;
			i += n + 1;
		}
		for (uint64_t c = lo; c <= hi; c++)
			mask |= 1ULL << c;
		if (i < len && s[i++] != ',')
			return 0;
	}
	return mask;
}

static int hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* 8-4-4-4-12 hex digits; false (and out untouched) if malformed. */
static bool parse_uuid(const char *s, size_t len, uint8_t out[16])
{
	uint8_t u[16];
	unsigned int b = 0;

	if (len != 36)
		return false;
	for (size_t i = 0; i < len;) {
		int hi, lo;

		if (i == 8 || i == 13 || i == 18 || i == 23) {
			if (s[i++] != '-')
				return false;
			continue;
		}
		hi = hex_digit(s[i]);
		lo = hex_digit(s[i + 1]);
		if (hi < 0 || lo < 0)
			return false;
		u[b++] = (uint8_t)(hi << 4 | lo);
		i += 2;
	}
	memcpy(out, u, sizeof(u));
	return true;
}

/* "crash", "poweroff+crash": a mask of BOOT_EXPECT_* bits, 0 if a word is unknown. */
static uint32_t parse_expect(const char *s, size_t len)
{
	static const char *const words[] = { "poweroff", "reboot", "suspend", "crash", "watchdog", "soft_reset" };
	uint32_t mask = 0;
	size_t i = 0;

	while (i < len) {
		size_t j = i, n;
		uint32_t bit = 0;

		while (j < len && s[j] != '+')
			j++;
		n = j - i;
		for (unsigned int r = 0; r < ARRAY_SIZE(words); r++)
			if (n == strlen(words[r]) && strncmp(s + i, words[r], n) == 0)
				bit = 1u << r;
		if (n == 7 && strncmp(s + i, "refused", 7) == 0)
			bit = BOOT_EXPECT_REFUSED;
		if (n == 9 && strncmp(s + i, "destroyed", 9) == 0)
			bit = BOOT_EXPECT_DESTROYED;
		if (!bit)
			return 0;
		mask |= bit;
		i = j + 1;
	}
	return mask;
}

/* Parses leading @options; returns where the guest command line starts. */
static const char *parse_options(const char *s, struct boot_domain_spec *spec, bool *is_initrd,
				 bool *is_data)
{
	s = skip_word(s);	/* the module's own path */
	while (*s == '@') {
		const char *w = s + 1;
		size_t len = (size_t)(skip_word(s) - w);

		while (len && w[len - 1] == ' ')
			len--;
		if (len == 6 && strncmp(w, "initrd", 6) == 0)
			*is_initrd = true;
		else if (len == 4 && strncmp(w, "data", 4) == 0)
			*is_data = true;
		else if (len > 4 && strncmp(w, "mem=", 4) == 0 && spec)
			cmdline_parse_size(w + 4, len - 4, &spec->mem);
		else if (len > 14 && strncmp(w, "gnttab_frames=", 14) == 0 && spec)
			parse_count(w + 14, len - 14, &spec->gnttab_frames);
		else if (len > 16 && strncmp(w, "maptrack_frames=", 16) == 0 && spec)
			parse_count(w + 16, len - 16, &spec->maptrack_frames);
		else if (len == 3 && strncmp(w, "hvm", 3) == 0 && spec)
			spec->hvm = true;
		else if (len == 3 && strncmp(w, "xen", 3) == 0 && spec)
			spec->xen = true;
		else if (len == 8 && strncmp(w, "backends", 8) == 0 && spec)
			spec->backends = true;
		else if (len == 9 && strncmp(w, "toolstack", 9) == 0 && spec)
			spec->toolstack = spec->backends = true;
		else if (len > 5 && strncmp(w, "name=", 5) == 0 && spec)
			snprintf(spec->name, sizeof(spec->name), "%.*s", (int)(len - 5), w + 5);
		else if (len > 7 && strncmp(w, "weight=", 7) == 0 && spec)
			parse_u64(w + 7, len - 7, &spec->weight);
		else if (len > 4 && strncmp(w, "cap=", 4) == 0 && spec)
			parse_u64(w + 4, len - 4, &spec->cap);
		else if (len > 6 && strncmp(w, "vcpus=", 6) == 0 && spec)
			parse_count(w + 6, len - 6, &spec->vcpus);
		else if (len > 5 && strncmp(w, "cpus=", 5) == 0 && spec)
			spec->cpus = parse_cpu_list(w + 5, len - 5);
		else if (len > 5 && strncmp(w, "uuid=", 5) == 0 && spec) {
			spec->uuid_set = parse_uuid(w + 5, len - 5, spec->uuid);
			if (!spec->uuid_set)
				log_warn("boot: bad '@%.*s'; the default handle is kept", (int)len, w);
		} else if (len == 7 && strncmp(w, "domfile", 7) == 0)
			*is_data = true;
		else if (len > 7 && strncmp(w, "expect=", 7) == 0 && spec) {
			spec->expect = parse_expect(w + 7, len - 7);
			if (!spec->expect)
				log_warn("boot: bad '@%.*s'; poweroff expected", (int)len, w);
		}
		else
			log_warn("boot: unknown module option '@%.*s'", (int)len, w);
		s = skip_word(s);
	}
	return s;
}

static unsigned int collect_specs(struct boot_domain_spec *specs)
{
	unsigned int n = 0;

	for (unsigned int i = 0; i < bootinfo.nr_modules; i++) {
		const struct boot_module *m = &bootinfo.modules[i];
		struct boot_domain_spec tmp = { 0 };
		bool initrd = false, data = false;
		const char *cmd = parse_options(m->cmdline, &tmp, &initrd, &data);

		if (data) {
			log_info("boot: module %u is not a kernel (@data, @domfile): kept for dom0", i);
			continue;
		}
		/*
		 * A dom0 with the toolstack (@toolstack): every module after its own
		 * kernel and initrd is its to build (SKIFF_DOMCTL_boot_module). Only
		 * a test dom0 gets its domUs built here, as multi-domain tests need.
		 */
		if (n == 1 && specs[0].toolstack && !(initrd && !specs[0].initrd)) {
			log_info("boot: modules %u-%u are dom0's to build", i, bootinfo.nr_modules - 1);
			break;
		}
		if (initrd) {
			if (n && !specs[n - 1].initrd)
				specs[n - 1].initrd = m;
			else
				log_warn("boot: module %u is an initrd without a kernel before it; ignored", i);
			continue;
		}
		if (n == MAX_BOOT_DOMAINS) {
			log_warn("boot: more than %u kernels; module %u ignored", MAX_BOOT_DOMAINS, i);
			continue;
		}
		tmp.kernel = m;
		tmp.cmdline = cmd;
		if (!tmp.mem)
			tmp.mem = n == 0 && hv_cmdline.dom0_mem ? hv_cmdline.dom0_mem : DEFAULT_MEM;
		if (!tmp.name[0])
			snprintf(tmp.name, sizeof(tmp.name), n == 0 ? "dom0" : "domU%u", n);
		specs[n++] = tmp;
	}
	return n;
}

/* Before the domain first runs, so no vCPU is on a run queue yet: the policy's lock is not needed. */
static void apply_sched_options(struct domain *d, const struct boot_domain_spec *s)
{
	uint64_t online = 0;

	for (unsigned int c = 0; c < nr_cpus_possible && c < 64; c++)
		if (cpu_table[c] && cpu_table[c]->online)
			online |= 1ULL << c;
	if (s->weight && s->weight <= 65535)
		d->sched_group.weight = (uint16_t)s->weight;
	else if (s->weight)
		log_warn("boot: d%u: weight %lu out of range 1..65535; default kept", d->domid, s->weight);
	if (s->cap <= 100ULL * nr_cpus_online)
		d->sched_group.cap = (uint16_t)s->cap;
	else
		log_warn("boot: d%u: cap %lu above %u; no cap", d->domid, s->cap, 100 * nr_cpus_online);
	if (s->cpus && !(s->cpus & online))
		log_warn("boot: d%u: cpus= names no online CPU; every CPU allowed", d->domid);
	for (unsigned int i = 0; i < d->max_vcpus; i++)
		d->vcpu[i]->sched.affinity = s->cpus & online ? s->cpus & online : ~0ULL;
	log_info("boot: d%u scheduling: weight %u, cap %u%%, cpus 0x%lx", d->domid, d->sched_group.weight,
		 d->sched_group.cap, d->vcpu[0]->sched.affinity & online);
}

static int build_hvm(struct domain *d, const struct boot_domain_spec *s, bool dom0_backends)
{
	struct hvm_build_args a = {
		.image = paddr_to_virt(s->kernel->start),
		.image_len = s->kernel->end - s->kernel->start,
		.nr_pages = s->mem >> PAGE_SHIFT,
		.initrd = s->initrd ? paddr_to_virt(s->initrd->start) : NULL,
		.initrd_len = s->initrd ? s->initrd->end - s->initrd->start : 0,
		.cmdline = s->cmdline,
		.console_ring = dom0_backends,
		.xen = s->xen,
	};

	return hvm_build(d, &a);
}

static struct domain *build_one(const struct boot_domain_spec *s, domid_t domid, bool dom0_backends)
{
	struct pv_build_args a = {
		.image = paddr_to_virt(s->kernel->start),
		.image_len = s->kernel->end - s->kernel->start,
		.initrd = s->initrd ? paddr_to_virt(s->initrd->start) : NULL,
		.initrd_len = s->initrd ? s->initrd->end - s->initrd->start : 0,
		.cmdline = s->cmdline,
		.nr_pages = s->mem >> PAGE_SHIFT,
		.dom0_backends = domid != 0 && dom0_backends,
	};
	uint64_t gf = s->gnttab_frames ? s->gnttab_frames : hv_cmdline.gnttab_max_frames;
	uint64_t mf = s->maptrack_frames ? s->maptrack_frames : hv_cmdline.gnttab_max_maptrack_frames;
	int err;
	unsigned int vcpus = s->vcpus ? (unsigned int)s->vcpus : 1;
	struct domain *d;

	if (vcpus > DOMAIN_MAX_VCPUS) {
		log_warn("boot: d%u: vcpus=%u above %u; %u used", domid, vcpus, DOMAIN_MAX_VCPUS, DOMAIN_MAX_VCPUS);
		vcpus = DOMAIN_MAX_VCPUS;
	}
	d = domain_create(domid, s->name, domid == 0, vcpus, a.nr_pages, &err);

	if (!d) {
		log_err("boot: cannot create domain %u (%s): error %d", domid, s->name, err);
		return NULL;
	}
	/* Before the guest runs: nothing reads the handle yet. */
	if (s->uuid_set)
		memcpy(d->handle, s->uuid, sizeof(d->handle));
	err = gnttab_set_limits(d, (unsigned int)gf, (unsigned int)mf);
	if (!err && s->hvm)
		err = domid ? build_hvm(d, s, dom0_backends) : -XEN_EINVAL;
	else if (!err)
		err = pv_build(d, &a);
	if (err < 0) {
		log_err("boot: building domain %u (%s) failed: error %d", domid, s->name, err);
		domain_destroy(d);
		return NULL;
	}
	log_info("boot: domain %u (%s) built: %lu MiB, command line '%s'", domid, s->name,
		 s->mem >> 20, d->cmdline);
	if (vcpus > 1)
		log_info("boot: d%u has %u vCPUs: vCPU 0 starts, the others wait for %s", domid, vcpus,
			 s->hvm ? "INIT and SIPI from vCPU 0's APIC" : "VCPUOP_up");
	apply_sched_options(d, s);
	return d;
}

bool boot_domains_all_built(void)
{
	return all_built;
}

/* Once dom0 is down, nothing will start or unpause a domain it created or paused: those count as down too. */
static bool all_domains_down(void)
{
	bool dom0_down = false;

	for (domid_t id = 0; id < MAX_BOOT_DOMAINS; id++) {
		struct domain *d = domain_find(id);
		bool down = !d || d->state == DOM_SHUTDOWN ||
			    (dom0_down && (d->state == DOM_CREATED || d->state == DOM_PAUSED));

		if (id == 0)
			dom0_down = down;

		if (d)
			domain_put(d);
		if (!down)
			return false;
	}
	return true;
}

void cpu_kick(struct percpu *pc);

static void on_domain_shutdown(struct domain *d)
{
	domain_dump_counters(d);
	/* Kept for the final report: a domU is destroyed soon after (here, or by dom0's toolstack). */
	if (d->domid < MAX_BOOT_DOMAINS) {
		boot_reason[d->domid] = d->shutdown_reason;
		__atomic_store_n(&boot_down[d->domid], true, __ATOMIC_RELEASE);
	}
	if (d->domid)
		__atomic_store_n(&teardown_pending, true, __ATOMIC_RELEASE);
	domctl_notify_dom0(boot_dom0);
	/* The boot CPU decides in its idle loop; wake it in case it sleeps. */
	if (smp_processor_id() != 0)
		cpu_kick(cpu_table[0]);
}

/* Lets d run; false if dom0 shut it down while it was being built (then it never runs). */
static bool start_one(struct domain *d)
{
	if (domain_unpause_all_vcpus(d) < 0) {
		log_warn("boot: domain %u (%s) was shut down while being built; not started", d->domid, d->name);
		return false;
	}
	vcpu_pause_flag_clear(d->vcpu[0], VPF_DOWN);
	return true;
}

unsigned int boot_domains_start(void)
{
	struct boot_domain_spec specs[MAX_BOOT_DOMAINS];
	struct domain *built[MAX_BOOT_DOMAINS];
	unsigned int n = collect_specs(specs), started = 0;
	/*
	 * A dom0 that serves backends but builds nothing (@backends alone) may
	 * still run dom0's toolstack, which builds what it finds no domU for:
	 * every boot domain exists before such a dom0 runs.
	 */
	bool dom0_waits = n && specs[0].backends && !specs[0].toolstack;
	struct frame_stats st;

	frame_stats_get(&st);
	free_before = st.free;
	domain_shutdown_hook = on_domain_shutdown;
	boot_nr_specs = n;
	for (unsigned int i = 0; i < n; i++) {
		boot_expect[i] = specs[i].expect ? specs[i].expect : BOOT_EXPECT_DEFAULT;
		memcpy(boot_names[i], specs[i].name, sizeof(boot_names[i]));
		built[i] = build_one(&specs[i], (domid_t)i, specs[0].backends);
		if (!built[i]) {
			boot_refused[i] = true;
			continue;
		}
		if (i == 0)
			boot_dom0 = built[i];
		started++;
		if (i || !dom0_waits)
			start_one(built[i]);
	}
	if (dom0_waits && built[0])
		start_one(built[0]);
	all_built = true;
	domctl_notify_dom0(boot_dom0);
	console_input_start();
	return started;
}

/* Boot CPU, idle: once every domain is down, wait for the CPUs to let go of them, tear down, stop. */
void arch_dump_vcpu(struct vcpu *v);

/* dump_interval=N: every N seconds, where each domain's vCPUs are and what they called. */
static void periodic_dump(void)
{
	static s_time_t next;
	s_time_t now = time_now_ns();

	if (!hv_cmdline.dump_interval || now < next)
		return;
	if (next) {
		for (domid_t id = 0; id < MAX_BOOT_DOMAINS; id++) {
			struct domain *d = domain_find(id);

			if (!d)
				continue;
			log_info("dump: d%u state %u, vCPU0 pause flags %x", id, d->state, d->vcpu[0]->pause_flags);
			arch_dump_vcpu(d->vcpu[0]);
			domain_dump_counters(d);
			domain_put(d);
		}
	}
	next = now + (s_time_t)hv_cmdline.dump_interval * 1000000000;
}

/*
 * A domain that has shut down lets go of the grants it mapped, so granters
 * see their entries idle and can revoke. Done here, in the boot CPU's idle
 * loop (interrupts off), once none of its vCPUs is on a CPU: no hypercall
 * of its own is in flight, and every CPU that ran it has switched page
 * tables since, so no TLB still holds the mappings. A boot CPU that never idles delays this
 * until teardown (Xen too releases only when the domain is destroyed).
 */
static void release_dead_mappings(void)
{
	for (domid_t id = 0; id < MAX_BOOT_DOMAINS; id++) {
		struct domain *d = domain_find(id);
		bool off_cpu = true;

		if (!d)
			continue;
		if (d->state == DOM_SHUTDOWN && gnttab_maptrack_live(d)) {
			for (unsigned int i = 0; i < d->max_vcpus; i++)
				off_cpu = off_cpu && !__atomic_load_n(&d->vcpu[i]->on_cpu, __ATOMIC_ACQUIRE);
			if (off_cpu)
				gnttab_release_mappings(d);
		}
		domain_put(d);
	}
}

/* Words for a BOOT_EXPECT_* mask, "poweroff+crash". */
static const char *expect_word(unsigned int bit)
{
	return bit == 16 ? "refused" : bit == 17 ? "destroyed" : shutdown_reason_name(bit);
}

static void expect_words(uint32_t mask, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned int r = 0; r <= 17; r++) {
		if (!(mask & (1u << r)) || (r > SHUTDOWN_MAX && r < 16))
			continue;
		n += (size_t)snprintf(out + n, cap - n, "%s%s", n ? "+" : "", expect_word(r));
		if (n >= cap)
			return;
	}
}

/*
 * One line per boot domain: how it ended, and whether that is what the boot
 * asked for (@expect). Called before teardown, while the domains still exist.
 * Returns how many did not end as expected.
 */
static unsigned int report_domains(void)
{
	unsigned int bad = 0;

	for (unsigned int i = 0; i < boot_nr_specs; i++) {
		bool down = __atomic_load_n(&boot_down[i], __ATOMIC_ACQUIRE);
		struct domain *d = down || boot_refused[i] ? NULL : domain_find_any((domid_t)i);
		/* Gone (or dying) without a shutdown: dom0 destroyed it. Still here and never down: it hung. */
		uint32_t got = boot_refused[i] ? BOOT_EXPECT_REFUSED : down ? 1u << boot_reason[i] :
			       !d || d->state == DOM_DYING ? BOOT_EXPECT_DESTROYED : 0;
		char want[64];
		bool ok = (got & boot_expect[i]) != 0;

		if (d)
			domain_put(d);
		expect_words(boot_expect[i], want, sizeof(want));
		bad += !ok;
		if (ok)
			log_notice("result: d%u (%s): %s, as expected", i, boot_names[i], expect_word(__builtin_ctz(got)));
		else if (!got)
			log_err("result: d%u (%s): never shut down (left created or paused); expected %s", i,
				boot_names[i], want);
		else
			log_err("result: d%u (%s): %s, UNEXPECTED (expected %s)", i, boot_names[i],
				expect_word(__builtin_ctz(got)), want);
	}
	return bad;
}

/* Domains the boot CPU is destroying (a reference each), by domid. */
static struct domain *reaping[MAX_BOOT_DOMAINS];

/*
 * A domU built here that shut down is destroyed at once, whatever the others do: the
 * kill here, then one bounded relinquish step per domain per call, so the
 * idle loop schedules vCPUs between steps. dom0 stays until the end (the
 * machine's exit status is its shutdown reason). True while steps remain.
 */
static bool destroy_dead_domus(void)
{
	bool more = false;

	/* Only the domUs built here: those dom0's toolstack built are its to destroy (on_poweroff, ...). */
	for (domid_t id = 1; id < boot_nr_specs; id++) {
		struct domain *d = reaping[id];

		if (!d) {
			d = domain_find(id);
			if (!d)
				continue;
			if (d->state != DOM_SHUTDOWN) {
				domain_put(d);
				continue;
			}
			reaping[id] = d;
			domain_kill(d);
		}
		if (domain_relinquish(d) == -XEN_ERESTART) {
			more = true;
			continue;
		}
		reaping[id] = NULL;
		domain_put(d);
	}
	return more;
}

/*
 * The boot CPU's share of run-time teardown: destroy steps of domUs that
 * shut down, and zombie frames whose last user let go. From its idle loop,
 * and between guest exits (it may never idle while others run): each call
 * is bounded work. True while steps remain.
 */
bool boot_domains_work(void)
{
	bool more = false;

	arch_domain_reap_zombies();
	if (all_built && __atomic_exchange_n(&teardown_pending, false, __ATOMIC_ACQ_REL)) {
		more = destroy_dead_domus();
		if (more)
			__atomic_store_n(&teardown_pending, true, __ATOMIC_RELEASE);
	}
	return more;
}

bool boot_domains_work_pending(void)
{
	return __atomic_load_n(&teardown_pending, __ATOMIC_RELAXED) || pv_mm_zombies_pending();
}

bool boot_domains_poll(void)
{
	bool dom0_ok;
	struct domain *d0;
	unsigned int unexpected;

	struct frame_stats st;

	if (smp_processor_id() != 0)
		return false;
	periodic_dump();
	release_dead_mappings();
	if (boot_domains_work())
		return true;
	if (!all_built || !all_domains_down())
		return false;
	for (unsigned int i = 0; i < nr_cpus_possible; i++) {
		s_time_t deadline = time_now_ns() + 1000000000;

		while (cpu_table[i] && cpu_table[i]->curr && time_now_ns() < deadline)
			cpu_relax();
		if (cpu_table[i] && cpu_table[i]->curr) {
			log_err("boot: CPU %u still runs a vCPU of a dead domain; not tearing down", i);
			hv_shutdown(false);
		}
	}
	/* Every domain lets go of others' grants first, so no granter is freed under a live mapping. */
	for (domid_t id = 0; id < MAX_BOOT_DOMAINS; id++) {
		struct domain *d = domain_find(id);

		if (d) {
			gnttab_release_mappings(d);
			domain_put(d);
		}
	}
	d0 = domain_find(0);
	dom0_ok = d0 && d0->shutdown_reason == SHUTDOWN_poweroff;
	if (d0)
		domain_put(d0);
	unexpected = report_domains();
	for (domid_t id = 0; id < MAX_BOOT_DOMAINS; id++) {
		struct domain *d = domain_find(id);

		if (!d)
			continue;
		domain_destroy(d);
		/* Ours was the last reference left: this put frees it. */
		if (__atomic_load_n(&d->refcnt, __ATOMIC_ACQUIRE) != 1)
			log_err("boot: d%u: %u references left after teardown", id, d->refcnt - 1);
		domain_put(d);
	}
	/* Frames a domain destroyed earlier lent to one destroyed just now. */
	arch_domain_reap_zombies();
	frame_stats_get(&st);
	/* Boot modules dom0 released joined the heap meanwhile: they were never the domains' to return. */
	free_before += boot_modules_freed_frames();
	log_notice("all domains have shut down (dom0: %s); %lu free frames before the domains, %lu after%s",
		   dom0_ok ? "poweroff" : "not a clean poweroff", free_before, st.free,
		   st.free == free_before ? ": every frame returned" : ": FRAMES LOST");
	frame_stats_print();
	sched_stats_print();
	log_notice("result: %u of %u domains ended as expected%s", boot_nr_specs - unexpected, boot_nr_specs,
		   st.free == free_before ? "" : "; frames were lost");
	hv_shutdown(unexpected == 0 && st.free == free_before);
}
