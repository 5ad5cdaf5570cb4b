/* SPDX-License-Identifier: MIT */
/* skiff-prepare-kernel --dom0: a checked vmlinux repacked into the form dom0's builder loads fastest. */
#ifndef SKIFF_PACK_DOM0_H
#define SKIFF_PACK_DOM0_H

#include <stddef.h>
#include <stdint.h>

/*
 * elf: an ELF64 x86_64 executable whose headers and segments lie inside
 * its len bytes (checked by the caller). *out (malloc'd, *out_len bytes):
 * an lz4 legacy stream of an ELF with the same program headers whose
 * segments hold their bytes up to the last non-zero one, followed by that
 * ELF's size (*elf_len) as 32 bits. 0, or -1 with a message on stderr.
 */
int pack_dom0(const uint8_t *elf, size_t len, uint8_t **out, size_t *out_len, size_t *elf_len);

#endif
