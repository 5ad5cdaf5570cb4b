# SPDX-License-Identifier: MIT
# xenstore unit tests (label unit): the xenstored core (tree, permissions, transactions, watches), its ring transport, and the client library.
set(XST_SRC ${PROJECT_SOURCE_DIR}/tests/xenstore)
foreach(part tree perms txn watch)
  skiff_unit_test(xsd_${part} ${XST_SRC}/test_xsd_${part}.c ${XST_SRC}/xst_harness.c)
  target_link_libraries(xsd_${part} PRIVATE xsd_core)
endforeach()
skiff_unit_test(xsd_ring ${XST_SRC}/test_xsd_ring.c ${XST_SRC}/xst_harness.c)
target_link_libraries(xsd_ring PRIVATE xsd_core skiff_xs)
skiff_unit_test(xs_client ${XST_SRC}/test_xs_client.c)
target_link_libraries(xs_client PRIVATE skiff_xs)
