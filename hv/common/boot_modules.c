/* SPDX-License-Identifier: MIT */
/* The boot modules kept for dom0 (those after its kernel and initrd): read out in bounded pieces, then given to the heap. */
#include <hv/bootinfo.h>
#include <hv/domctl.h>
#include <hv/frame.h>
#include <hv/guest_access.h>
#include <hv/lib.h>
#include <hv/log.h>
#include <hv/main.h>
#include <hv/mm.h>
#include <hv/spinlock.h>
#include <pvabi/errno.h>
#include <pvabi/skiff_domctl.h>

/*
 * Held across each copy-out, so release cannot free a module under a
 * reader; only dom0's domctl takes it, with no other lock held.
 */
static spinlock_t modules_lock = SPINLOCK_INIT;
static bool modules_released;
static uint64_t modules_freed;

/* Whether the module's leading @options include @initrd (the boot code's rule for dom0's initrd). */
static bool module_is_initrd(const char *s)
{
	while (*s && *s != ' ')
		s++;
	for (;;) {
		while (*s == ' ')
			s++;
		if (*s != '@')
			return false;
		if (strncmp(s, "@initrd", 7) == 0 && (s[7] == ' ' || s[7] == 0))
			return true;
		while (*s && *s != ' ')
			s++;
	}
}

/* Index of the first module dom0 gets: after its kernel (module 0) and an @initrd right after it. */
static unsigned int first_kept(void)
{
	if (bootinfo.nr_modules < 2)
		return bootinfo.nr_modules;
	return module_is_initrd(bootinfo.modules[1].cmdline) ? 2 : 1;
}

/* Everything after the module's path. */
static const char *module_string(const struct boot_module *m)
{
	const char *s = m->cmdline;

	while (*s && *s != ' ')
		s++;
	while (*s == ' ')
		s++;
	return s;
}

long boot_module_read(struct skiff_domctl_module *m)
{
	const struct boot_module *bm;
	const uint8_t *src;
	uint64_t size, n;
	long rc = 0;

	if (m->flags & ~SKIFF_MODULE_cmdline)
		return -XEN_EINVAL;
	spin_lock(&modules_lock);
	if (modules_released || m->index >= bootinfo.nr_modules - first_kept()) {
		spin_unlock(&modules_lock);
		return -XEN_ENOENT;
	}
	bm = &bootinfo.modules[first_kept() + m->index];
	if (m->flags & SKIFF_MODULE_cmdline) {
		src = (const uint8_t *)module_string(bm);
		size = strlen((const char *)src) + 1;
	} else {
		src = paddr_to_virt(bm->start);
		size = bm->end - bm->start;
	}
	if (m->offset > size) {
		rc = -XEN_EINVAL;
	} else {
		n = MIN(MIN(size - m->offset, m->buffer_len), (uint64_t)SKIFF_MODULE_COPY_MAX);
		if (n && copy_to_guest(m->buffer, src + m->offset, n))
			rc = -XEN_EFAULT;
		m->size = size;
		m->copied = n;
	}
	spin_unlock(&modules_lock);
	return rc;
}

/* Whether [pa, pa + PAGE_SIZE) touches a module that stays (dom0's own) or the loader's information. */
static bool page_shared(paddr_t pa, unsigned int first)
{
	for (unsigned int i = 0; i < first; i++)
		if (pa < bootinfo.modules[i].end && pa + PAGE_SIZE > bootinfo.modules[i].start)
			return true;
	return bootinfo.info_len && pa < bootinfo.info_pa + bootinfo.info_len && pa + PAGE_SIZE > bootinfo.info_pa;
}

/* The whole pages of a module that nothing else uses, to the allocator in runs. */
static uint64_t free_module(const struct boot_module *m, unsigned int first)
{
	mfn_t run = 0, n = 0;
	uint64_t freed = 0;

	for (paddr_t pa = ALIGN_UP(m->start, PAGE_SIZE); pa + PAGE_SIZE <= m->end; pa += PAGE_SIZE) {
		mfn_t mfn = pa >> PAGE_SHIFT;
		bool ok = mfn_valid(mfn) && page_state(mfn_to_page(mfn)) == FRAME_STATE_RESERVED &&
			  !page_shared(pa, first);

		if (ok && n && run + n == mfn) {
			n++;
			continue;
		}
		frame_add_free_range(run, n);
		freed += n;
		run = mfn;
		n = ok;
	}
	frame_add_free_range(run, n);
	return freed + n;
}

long boot_modules_release(void)
{
	unsigned int first = first_kept();
	uint64_t freed = 0;

	/* The boot code may still be building domains from modules (dom0 runs meanwhile). */
	if (!boot_domains_all_built())
		return -XEN_EBUSY;
	spin_lock(&modules_lock);
	if (modules_released) {
		spin_unlock(&modules_lock);
		return 0;
	}
	modules_released = true;
	for (unsigned int i = first; i < bootinfo.nr_modules; i++)
		freed += free_module(&bootinfo.modules[i], first);
	__atomic_store_n(&modules_freed, freed, __ATOMIC_RELEASE);
	spin_unlock(&modules_lock);
	log_info("domctl: dom0 released %u boot modules: %lu KiB to the heap", bootinfo.nr_modules - first,
		 freed << (PAGE_SHIFT - 10));
	return 0;
}

uint64_t boot_modules_freed_frames(void)
{
	return __atomic_load_n(&modules_freed, __ATOMIC_ACQUIRE);
}
