# SPDX-License-Identifier: MIT
# Hypercall handler unit tests (xen_version, console_io, vm_assist, domain console) over the fake guest memory in hc_harness.c.
find_package(Threads REQUIRED)
set(HC_COMMON ${PROJECT_SOURCE_DIR}/hv/common)
set(HC_TEST_DIR ${CMAKE_CURRENT_LIST_DIR})

function(skiff_hc_test name)
  skiff_unit_test(${name} ${HC_TEST_DIR}/${name}.c ${HC_TEST_DIR}/hc_harness.c ${ARGN})
  target_link_libraries(${name} PRIVATE Threads::Threads)
endfunction()

skiff_hc_test(test_hc_vm_assist ${HC_COMMON}/vm_assist.c)
skiff_hc_test(test_hc_xen_version ${HC_COMMON}/xen_version.c)
skiff_hc_test(test_hc_console_io ${HC_COMMON}/console_io.c ${HC_COMMON}/domain_console.c
  ${HC_COMMON}/console_input.c ${HC_TEST_DIR}/hc_console_stubs.c)
# Serial input: dom0's ring and CONSOLEIO_read, the hypervisor's own switch, hostile console rings.
skiff_hc_test(test_hc_console_input ${HC_COMMON}/console_io.c ${HC_COMMON}/domain_console.c
  ${HC_COMMON}/console_input.c ${HC_TEST_DIR}/hc_console_stubs.c)
skiff_hc_test(test_hc_domain_console ${HC_COMMON}/domain_console.c)
skiff_hc_test(test_hc_dispatch ${HC_COMMON}/hypercall.c)
