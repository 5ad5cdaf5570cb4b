/* SPDX-License-Identifier: MIT */
/* The hypercall page a PV guest calls through: written by the builder (boot domains) and by SKIFF_DOMCTL_hypercall_init. */
#include <asm/pv.h>
#include <hv/lib.h>
#include <hv/mm.h>
#include <pvabi/xen.h>

/*
 * Entry N (32 bytes) saves rcx and r11, which syscall clobbers, makes
 * hypercall N and returns. The iret entry is jumped to with the guest's
 * frame on the stack: it pushes rcx, r11 and rax to complete the
 * iret_context and never returns. int3 fills the gaps.
 */
void pv_hypercall_page_fill(void *page)
{
	uint8_t *p = page;

	memset(p, 0xcc, PAGE_SIZE);
	for (uint32_t nr = 0; nr < PAGE_SIZE / 32; nr++, p += 32) {
		static const uint8_t call[] = {
			0x51,			/* push %rcx */
			0x41, 0x53,		/* push %r11 */
			0xb8, 0, 0, 0, 0,	/* mov $nr, %eax */
			0x0f, 0x05,		/* syscall */
			0x41, 0x5b,		/* pop %r11 */
			0x59,			/* pop %rcx */
			0xc3,			/* ret */
		};
		static const uint8_t iret[] = {
			0x51, 0x41, 0x53, 0x50,	/* push %rcx; push %r11; push %rax */
			0xb8, 0, 0, 0, 0,	/* mov $nr, %eax */
			0x0f, 0x05,		/* syscall */
		};

		if (nr == __HYPERVISOR_iret) {
			memcpy(p, iret, sizeof(iret));
			memcpy(p + 5, &nr, 4);
		} else {
			memcpy(p, call, sizeof(call));
			memcpy(p + 4, &nr, 4);
		}
	}
}
