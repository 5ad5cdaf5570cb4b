/* SPDX-License-Identifier: MIT */
/* Host harness for hypercall handler tests: the hypervisor services the handlers call, over fake guest memory. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <hv/guest_access.h>
#include <hv/log.h>
#include <hv/spinlock.h>
#include <pvabi/errno.h>

#include "hc_harness.h"

#define HC_LOG_MAX	4096
#define HC_LOG_LEN	1024
#define HC_MAX_DOMS	4

/* Hypervisor slots a guest pointer may never reach (guest_access.h). */
#define HC_HV_START	0xffff800000000000ULL
#define HC_HV_END	0xffff880000000000ULL

static uint8_t hc_mem[HC_PAGES][PAGE_SIZE] __aligned(4096);
static uint8_t hc_top[PAGE_SIZE] __aligned(4096);

static struct {
	char text[HC_LOG_LEN];
	int level;
} hc_log[HC_LOG_MAX];
static unsigned int hc_log_n;
/* The hypervisor's own ticket lock, as the code under test uses. */
static spinlock_t hc_log_lock = SPINLOCK_INIT;

static struct domain hc_doms[HC_MAX_DOMS];
static struct vcpu hc_vcpus[HC_MAX_DOMS];
static struct vcpu *hc_vcpu_ptrs[HC_MAX_DOMS];
static unsigned int hc_nr_doms;
static struct vcpu *hc_current;

static char hc_cmdline[2048];
static bool hc_cmdline_null;
static unsigned int hc_from_calls;
static size_t hc_from_max;

uint64_t hc_va(unsigned int page, size_t off)
{
	return HC_BASE + (uint64_t)page * PAGE_SIZE + off;
}

/* Page index of a guest VA inside the fake region, or -1. */
static int hc_page_of(uint64_t va)
{
	if (va < HC_BASE || va >= HC_BASE + (uint64_t)HC_PAGES * PAGE_SIZE)
		return -1;
	return (int)((va - HC_BASE) / PAGE_SIZE);
}

void *hc_host(uint64_t va)
{
	int p = hc_page_of(va);

	if (va >= HC_VA_TOP && va < HC_VA_TOP + PAGE_SIZE)
		return &hc_top[va - HC_VA_TOP];
	if (p < 0 || p == HC_PAGE_HOLE)
		return NULL;
	return &hc_mem[p][(va - HC_BASE) % PAGE_SIZE];
}

static bool hc_readable(uint64_t va)
{
	return hc_host(va) != NULL;
}

static bool hc_writable(uint64_t va)
{
	return hc_readable(va) && hc_page_of(va) != HC_PAGE_RO;
}

static bool hc_canonical(uint64_t va)
{
	return va < 0x0000800000000000ULL || va >= 0xffff800000000000ULL;
}

bool guest_range_ok(uint64_t va, size_t len)
{
	uint64_t last;

	if (len == 0)
		return hc_canonical(va);
	last = va + len - 1;
	if (last < va || !hc_canonical(va) || !hc_canonical(last))
		return false;
	/* Both ends canonical and no wrap: the range lies in one canonical half. */
	return last < HC_HV_START || va >= HC_HV_END;
}

int copy_from_guest(void *dst, uint64_t guest_va, size_t len)
{
	uint8_t *d = dst;

	hc_from_calls++;
	if (len > hc_from_max)
		hc_from_max = len;
	if (!guest_range_ok(guest_va, len))
		return -XEN_EFAULT;
	for (size_t i = 0; i < len; i++) {
		if (!hc_readable(guest_va + i))
			return -XEN_EFAULT;
		d[i] = *(uint8_t *)hc_host(guest_va + i);
	}
	return 0;
}

int copy_to_guest(uint64_t guest_va, const void *src, size_t len)
{
	const uint8_t *s = src;

	if (!guest_range_ok(guest_va, len))
		return -XEN_EFAULT;
	for (size_t i = 0; i < len; i++) {
		if (!hc_writable(guest_va + i))
			return -XEN_EFAULT;
		*(uint8_t *)hc_host(guest_va + i) = s[i];
	}
	return 0;
}

void hc_reset(void)
{
	memset(hc_mem, 0, sizeof(hc_mem));
	memset(hc_top, 0, sizeof(hc_top));
	memset(hc_doms, 0, sizeof(hc_doms));
	memset(hc_vcpus, 0, sizeof(hc_vcpus));
	hc_nr_doms = 0;
	hc_current = NULL;
	spin_lock(&hc_log_lock);
	hc_log_n = 0;
	spin_unlock(&hc_log_lock);
	hc_from_calls = 0;
	hc_from_max = 0;
	hc_cmdline[0] = '\0';
	hc_cmdline_null = false;
}

struct domain *hc_domain(domid_t domid, const char *name, bool privileged)
{
	struct domain *d;
	struct vcpu *v;

	if (hc_nr_doms >= HC_MAX_DOMS)
		abort();
	d = &hc_doms[hc_nr_doms];
	v = &hc_vcpus[hc_nr_doms];
	hc_vcpu_ptrs[hc_nr_doms] = v;
	hc_nr_doms++;
	d->domid = domid;
	snprintf(d->name, sizeof(d->name), "%s", name);
	d->is_privileged = privileged;
	d->lock = (spinlock_t)SPINLOCK_INIT;
	d->console_lock = (spinlock_t)SPINLOCK_INIT;
	d->max_vcpus = 1;
	d->vcpu = &hc_vcpu_ptrs[hc_nr_doms - 1];
	v->domain = d;
	return d;
}

void hc_set_current(struct domain *d)
{
	hc_current = d->vcpu[0];
}

struct vcpu *current_vcpu(void)
{
	return hc_current;
}

void hc_set_cmdline(const char *s)
{
	hc_cmdline_null = s == NULL;
	snprintf(hc_cmdline, sizeof(hc_cmdline), "%s", s ? s : "");
}

const char *hv_cmdline_string(void)
{
	return hc_cmdline_null ? NULL : hc_cmdline;
}

void vprintk(int level, const char *fmt, va_list ap)
{
	char line[HC_LOG_LEN];
	size_t n;

	vsnprintf(line, sizeof(line), fmt, ap);
	n = strlen(line);
	if (n > 0 && line[n - 1] == '\n')
		line[n - 1] = '\0';
	spin_lock(&hc_log_lock);
	if (hc_log_n < HC_LOG_MAX) {
		memcpy(hc_log[hc_log_n].text, line, sizeof(line));
		hc_log[hc_log_n].level = level;
		hc_log_n++;
	}
	spin_unlock(&hc_log_lock);
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

unsigned int hc_log_count(void)
{
	unsigned int n;

	spin_lock(&hc_log_lock);
	n = hc_log_n;
	spin_unlock(&hc_log_lock);
	return n;
}

const char *hc_log_line(unsigned int i)
{
	return i < hc_log_count() ? hc_log[i].text : "";
}

int hc_log_level(unsigned int i)
{
	return i < hc_log_count() ? hc_log[i].level : -100;
}

unsigned int hc_copy_from_calls(void)
{
	return hc_from_calls;
}

size_t hc_copy_from_max(void)
{
	return hc_from_max;
}
