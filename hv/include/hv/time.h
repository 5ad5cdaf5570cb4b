/* SPDX-License-Identifier: MIT */
/* Hypervisor time: nanoseconds since boot from the calibrated TSC. */
#ifndef HV_TIME_H
#define HV_TIME_H

#include <hv/types.h>

typedef int64_t s_time_t;

/* 0 until the TSC is calibrated. */
s_time_t time_now_ns(void);
uint64_t tsc_khz(void);

#endif
