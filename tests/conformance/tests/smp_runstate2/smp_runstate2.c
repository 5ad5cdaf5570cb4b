/* SPDX-License-Identifier: MIT */
/* smp_runstate2: smp_runstate with dom0's 2 vCPUs on 2 CPUs (vcpus "2 2"); the checks are in that file. */
#define RUNSTATE_CPUS	2
#include "../smp_runstate/smp_runstate.c"
