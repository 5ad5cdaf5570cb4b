/* SPDX-License-Identifier: MIT */
/* Ticket spinlocks: fair across CPUs; the irqsave form keeps interrupt handlers from deadlocking on a held lock. */
#ifndef HV_SPINLOCK_H
#define HV_SPINLOCK_H

#include <asm/irqflags.h>
#include <hv/types.h>

typedef struct {
	volatile uint32_t next;
	volatile uint32_t owner;
} spinlock_t;

#define SPINLOCK_INIT { 0, 0 }

static inline void cpu_relax(void)
{
#if defined(__x86_64__)
	__asm__ volatile("pause" ::: "memory");
#endif
}

static inline void spin_lock(spinlock_t *l)
{
	uint32_t me = __atomic_fetch_add(&l->next, 1, __ATOMIC_RELAXED);

	while (__atomic_load_n(&l->owner, __ATOMIC_ACQUIRE) != me)
		cpu_relax();
}

static inline void spin_unlock(spinlock_t *l)
{
	__atomic_store_n(&l->owner, l->owner + 1, __ATOMIC_RELEASE);
}

static inline bool spin_is_locked(spinlock_t *l)
{
	return __atomic_load_n(&l->owner, __ATOMIC_RELAXED) !=
	       __atomic_load_n(&l->next, __ATOMIC_RELAXED);
}

/* Interrupts off while held, so a handler on this CPU cannot spin on a lock its own CPU holds. */
static inline unsigned long spin_lock_irqsave(spinlock_t *l)
{
	unsigned long flags = local_irq_save();

	spin_lock(l);
	return flags;
}

static inline void spin_unlock_irqrestore(spinlock_t *l, unsigned long flags)
{
	spin_unlock(l);
	local_irq_restore(flags);
}

#endif
