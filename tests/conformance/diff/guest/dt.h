/* SPDX-License-Identifier: MIT */
/* The differential tester's guest: shared state of the harness (difftest.c), hypercall steps (dt_ops.c) and instruction steps (dt_insn.c). */
#ifndef DT_H
#define DT_H

#include <stdint.h>
#include "test.h"
#include "sec_util.h"

#define DT_NR_SCRATCH	8
#define DT_LINE		800	/* one step line, written whole */
#define DT_SHORT_LINE	230	/* longer lines are shortened (Skiff's console line is 256 bytes with its prefix) */
#define DT_OWN_BITS	(1u << 20)
/* Machine frames the guest owns (bit per frame below DT_OWN_BITS): printed as "own", never by number. */
extern uint64_t dt_own_bits[DT_OWN_BITS / 64];

/*
 * One step's outcome. Each step fills name and args (already canonical),
 * makes its call, then rc, the exception (if any) and state; the harness
 * adds the hash of the buffer the call could have written.
 */
struct dt_step {
	char name[40];
	char args[360];
	char state[160];
	long rc;
	int has_rc;
	int hash_buf;
	int hash_done;		/* the step hashed the buffer itself, before putting its frames back */
	uint64_t hash;		/* 0: the call may write hypervisor-specific data there (MFNs, times): not hashed */
};

/* Hashes the buffer now (a step that puts frames back afterwards hashes before it does). */
void dt_hash_now(struct dt_step *s);

/*
 * One array, so that the layout is fixed: the buffer every pointer argument
 * points into (two pages), then an unmapped guard page, then a page the
 * hypervisor may keep writing to (runstate and time areas), never hashed.
 */
extern uint8_t dt_pages[4][4096];
#define dt_buf		dt_pages
#define DT_BUF_SIZE	(2 * 4096)
#define dt_guard	dt_pages[2]
#define dt_area		dt_pages[3]
/* The page whose mapping update_va_mapping and mmu_update may change; put back after each step. */
extern uint64_t dt_window[512];

extern uint64_t dt_scratch_pfn[DT_NR_SCRATCH], dt_scratch_mfn[DT_NR_SCRATCH], dt_pt_mfn[5];
extern uint64_t dt_window_l1_mfn, dt_window_pte, dt_pt_va[5];
extern unsigned int dt_window_slot;

/* The exception the last guarded instruction raised: vector, error code, cr2 (raw), whether the rip was the instruction's. */
struct dt_exc {
	int vector;		/* -1: none */
	uint64_t ec, cr2, rip;
};
extern volatile struct dt_exc dt_exc;
/* Where a guarded instruction resumes after an exception (0: an exception is unexpected). */
extern volatile uint64_t dt_resume;

uint64_t dt_rnd(void);
uint64_t dt_below(uint64_t n);
uint64_t dt_edge(void);
/* An edge value for a field narrower than 64 bits (dt_edge never draws a machine address of ours). */
uint32_t dt_edge32(void);
uint64_t dt_bad_ptr(void);
uint64_t dt_ptr(unsigned int need);
uint64_t dt_frame(void);
uint64_t dt_far_frame(void);
/* Marks a frame of ours the step names on purpose: printed and hashed by its role. */
void dt_note_frame(uint64_t mfn);
/* mfn, noted: a table's or scratch frame's number the step places on its own (not in a PTE). */
uint64_t dt_named(uint64_t mfn);

/* Canonical text for a value: own frames by role (pt4, s3, img12, own), not by machine number. */
void dt_canon(char *out, size_t size, uint64_t v);
uint64_t dt_canon_word(uint64_t v);
/* Appends "name=value" (canonical) to the step's argument text. */
void dt_arg(struct dt_step *s, const char *name, uint64_t v);
void dt_argf(struct dt_step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void dt_statef(struct dt_step *s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* The steps: each draws its arguments, calls, and records the outcome. */
void dt_step_hypercall(struct dt_step *s);
void dt_step_insn(struct dt_step *s);
/* Installs the tester's trap table (also after a step replaced it). */
long dt_install_traps(void);
/* Puts back the state a step may have changed (trap table, callbacks, window, segment bases, ...). */
void dt_repair(void);
/* A new frame for scratch slot i (populate_physmap, P2M updated, zeroed): 1, or 0 if none came. */
int dt_refill_scratch(int i);

/* trace=1 on the command line: every hypercall is printed before it is made (for finding what killed a run). */
extern int dt_trace;

static inline long dt_hc(uint64_t nr, uint64_t a1, uint64_t a2, uint64_t a3, uint64_t a4, uint64_t a5)
{
	if (dt_trace)
		rt_printf("T hc %llu %#llx %#llx %#llx %#llx %#llx\n", (unsigned long long)nr, (unsigned long long)a1,
			  (unsigned long long)a2, (unsigned long long)a3, (unsigned long long)a4, (unsigned long long)a5);
	return rt_hypercall5(nr, a1, a2, a3, a4, a5);
}

#endif
