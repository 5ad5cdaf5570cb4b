/* SPDX-License-Identifier: MIT */
/* The interrupt flag saved and restored around short critical sections (spin_lock_irqsave). */
#ifndef ASM_IRQFLAGS_H
#define ASM_IRQFLAGS_H

#define X86_RFLAGS_IF_BIT	(1UL << 9)

static inline unsigned long local_irq_save(void)
{
	unsigned long flags;

	__asm__ volatile("pushfq; popq %0; cli" : "=r"(flags) :: "memory");
	return flags;
}

/* Only sets IF again: a section entered with interrupts off leaves them off. */
static inline void local_irq_restore(unsigned long flags)
{
	if (flags & X86_RFLAGS_IF_BIT)
		__asm__ volatile("sti" ::: "memory");
}

#endif
