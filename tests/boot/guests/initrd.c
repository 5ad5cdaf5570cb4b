/* SPDX-License-Identifier: MIT */
/*
 * initrd (Skiff boot test): a module marked @initrd reaches the guest.
 * start_info.mod_start is the initrd's VA inside the mapped region, right
 * after the kernel; mod_len its exact length, which the boot test passes as
 * "len=N" on the guest command line; its bytes start with the test's magic.
 */
#include "test.h"

static const char magic[] = "skiff-initrd-test";

static uint64_t len_from_cmdline(const char *s)
{
	uint64_t n = 0;

	for (; *s; s++) {
		if (s[0] == 'l' && s[1] == 'e' && s[2] == 'n' && s[3] == '=') {
			for (s += 4; *s >= '0' && *s <= '9'; s++)
				n = n * 10 + (uint64_t)(*s - '0');
			return n;
		}
	}
	return 0;
}

void test_main(void)
{
	const struct start_info *si = rt_boot.si;
	uint64_t want = len_from_cmdline(si->cmd_line);
	uint64_t img_end = ((uint64_t)(uintptr_t)rt_image_end + 4095) & ~4095ULL;

	tc_check(want > 0, "the command line names the initrd length (\"%s\")", si->cmd_line);
	tc_expect_eq(si->mod_len, want, "start_info.mod_len");
	tc_expect_eq(si->mod_start, img_end, "the initrd starts on the page after the kernel");
	tc_check((si->flags & (SIF_MOD_START_PFN | SIF_MULTIBOOT_MOD)) == 0, "mod_start is a VA");
	tc_check(si->mod_start && memcmp((const void *)(uintptr_t)si->mod_start, magic, sizeof(magic) - 1) == 0,
		 "the initrd's bytes are the module's");
	tc_check(si->mfn_list >= si->mod_start + si->mod_len, "the P2M list follows the initrd");
}
