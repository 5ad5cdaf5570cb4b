/* SPDX-License-Identifier: MIT */
/*
 * QEMU TCG plugin: guest instructions executed per translation block (start
 * address, length), written at exit to out=FILE, and snapshotted to
 * FILE.markN each time the block at mark=ADDR runs (e.g. a benchmark's clock
 * read before and after its loop), so two snapshots bound a timed window.
 * The API is declared here by hand (QEMU 7.2, plugin API version 1): Debian
 * ships no qemu-plugin.h. Counts are per block executed, so a block left
 * early by a fault counts whole. See tools/tb-profile/tb-profile.
 *
 * cycles=1: instead of an inline count, a callback per block executed
 * charges the host TSC cycles from the block's start to the next block's
 * start on the same vCPU thread (QEMU's own work between them included:
 * helpers, TLB refills, lock waits) to the block, and keeps apart the
 * executions under TYPICAL_MAX cycles, so host preemptions (milliseconds,
 * landing anywhere) do not hide what a block usually costs. The callback
 * adds its own few dozen cycles to every block alike.
 */
#include <inttypes.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef uint64_t qemu_plugin_id_t;
struct qemu_plugin_tb;
typedef struct qemu_info_t qemu_info_t;
enum qemu_plugin_op { QEMU_PLUGIN_INLINE_ADD_U64 };
typedef void (*tb_trans_cb)(qemu_plugin_id_t, struct qemu_plugin_tb *);
typedef void (*udata_cb)(qemu_plugin_id_t, void *);
void qemu_plugin_register_vcpu_tb_trans_cb(qemu_plugin_id_t id, tb_trans_cb cb);
size_t qemu_plugin_tb_n_insns(const struct qemu_plugin_tb *tb);
uint64_t qemu_plugin_tb_vaddr(const struct qemu_plugin_tb *tb);
void qemu_plugin_register_vcpu_tb_exec_inline(struct qemu_plugin_tb *tb, enum qemu_plugin_op op, void *ptr,
					      uint64_t imm);
typedef void (*vcpu_udata_cb)(unsigned int, void *);
void qemu_plugin_register_vcpu_tb_exec_cb(struct qemu_plugin_tb *tb, vcpu_udata_cb cb, int flags, void *userdata);
void qemu_plugin_register_atexit_cb(qemu_plugin_id_t id, udata_cb cb, void *userdata);

__attribute__((visibility("default"))) int qemu_plugin_version = 1;

#define SLOTS (1u << 22)
#define TYPICAL_MAX 20000
struct slot { uint64_t pc, n, count, cycles, typical, ntypical; };
static struct slot *tab;
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static const char *out = "/tmp/pcprof.out";
static uint64_t mark;
static int hits, cycles_mode;
static __thread struct slot *prev_slot;
static __thread uint64_t prev_tsc;
static void dump_to(const char *path);
static void on_mark(unsigned int cpu, void *p)
{
	(void)cpu; (void)p;
	char path[512];
	snprintf(path, sizeof(path), "%s.mark%d", out, ++hits);
	dump_to(path);
}

static struct slot *lookup(uint64_t pc, uint64_t n)
{
	uint64_t h = (pc * 0x9e3779b97f4a7c15ull) >> 42;
	for (;;) {
		struct slot *s = &tab[h & (SLOTS - 1)];
		if (s->pc == pc && s->n == n)
			return s;
		if (!s->pc && !s->n) {
			s->pc = pc;
			s->n = n;
			return s;
		}
		h++;
	}
}

static void on_exec(unsigned int cpu, void *p)
{
	(void)cpu;
	uint64_t now = __builtin_ia32_rdtsc(), d = now - prev_tsc;
	struct slot *s = p;

	__atomic_fetch_add(&s->count, 1, __ATOMIC_RELAXED);
	/* A thread's first block, or a TSC step back between host CPUs, is not charged. */
	if (prev_slot && d < (1ull << 40)) {
		__atomic_fetch_add(&prev_slot->cycles, d, __ATOMIC_RELAXED);
		if (d < TYPICAL_MAX) {
			__atomic_fetch_add(&prev_slot->typical, d, __ATOMIC_RELAXED);
			__atomic_fetch_add(&prev_slot->ntypical, 1, __ATOMIC_RELAXED);
		}
	}
	prev_slot = s;
	prev_tsc = now;
}

static void trans(qemu_plugin_id_t id, struct qemu_plugin_tb *tb)
{
	(void)id;
	uint64_t pc = qemu_plugin_tb_vaddr(tb), n = qemu_plugin_tb_n_insns(tb);
	pthread_mutex_lock(&lock);
	struct slot *s = lookup(pc, n);
	pthread_mutex_unlock(&lock);
	if (cycles_mode)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_exec, 0, s);
	else
		qemu_plugin_register_vcpu_tb_exec_inline(tb, QEMU_PLUGIN_INLINE_ADD_U64, &s->count, 1);
	if (mark && pc == mark)
		qemu_plugin_register_vcpu_tb_exec_cb(tb, on_mark, 0, NULL);
}

static void dump(qemu_plugin_id_t id, void *p)
{
	(void)id; (void)p;
	dump_to(out);
}

static void dump_to(const char *path)
{
	FILE *f = fopen(path, "w");
	if (!f)
		return;
	for (uint64_t i = 0; i < SLOTS; i++)
		if (tab[i].count && cycles_mode)
			fprintf(f, "%" PRIx64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 " %" PRIu64 "\n", tab[i].pc,
				tab[i].n, tab[i].count, tab[i].cycles, tab[i].typical, tab[i].ntypical);
		else if (tab[i].count)
			fprintf(f, "%" PRIx64 " %" PRIu64 " %" PRIu64 "\n", tab[i].pc, tab[i].n, tab[i].count);
	fclose(f);
}

__attribute__((visibility("default"))) int qemu_plugin_install(qemu_plugin_id_t id, const qemu_info_t *info,
							       int argc, char **argv)
{
	(void)info;
	for (int i = 0; i < argc; i++)
		if (!strncmp(argv[i], "out=", 4))
			out = argv[i] + 4;
		else if (!strncmp(argv[i], "mark=", 5))
			mark = strtoull(argv[i] + 5, NULL, 0);
		else if (!strncmp(argv[i], "cycles=", 7))
			cycles_mode = atoi(argv[i] + 7);
	tab = calloc(SLOTS, sizeof(*tab));
	qemu_plugin_register_vcpu_tb_trans_cb(id, trans);
	qemu_plugin_register_atexit_cb(id, dump, NULL);
	return 0;
}
