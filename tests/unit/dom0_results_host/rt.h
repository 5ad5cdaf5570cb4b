/* SPDX-License-Identifier: MIT */
/* The one thing of dom0's runtime results.c uses, for its host test: printing goes to the test's log. */
#ifndef DOM0_RESULTS_HOST_RT_H
#define DOM0_RESULTS_HOST_RT_H
#include <stdio.h>
#define rt_printf printf
#endif
