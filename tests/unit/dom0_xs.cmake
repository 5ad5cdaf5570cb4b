# SPDX-License-Identifier: MIT
# dom0's xenstore (backends/dom0/dom0_xs.c) on the host over the real store core and libxenstore.
skiff_unit_test(test_dom0_xs test_dom0_xs.c ${PROJECT_SOURCE_DIR}/backends/dom0/dom0_xs.c)
target_include_directories(test_dom0_xs PRIVATE ${PROJECT_SOURCE_DIR}/backends/dom0)
target_link_libraries(test_dom0_xs PRIVATE xsd_core skiff_xs)
