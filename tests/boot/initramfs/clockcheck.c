/* SPDX-License-Identifier: MIT */
/* Linux boot test: is clock_gettime served in user mode (the vDSO, through the vCPU time area) or by a system call? */
#define _GNU_SOURCE
#include <errno.h>
#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <stddef.h>
#include <stdio.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define N 20000

static double ns_between(const struct timespec *a, const struct timespec *b)
{
	return (double)(b->tv_sec - a->tv_sec) * 1e9 + (double)(b->tv_nsec - a->tv_nsec);
}

/*
 * From here on the clock_gettime system call fails with EPERM (a seccomp filter), so a libc call that
 * still succeeds never entered the kernel: the vDSO answered it. The filter stays for this process only.
 */
static int forbid_clock_syscall(void)
{
	struct sock_filter prog[] = {
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, arch)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, AUDIT_ARCH_X86_64, 1, 0),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
		BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(struct seccomp_data, nr)),
		BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, SYS_clock_gettime, 0, 1),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM),
		BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW),
	};
	struct sock_fprog fprog = { .len = sizeof(prog) / sizeof(prog[0]), .filter = prog };

	if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0)
		return -1;
	return prctl(PR_SET_SECCOMP, SECCOMP_MODE_FILTER, &fprog);
}

/* In a child: 0 if no libc clock_gettime call (N of each clock) needed the system call, else 1 + the percentage that did; -1 if untestable. */
static int kernel_entries(void)
{
	pid_t pid = fork();
	int st;

	if (pid < 0)
		return -1;
	if (pid == 0) {
		struct timespec ts;
		int failed = 0;

		if (forbid_clock_syscall() != 0)
			_exit(255);
		/* The control: the filter must refuse the real system call, or the count below proves nothing. */
		if (syscall(SYS_clock_gettime, CLOCK_MONOTONIC, &ts) != -1 || errno != EPERM)
			_exit(254);
		for (int i = 0; i < N; i++) {
			failed += clock_gettime(CLOCK_MONOTONIC, &ts) != 0;
			failed += clock_gettime(CLOCK_REALTIME, &ts) != 0;
		}
		_exit(failed ? 1 + failed * 100 / (2 * N) : 0);	/* 1 + the percentage that failed */
	}
	if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) >= 254)
		return -1;
	return WEXITSTATUS(st);
}

int main(void)
{
	struct timespec t0, t1, t2, scratch, wall;
	double vdso, sys;
	int entries;

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
	entries = kernel_entries();
	if (entries < 0)
		printf("skiff-userspace: clock_gettime kernel entries: cannot tell (seccomp refused)\n");
	else if (entries == 0)
		printf("skiff-userspace: clock_gettime with its system call forbidden: %d calls, none entered the kernel\n",
		       2 * N);
	else
		printf("skiff-userspace: clock_gettime with its system call forbidden: about %d%% of %d calls failed\n",
		       entries - 1, 2 * N);
	/* The wall clock, to compare with the host's when the line arrives (./skiff bench linux does). */
	clock_gettime(CLOCK_REALTIME, &wall);
	printf("skiff-userspace: realtime %lld.%09ld\n", (long long)wall.tv_sec, wall.tv_nsec);
	return 0;
}
