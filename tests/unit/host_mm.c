/* SPDX-License-Identifier: MIT */
/* Host test harness for memory code: arena-backed mfn_to_virt/virt_to_mfn, printk to stderr, panic to abort. */
#include "host_mm.h"
#include <hv/domain.h>
#include <hv/iomem.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <hv/log.h>
#include <hv/mm.h>

int log_threshold = LOG_WARN;
unsigned long host_log_errors;
sigjmp_buf host_panic_jmp;
volatile int host_panic_armed;
char host_panic_msg[512];
char host_log_buf[16384];
static size_t log_len;

static unsigned char *arena;
static mfn_t arena_base, arena_frames;
static struct page_info *table;

void host_mm_init(mfn_t base, mfn_t frames)
{
	arena = aligned_alloc(PAGE_SIZE, frames * PAGE_SIZE);
	if (arena == NULL) {
		fprintf(stderr, "host_mm_init: no memory for %lu frames\n", frames);
		abort();
	}
	memset(arena, 0xa5, frames * PAGE_SIZE);
	arena_base = base;
	arena_frames = frames;
}

void host_mm_fini(void)
{
	free(arena);
	free(table);
	arena = NULL;
	table = NULL;
}

mfn_t host_mm_base(void)
{
	return arena_base;
}

mfn_t host_mm_frames(void)
{
	return arena_frames;
}

struct page_info *host_mm_table(mfn_t nr_frames)
{
	free(table);
	table = calloc(nr_frames, sizeof(*table));
	if (table == NULL) {
		fprintf(stderr, "host_mm_table: no memory for %lu entries\n", nr_frames);
		abort();
	}
	return table;
}

void host_mm_boot(mfn_t base, mfn_t frames)
{
	host_mm_init(base, frames);
	frame_table_init(host_mm_table(base + frames), base + frames);
	frame_add_free_range(base, frames);
}

void *mfn_to_virt(mfn_t mfn)
{
	if (mfn < arena_base || mfn - arena_base >= arena_frames)
		panic("mfn_to_virt: mfn %#lx is not backed by the test arena", mfn);
	return arena + (mfn - arena_base) * PAGE_SIZE;
}

mfn_t virt_to_mfn(const void *va)
{
	const unsigned char *p = va;

	if (arena == NULL || p < arena || p >= arena + arena_frames * PAGE_SIZE)
		return MFN_INVALID;
	return arena_base + (mfn_t)(p - arena) / PAGE_SIZE;
}

void host_log_clear(void)
{
	log_len = 0;
	host_log_buf[0] = 0;
}

/* Not thread-safe: tests that log from several threads only count errors. */
void vprintk(int level, const char *fmt, va_list ap)
{
	va_list copy;
	int n;

	if (level == LOG_ERR)
		__atomic_fetch_add(&host_log_errors, 1, __ATOMIC_RELAXED);
	va_copy(copy, ap);
	if (log_len < sizeof(host_log_buf) - 2) {
		n = vsnprintf(host_log_buf + log_len, sizeof(host_log_buf) - log_len - 1, fmt, copy);
		if (n > 0)
			log_len = MIN(log_len + (size_t)n, sizeof(host_log_buf) - 2);
		/* Like the hypervisor's printk: every message is a line. */
		if (log_len && host_log_buf[log_len - 1] != '\n')
			host_log_buf[log_len++] = '\n';
		host_log_buf[log_len] = 0;
	}
	va_end(copy);
	if (level <= log_threshold) {
		vfprintf(stderr, fmt, ap);
		if (!*fmt || fmt[strlen(fmt) - 1] != '\n')
			fputc('\n', stderr);
	}
}

void printk(int level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vprintk(level, fmt, ap);
	va_end(ap);
}

void panic(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(host_panic_msg, sizeof(host_panic_msg), fmt, ap);
	va_end(ap);
	if (host_panic_armed) {
		host_panic_armed = 0;
		siglongjmp(host_panic_jmp, 1);
	}
	fprintf(stderr, "PANIC: %s\n", host_panic_msg);
	abort();
}

/* Device frames (hv/iomem.h): the arena has none unless a test names one. */
mfn_t host_device_mfn = ~(mfn_t)0;

bool iomem_frame_ok(const struct domain *d, mfn_t mfn, bool writable)
{
	(void)writable;
	return d->is_privileged && mfn == host_device_mfn;
}
