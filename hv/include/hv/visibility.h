/* SPDX-License-Identifier: MIT */
/* Force-included in every hypervisor file: all symbols are hidden, so -fpie code reaches them RIP-relative, never through a GOT. */
#pragma GCC visibility push(hidden)
