/* SPDX-License-Identifier: MIT */
/* lbench: the user-mode micro-benchmarks of ./skiff bench linux, run by the benchmark initramfs's /init. */
#define _GNU_SOURCE
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static uint64_t now_ns(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* One line per figure, found by the host anywhere in a line (hypervisors prefix guest output). */
static void result(const char *name, double value, const char *unit)
{
	printf("@@ RESULT %s %.3f %s\n", name, value, unit);
	fflush(stdout);
}

static int bench_forkexec(long n)
{
	char *const argv[] = { "true", NULL };
	char *const envp[] = { NULL };
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return perror("fork"), 1;
		if (pid == 0) {
			execve("/bin/true", argv, envp);
			_exit(127);
		}
		int st;
		if (waitpid(pid, &st, 0) != pid || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return fprintf(stderr, "lbench: /bin/true failed\n"), 1;
	}
	result("forkexec_s", (double)(now_ns() - t0) / 1e9, "s");
	return 0;
}

static int bench_touch(long mib)
{
	size_t len = (size_t)mib << 20;
	long page = sysconf(_SC_PAGESIZE);
	uint64_t t0 = now_ns();
	volatile char *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (p == MAP_FAILED)
		return perror("mmap"), 1;
	for (size_t off = 0; off < len; off += (size_t)page)
		p[off] = 1;
	uint64_t t1 = now_ns();
	munmap((void *)p, len);
	result("touch_s", (double)(t1 - t0) / 1e9, "s");
	return 0;
}

static int bench_clock(long n)
{
	struct timespec ts;
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		clock_gettime(CLOCK_MONOTONIC, &ts);
	double secs = (double)(now_ns() - t0) / 1e9;
	result("clock_gettime_per_s", (double)n / secs, "calls/s");
	return 0;
}

/*
 * What a page clear costs in user mode as rep stosb (Linux's clear_page with ERMS) and as rep stosq (without):
 * QEMU TCG runs a rep string instruction one element per step, so the two differ by more than on hardware.
 * Alternating rounds, so a change of host load hits both.
 */
static int bench_strings(long pages)
{
	static char buf[1 << 16] __attribute__((aligned(4096)));
	uint64_t t_byte = 0, t_quad = 0;

	for (int round = 0; round < 8; round++) {
		uint64_t t0 = now_ns();
		for (long i = 0; i < pages / 8; i++) {
			void *d = buf + (i & 15) * 4096;
			unsigned long c = 4096;
			__asm__ volatile("rep stosb" : "+D"(d), "+c"(c) : "a"(0) : "memory");
		}
		uint64_t t1 = now_ns();
		for (long i = 0; i < pages / 8; i++) {
			void *d = buf + (i & 15) * 4096;
			unsigned long c = 512;
			__asm__ volatile("rep stosq" : "+D"(d), "+c"(c) : "a"(0) : "memory");
		}
		t_byte += t1 - t0;
		t_quad += now_ns() - t1;
	}
	result("clear_stosb_ns", (double)t_byte / (double)(pages / 8 * 8), "ns/page");
	result("clear_stosq_ns", (double)t_quad / (double)(pages / 8 * 8), "ns/page");
	return 0;
}

static int bench_syscall(long n)
{
	uint64_t t0 = now_ns();
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
	result("syscall_ns", (double)(now_ns() - t0) / (double)n, "ns");
	return 0;
}

static int bench_pipe(long mib)
{
	static char buf[65536];
	int fd[2];
	if (pipe(fd) != 0)
		return perror("pipe"), 1;
	size_t total = (size_t)mib << 20;
	uint64_t t0 = now_ns();
	pid_t pid = fork();
	if (pid < 0)
		return perror("fork"), 1;
	if (pid == 0) {
		close(fd[0]);
		memset(buf, 0x5a, sizeof(buf));
		for (size_t done = 0; done < total;) {
			ssize_t w = write(fd[1], buf, sizeof(buf));
			if (w <= 0)
				_exit(1);
			done += (size_t)w;
		}
		_exit(0);
	}
	close(fd[1]);
	size_t got = 0;
	for (;;) {
		ssize_t r = read(fd[0], buf, sizeof(buf));
		if (r <= 0)
			break;
		got += (size_t)r;
	}
	waitpid(pid, NULL, 0);
	if (got != total)
		return fprintf(stderr, "lbench: pipe moved %zu of %zu bytes\n", got, total), 1;
	result("pipe_mib_per_s", (double)mib / ((double)(now_ns() - t0) / 1e9), "MiB/s");
	return 0;
}

static void spin(long n)
{
	for (volatile long i = 0; i < n; i++)
		;
}

/* The same CPU-bound loop in one process, then in one per online CPU at once: the speed-up says how parallel. */
static int bench_parallel(long n)
{
	long cpus = sysconf(_SC_NPROCESSORS_ONLN);
	uint64_t t0 = now_ns(), one, all;

	spin(n);
	one = now_ns() - t0;
	t0 = now_ns();
	for (long c = 0; c < cpus; c++) {
		pid_t pid = fork();
		if (pid < 0)
			return perror("fork"), 1;
		if (pid == 0) {
			spin(n);
			_exit(0);
		}
	}
	for (long c = 0; c < cpus; c++) {
		int st;
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
			return fprintf(stderr, "lbench: a spinner failed\n"), 1;
	}
	all = now_ns() - t0;
	result("spin1_s", (double)one / 1e9, "s");
	result("spinall_s", (double)all / 1e9, "s");
	result("parallel_speedup", (double)cpus * (double)one / (double)all, "x");
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 2 && strcmp(argv[1], "now") == 0)
		return printf("%llu\n", (unsigned long long)now_ns()), 0;
	if (argc != 3) {
		fprintf(stderr, "usage: lbench now | forkexec N | touch MIB | clock N | syscall N | strings PAGES | pipe MIB | parallel N\n");
		return 2;
	}
	long n = strtol(argv[2], NULL, 0);
	if (strcmp(argv[1], "forkexec") == 0)
		return bench_forkexec(n);
	if (strcmp(argv[1], "touch") == 0)
		return bench_touch(n);
	if (strcmp(argv[1], "clock") == 0)
		return bench_clock(n);
	if (strcmp(argv[1], "syscall") == 0)
		return bench_syscall(n);
	if (strcmp(argv[1], "strings") == 0)
		return bench_strings(n);
	if (strcmp(argv[1], "pipe") == 0)
		return bench_pipe(n);
	if (strcmp(argv[1], "parallel") == 0)
		return bench_parallel(n);
	fprintf(stderr, "lbench: unknown benchmark %s\n", argv[1]);
	return 2;
}
