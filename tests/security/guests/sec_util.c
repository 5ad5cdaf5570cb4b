/* SPDX-License-Identifier: MIT */
/* Helpers shared by the security-suite guests: command line, clock, frame lookups, result checks. */
#include <pvabi/errno.h>
#include "sec_util.h"

static volatile struct shared_info *sec_sh;
static uint64_t sec_window[512] __attribute__((aligned(4096)));

uint64_t sec_cmdline_num(const char *key, uint64_t def)
{
	const char *s = rt_boot.si->cmd_line;
	size_t klen = strlen(key), len = rt_strnlen(s, MAX_GUEST_CMDLINE);

	for (size_t i = 0; i + klen <= len; i++) {
		uint64_t v = 0;
		unsigned int base = 10;
		const char *p;

		if ((i && s[i - 1] != ' ') || strncmp(s + i, key, klen))
			continue;
		p = s + i + klen;
		if (p[0] == '0' && p[1] == 'x') {
			base = 16;
			p += 2;
		}
		for (;; p++) {
			unsigned int d;

			if (*p >= '0' && *p <= '9')
				d = (unsigned int)(*p - '0');
			else if (base == 16 && *p >= 'a' && *p <= 'f')
				d = (unsigned int)(*p - 'a' + 10);
			else
				break;
			v = v * base + d;
		}
		return v;
	}
	return def;
}

int sec_clock_init(void)
{
	sec_sh = rt_map_shared_info(NULL);
	return sec_sh != NULL;
}

static volatile struct vcpu_info *sec_vi;

uint64_t sec_now_ns(void)
{
	return rt_pvclock_ns(&sec_vcpu_info()->time);
}

volatile struct vcpu_info *sec_vcpu_info(void)
{
	return sec_vi ? sec_vi : &sec_sh->vcpu_info[0];
}

void sec_clock_moved(volatile struct vcpu_info *vi)
{
	sec_vi = vi;
}

uint64_t sec_p2m(uint64_t pfn)
{
	return ((const uint64_t *)(uintptr_t)rt_boot.si->mfn_list)[pfn];
}

uint64_t sec_pfn_of(const volatile void *va)
{
	return ((uint64_t)(uintptr_t)va - RT_VIRT_BASE) >> 12;
}

uint64_t sec_mfn_of(const volatile void *va)
{
	return sec_p2m(sec_pfn_of(va));
}

uint64_t sec_m2p(uint64_t mfn)
{
	return ((const volatile uint64_t *)MACH2PHYS_VIRT_START)[mfn];
}

volatile uint64_t *sec_va_of_mfn(uint64_t mfn)
{
	return (volatile uint64_t *)(uintptr_t)(RT_VIRT_BASE + (sec_m2p(mfn) << 12));
}

int sec_walk(uint64_t va, uint64_t mfn_out[5])
{
	uint64_t m = sec_mfn_of((const void *)(uintptr_t)rt_boot.si->pt_base);

	mfn_out[4] = m;
	for (int level = 4; level > 1; level--) {
		uint64_t e = sec_va_of_mfn(m)[(va >> (12 + 9 * (level - 1))) & 511];

		if (!(e & SEC_PTE_P) || (e & SEC_PTE_PS))
			return -1;
		m = (e & SEC_PTE_ADDR) >> 12;
		mfn_out[level - 1] = m;
	}
	return 0;
}

int sec_zero_frame(uint64_t mfn)
{
	uint64_t own = sec_mfn_of(sec_window);

	if (hyp_update_va_mapping(RT_PTR(sec_window), (mfn << 12) | SEC_PTE_KRW, UVMF_INVLPG))
		return -1;
	memset(sec_window, 0, sizeof(sec_window));
	return hyp_update_va_mapping(RT_PTR(sec_window), (own << 12) | SEC_PTE_KDATA, UVMF_INVLPG) ? -1 : 0;
}

/* True if any L1 of the live tree maps mfn or if mfn is one of the tables. */
static int sec_in_use(uint64_t mfn)
{
	uint64_t l4 = sec_mfn_of((const void *)(uintptr_t)rt_boot.si->pt_base);
	const volatile uint64_t *t4 = sec_va_of_mfn(l4);

	if (mfn == l4)
		return 1;
	for (unsigned int i4 = 0; i4 < 512; i4++) {
		uint64_t e4 = t4[i4], m3 = (e4 & SEC_PTE_ADDR) >> 12;

		if (!(e4 & SEC_PTE_P) || (i4 >= 256 && i4 < 272))
			continue;
		if (m3 == mfn)
			return 1;
		for (unsigned int i3 = 0; i3 < 512; i3++) {
			uint64_t e3 = sec_va_of_mfn(m3)[i3], m2 = (e3 & SEC_PTE_ADDR) >> 12;

			if (!(e3 & SEC_PTE_P))
				continue;
			if (m2 == mfn)
				return 1;
			for (unsigned int i2 = 0; i2 < 512; i2++) {
				uint64_t e2 = sec_va_of_mfn(m2)[i2], m1 = (e2 & SEC_PTE_ADDR) >> 12;

				if (!(e2 & SEC_PTE_P))
					continue;
				if (m1 == mfn)
					return 1;
				for (unsigned int i1 = 0; i1 < 512; i1++) {
					uint64_t e1 = sec_va_of_mfn(m1)[i1];

					if ((e1 & SEC_PTE_P) && ((e1 & SEC_PTE_ADDR) >> 12) == mfn)
						return 1;
				}
			}
		}
	}
	return 0;
}

unsigned int sec_scratch_pfns(uint64_t *pfns, unsigned int n)
{
	uint64_t pfn = rt_boot.si->nr_pages, image_end = sec_pfn_of(rt_image_end);
	unsigned int got = 0;

	while (got < n && pfn-- > image_end + 64) {
		uint64_t m = sec_p2m(pfn);

		if (sec_in_use(m) || sec_zero_frame(m))
			continue;
		pfns[got++] = pfn;
	}
	return got;
}

long sec_mmu1(uint64_t ptr, uint64_t val)
{
	struct mmu_update req = { .ptr = ptr, .val = val };
	uint32_t done = 0xdead;
	long rc = hyp_mmu_update(RT_PTR(&req), 1, RT_PTR(&done), DOMID_SELF);

	if (done != (rc == 0 ? 1u : 0u))
		tc_fail("mmu_update rc %ld but done %u", rc, done);
	return rc;
}

long sec_ext1(uint32_t cmd, uint64_t arg)
{
	struct mmuext_op op = { .cmd = cmd };

	op.arg1.mfn = arg;
	return hyp_mmuext_op(RT_PTR(&op), 1, 0, DOMID_SELF);
}

void sec_expect_(long rc, long want, const char *fmt, ...)
{
	char what[200];
	va_list ap;

	va_start(ap, fmt);
	rt_vsnprintf(what, sizeof(what), fmt, ap);
	va_end(ap);
	if (rc == want)
		tc_pass("%s: %ld", what, rc);
	else
		tc_fail("%s: got %ld, expected %ld", what, rc, want);
}

extern const uint64_t rt_trap_stubs[32];

void sec_probe_pf_entry(void);

static long sec_traps(int probe)
{
	static struct trap_info table[33];

	for (unsigned int v = 0; v < 32; v++) {
		table[v].vector = (uint8_t)v;
		table[v].flags = (v == 3 || v == 4) ? 3 : 0;
		table[v].cs = FLAT_KERNEL_CS;
		table[v].address = rt_trap_stubs[v];
	}
	if (probe)
		table[14].address = RT_PTR(sec_probe_pf_entry);
	return hyp_set_trap_table(RT_PTR(table));
}

long sec_restore_traps(void)
{
	return sec_traps(0);
}

long sec_install_probe(void)
{
	return sec_traps(1);
}
