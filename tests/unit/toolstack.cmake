# SPDX-License-Identifier: MIT
# dom0's toolstack: the PV domain builder (backends/toolstack/build_pv.c) over a fake platform that records frames.
skiff_unit_test(test_build_pv test_build_pv.c test_build_pv_fake.c test_decompress_util.c
  ${PROJECT_SOURCE_DIR}/backends/toolstack/build_pv.c ${SKIFF_LOADER_SOURCES})
target_include_directories(test_build_pv PRIVATE ${PROJECT_SOURCE_DIR}/backends/toolstack)
# The same on Debian's kernel, against the layout hv's builder logged for it (skipped, 77, until it is fetched).
skiff_unit_test(test_build_pv_linux test_build_pv_linux.c test_build_pv_fake.c test_decompress_util.c
  ${PROJECT_SOURCE_DIR}/backends/toolstack/build_pv.c ${SKIFF_LOADER_SOURCES})
target_include_directories(test_build_pv_linux PRIVATE ${PROJECT_SOURCE_DIR}/backends/toolstack)
target_compile_definitions(test_build_pv_linux PRIVATE SKIFF_VMLINUZ_DIR="${CMAKE_BINARY_DIR}/decompress-data/root/boot"
  SKIFF_PREPARE_KERNEL="$<TARGET_FILE:skiff-prepare-kernel>" SKIFF_UNIT_SCRATCH="${CMAKE_CURRENT_BINARY_DIR}/build_pv_linux")
add_dependencies(test_build_pv_linux skiff-prepare-kernel)
set_tests_properties(unit.test_build_pv_linux PROPERTIES SKIP_RETURN_CODE 77)
# The '@' options of boot modules, as dom0 reads them to build domUs.
skiff_unit_test(test_bootmod test_bootmod.c ${PROJECT_SOURCE_DIR}/backends/toolstack/bootmod.c)
target_include_directories(test_bootmod PRIVATE ${PROJECT_SOURCE_DIR}/backends/toolstack)
