/* SPDX-License-Identifier: MIT */
/* Host unit tests run in user mode: there is no interrupt flag to save, so saving it only records nothing. */
#ifndef HOST_ASM_IRQFLAGS_H
#define HOST_ASM_IRQFLAGS_H

static inline unsigned long local_irq_save(void)
{
	return 0;
}

static inline void local_irq_restore(unsigned long flags)
{
	(void)flags;
}

#endif
