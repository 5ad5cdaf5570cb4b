# SPDX-License-Identifier: MIT
# xl.cfg domain files (backends/toolstack/xlcfg.c): every key, both disk forms, every error, and random
# input under AddressSanitizer and UBSan (the parser reads untrusted files on the host and in dom0).
skiff_unit_test(test_xlcfg test_xlcfg.c ${PROJECT_SOURCE_DIR}/backends/toolstack/xlcfg.c
  ${PROJECT_SOURCE_DIR}/backends/toolstack/xlcfg_dev.c)
target_include_directories(test_xlcfg PRIVATE ${PROJECT_SOURCE_DIR}/backends/toolstack)
target_compile_options(test_xlcfg PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=all)
target_link_options(test_xlcfg PRIVATE -fsanitize=address,undefined)

# The toolstack's shutdown policy (backends/toolstack/lifecycle.c): xl's action for each reason, the refused
# actions, the restart-loop bound, xl's rename-restart name.
skiff_unit_test(test_lifecycle test_lifecycle.c ${PROJECT_SOURCE_DIR}/backends/toolstack/lifecycle.c
  ${PROJECT_SOURCE_DIR}/backends/toolstack/xlcfg.c ${PROJECT_SOURCE_DIR}/backends/toolstack/xlcfg_dev.c)
target_include_directories(test_lifecycle PRIVATE ${PROJECT_SOURCE_DIR}/backends/toolstack)
target_compile_options(test_lifecycle PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=all)
target_link_options(test_lifecycle PRIVATE -fsanitize=address,undefined)

# dom0's digest-keyed buffers (backends/toolstack/kcache.c): decompressed kernels kept between builds, images
# shared by restartable domains; references, LRU trimming, bounds.
skiff_unit_test(test_kcache test_kcache.c ${PROJECT_SOURCE_DIR}/backends/toolstack/kcache.c)
target_include_directories(test_kcache PRIVATE ${PROJECT_SOURCE_DIR}/backends/toolstack ${SKIFF_LOADER_DIR})
target_compile_options(test_kcache PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=all)
target_link_options(test_kcache PRIVATE -fsanitize=address,undefined)
