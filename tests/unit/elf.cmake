# PV kernel image parser: synthetic ELF/bzImage tests, plus Debian's real vmlinuz when it has been fetched.
set(SKIFF_ELF_SOURCES
  ${PROJECT_SOURCE_DIR}/hv/common/elf_image.c
  ${PROJECT_SOURCE_DIR}/hv/common/elf_notes.c
  ${PROJECT_SOURCE_DIR}/hv/common/elf_bzimage.c)

skiff_unit_test(test_elf ${CMAKE_CURRENT_LIST_DIR}/test_elf.c ${SKIFF_ELF_SOURCES})
skiff_unit_test(test_elf_bzimage ${CMAKE_CURRENT_LIST_DIR}/test_elf_bzimage.c ${SKIFF_ELF_SOURCES})

# The real kernel is not in git: the driver fetches it into build-elf/ (see test_elf_real.c).
# Exit code 77 means "file absent" and is reported by ctest as skipped, not passed.
skiff_unit_test(test_elf_real ${CMAKE_CURRENT_LIST_DIR}/test_elf_real.c ${SKIFF_ELF_SOURCES}
  ${PROJECT_SOURCE_DIR}/hv/common/unxz.c
  ${PROJECT_SOURCE_DIR}/hv/common/unxz_bcj.c
  ${PROJECT_SOURCE_DIR}/hv/common/unxz_lzma2.c
  ${PROJECT_SOURCE_DIR}/hv/common/crc.c)
target_compile_definitions(test_elf_real PRIVATE SKIFF_VMLINUZ="${PROJECT_SOURCE_DIR}/build-elf/vmlinuz")
set_tests_properties(unit.test_elf_real PROPERTIES SKIP_RETURN_CODE 77)
