# SPDX-License-Identifier: MIT
# Unit tests of the hypervisor's boot-time logic (command line, multiboot, memory map, symbols, formatting).
set(HV_COMMON ${PROJECT_SOURCE_DIR}/hv/common)
skiff_unit_test(test_cmdline test_cmdline.c ${HV_COMMON}/cmdline.c ${HV_COMMON}/parse.c)
skiff_unit_test(test_multiboot test_multiboot.c ${HV_COMMON}/multiboot.c)
skiff_unit_test(test_memmap test_memmap.c ${HV_COMMON}/memmap.c)
skiff_unit_test(test_symbols test_symbols.c ${HV_COMMON}/symbols.c)
# The hypervisor's own vsnprintf, renamed so it does not clash with libc's.
skiff_unit_test(test_vsnprintf test_vsnprintf.c ${HV_COMMON}/vsnprintf.c)
set_source_files_properties(${HV_COMMON}/vsnprintf.c PROPERTIES
  COMPILE_DEFINITIONS "vsnprintf=hv_vsnprintf;snprintf=hv_snprintf")
skiff_unit_test(test_pv_desc test_pv_desc.c ${HV_COMMON}/pv_desc.c)
