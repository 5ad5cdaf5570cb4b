/* SPDX-License-Identifier: MIT */
/* Linux boot test: is clock_gettime served in user mode (the vDSO, through the vCPU time area) or by a system call? */
#define _GNU_SOURCE
#include <stdio.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#define N 20000

static double ns_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e9 + (double)(b->tv_nsec - a->tv_nsec);
}

int main(void)
{
	struct timespec t0, t1, t2, scratch, wall;
	double vdso, sys;

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < N; i++)
		clock_gettime(CLOCK_MONOTONIC, &scratch);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	for (int i = 0; i < N; i++)
		syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &scratch);
	clock_gettime(CLOCK_MONOTONIC, &t2);
	vdso = ns_between(&t0, &t1) / N;
	sys = ns_between(&t1, &t2) / N;
	/* A vDSO read is a few TSC reads and multiplies; a PV system call bounces through the hypervisor twice. */
	printf("skiff-userspace: clock_gettime %.0f ns/call, the system call %.0f ns/call: vdso %s\n", vdso, sys,
	       vdso * 4 < sys ? "yes" : "no");
	/* The wall clock, to compare with the host's when the line arrives (./skiff bench linux does). */
	clock_gettime(CLOCK_REALTIME, &wall);
	printf("skiff-userspace: realtime %lld.%09ld\n", (long long)wall.tv_sec, wall.tv_nsec);
	return 0;
}
