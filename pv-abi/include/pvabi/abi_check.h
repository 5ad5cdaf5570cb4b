/* SPDX-License-Identifier: MIT */
/* Compile-time layout checks for ABI structs: a wrong size or offset breaks the build, not a guest. */
#ifndef PVABI_ABI_CHECK_H
#define PVABI_ABI_CHECK_H

#ifdef __ASSEMBLER__
/* Assembly sees only the constants; the structs and their checks are C-only. */
#define PVABI_SIZE(type, bytes)
#define PVABI_OFF(type, field, off)
#else
#include <stddef.h>

#define PVABI_SIZE(type, bytes) \
	_Static_assert(sizeof(type) == (bytes), "ABI size of " #type)
#define PVABI_OFF(type, field, off) \
	_Static_assert(offsetof(type, field) == (off), "ABI offset of " #type "." #field)
#endif

#endif
