/* Compile-time layout checks for ABI structs: a wrong size or offset breaks the build, not a guest. */
#ifndef PVABI_ABI_CHECK_H
#define PVABI_ABI_CHECK_H

#include <stddef.h>

#define PVABI_SIZE(type, bytes) \
	_Static_assert(sizeof(type) == (bytes), "ABI size of " #type)
#define PVABI_OFF(type, field, off) \
	_Static_assert(offsetof(type, field) == (off), "ABI offset of " #type "." #field)

#endif
