# SPDX-License-Identifier: MIT
# The control channel (backends/toolstack/ctl_proto.c, ctl_server.c): the codec and every verb's argument rules.
skiff_unit_test(test_ctl test_ctl.c ${PROJECT_SOURCE_DIR}/backends/toolstack/ctl_proto.c
  ${PROJECT_SOURCE_DIR}/backends/toolstack/ctl_server.c ${SKIFF_LOADER_DIR}/unxz_sha256.c)
target_include_directories(test_ctl PRIVATE ${PROJECT_SOURCE_DIR}/backends/toolstack)
target_compile_options(test_ctl PRIVATE -fsanitize=address,undefined -fno-sanitize-recover=all)
target_link_options(test_ctl PRIVATE -fsanitize=address,undefined)
