# SPDX-License-Identifier: MIT
# Decompressors (backends/toolstack/loader: inflate.c, unxz*.c, unlz4.c, crc.c): host unit tests, the skiff-unxz tool,
# a freestanding build check.
set(SKIFF_DECOMP_SRC
  ${SKIFF_LOADER_DIR}/crc.c
  ${SKIFF_LOADER_DIR}/inflate.c
  ${SKIFF_LOADER_DIR}/unxz.c
  ${SKIFF_LOADER_DIR}/unxz_bcj.c
  ${SKIFF_LOADER_DIR}/unxz_lzma2.c
  ${SKIFF_LOADER_DIR}/unxz_sha256.c
  ${SKIFF_LOADER_DIR}/unlz4.c)
set(SKIFF_DECOMP_TEST_UTIL ${CMAKE_CURRENT_SOURCE_DIR}/test_decompress_util.c)

skiff_unit_test(test_decompress_xz test_decompress_xz.c ${SKIFF_DECOMP_TEST_UTIL} ${SKIFF_DECOMP_SRC})
skiff_unit_test(test_decompress_gz test_decompress_gz.c ${SKIFF_DECOMP_TEST_UTIL} ${SKIFF_DECOMP_SRC})
skiff_unit_test(test_decompress_lz4 test_decompress_lz4.c ${SKIFF_DECOMP_TEST_UTIL} ${SKIFF_DECOMP_SRC})

# Debian's real vmlinuz: fetched on demand by the decompress-fetch-vmlinuz target; the test skips without it.
set(SKIFF_DECOMP_DATA ${CMAKE_BINARY_DIR}/decompress-data)
skiff_unit_test(test_decompress_vmlinuz test_decompress_vmlinuz.c ${SKIFF_DECOMP_TEST_UTIL} ${SKIFF_DECOMP_SRC})
target_compile_definitions(test_decompress_vmlinuz PRIVATE SKIFF_DECOMP_DATA="${SKIFF_DECOMP_DATA}")
set_tests_properties(unit.test_decompress_vmlinuz PROPERTIES SKIP_RETURN_CODE 77)
add_custom_target(decompress-fetch-vmlinuz
  COMMAND ${CMAKE_COMMAND} -E make_directory ${SKIFF_DECOMP_DATA}
  COMMAND sh -c "cd '${SKIFF_DECOMP_DATA}' && pkg=$(apt-cache depends linux-image-amd64 | sed -n 's/.*Depends: \\(linux-image-[0-9].*\\)/\\1/p' | head -1) && apt-get download \"$pkg\" && mkdir -p root && dpkg-deb --fsys-tarfile \"$pkg\"_*.deb | tar -x -C root ./boot && rm -f \"$pkg\"_*.deb"
  COMMENT "Downloading (not installing) Debian's amd64 kernel image for test_decompress_vmlinuz"
  VERBATIM)

# skiff-unxz FILE [OUT]: decompress an xz or gzip file with the loader's code (for fuzzing and by hand).
add_executable(skiff-unxz test_decompress_cli.c ${SKIFF_DECOMP_SRC})
target_compile_options(skiff-unxz PRIVATE ${SKIFF_HOST_WARNINGS})
target_include_directories(skiff-unxz PRIVATE ${SKIFF_HV_INCLUDE})

# The same sources built freestanding, with a per-function stack limit (dom0's stacks are small).
add_library(decompress-freestanding OBJECT ${SKIFF_DECOMP_SRC})
target_include_directories(decompress-freestanding PRIVATE ${SKIFF_LOADER_DIR})
target_compile_options(decompress-freestanding PRIVATE
  ${SKIFF_HOST_WARNINGS} -ffreestanding -fno-builtin -mno-red-zone -mcmodel=kernel -fno-pic -fno-stack-protector -mgeneral-regs-only -Wstack-usage=512)

# decompress-fuzz: libFuzzer + ASan + UBSan binary (clang only, built on request). Seed it with a corpus of
# files whose first byte is the selector described in test_decompress_fuzz.c, e.g. printf '\x3f' | cat - f.xz.
find_program(SKIFF_CLANG clang)
if(SKIFF_CLANG)
  add_custom_target(decompress-fuzz
    COMMAND ${SKIFF_CLANG} -O1 -g -Wall -Wextra -Werror -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=all
            -I${SKIFF_LOADER_DIR} ${CMAKE_CURRENT_SOURCE_DIR}/test_decompress_fuzz.c
            ${SKIFF_DECOMP_SRC} -o ${CMAKE_CURRENT_BINARY_DIR}/decompress-fuzz
    DEPENDS test_decompress_fuzz.c ${SKIFF_DECOMP_SRC}
    COMMENT "Building the decompressor fuzzer (libFuzzer)"
    VERBATIM)
endif()

# Several CPUs may decompress at once: the objects must hold no writable data (.data/.bss) at all.
add_test(NAME unit.decompress_no_mutable_globals
  COMMAND sh -c "${CMAKE_NM} \"$@\" > /dev/null && ! ${CMAKE_NM} \"$@\" | grep -E ' [bBdDgGsS] '"
          nm-check $<TARGET_OBJECTS:decompress-freestanding>
  COMMAND_EXPAND_LISTS)
set_tests_properties(unit.decompress_no_mutable_globals PROPERTIES LABELS unit)
