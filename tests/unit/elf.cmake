# SPDX-License-Identifier: MIT
# PV kernel image parser: synthetic ELF/bzImage tests, plus Debian's real vmlinuz when it has been fetched.
set(SKIFF_ELF_SOURCES
  ${SKIFF_LOADER_DIR}/elf_image.c
  ${SKIFF_LOADER_DIR}/elf_notes.c
  ${SKIFF_LOADER_DIR}/elf_bzimage.c)

skiff_unit_test(test_elf ${CMAKE_CURRENT_LIST_DIR}/test_elf.c ${SKIFF_ELF_SOURCES})
skiff_unit_test(test_elf_bzimage ${CMAKE_CURRENT_LIST_DIR}/test_elf_bzimage.c ${SKIFF_ELF_SOURCES})

# The real kernel is not in git: the driver fetches it into build-elf/ (see test_elf_real.c).
# Exit code 77 means "file absent" and is reported by ctest as skipped, not passed.
# The xz decoder's file list belongs to decompress.cmake; fall back to a glob if it is not loaded yet.
if(DEFINED SKIFF_DECOMP_SRC)
  set(SKIFF_ELF_UNXZ ${SKIFF_DECOMP_SRC})
else()
  file(GLOB SKIFF_ELF_UNXZ ${SKIFF_LOADER_DIR}/unxz*.c ${SKIFF_LOADER_DIR}/crc.c)
endif()
skiff_unit_test(test_elf_real ${CMAKE_CURRENT_LIST_DIR}/test_elf_real.c ${SKIFF_ELF_SOURCES} ${SKIFF_ELF_UNXZ})
# Looked for in this order: $SKIFF_VMLINUZ, build-elf/vmlinuz, and the copy decompress-fetch-vmlinuz unpacks.
target_compile_definitions(test_elf_real PRIVATE
  SKIFF_VMLINUZ="${PROJECT_SOURCE_DIR}/build-elf/vmlinuz"
  SKIFF_VMLINUZ_DIR="${CMAKE_BINARY_DIR}/decompress-data/root/boot")
set_tests_properties(unit.test_elf_real PROPERTIES SKIP_RETURN_CODE 77)
