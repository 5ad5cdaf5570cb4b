/* SPDX-License-Identifier: MIT */
/* iobench: the disk and network figures of ./skiff bench blk and net, the same static program on every platform. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <linux/fs.h>

#define MIB (1024u * 1024u)
#define SMALL 4096u
#define TCP_CHUNK (256u * 1024u)
#define UDP_MAX 1472u

static double now_s(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Found by the host anywhere in a line: the hypervisors prefix a guest's console lines. IOB_PREFIX names where
 * a figure was taken when one log holds two places' (Xen's dom0 measuring its own disk before its domU does). */
static void result(const char *name, double value, const char *unit)
{
	const char *prefix = getenv("IOB_PREFIX");
	printf("@@ RESULT %s%s %.1f %s\n", prefix ? prefix : "", name, value, unit);
	fflush(stdout);
}

static int fail(const char *what)
{
	fprintf(stdout, "@@ IOBENCH FAIL %s: %s\n", what, strerror(errno));
	fflush(stdout);
	return 1;
}

/* The same offsets on every platform: a fixed-seed xorshift. */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;
static uint64_t rng_next(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* The content every check expects at a byte offset: each 8-byte word names its own offset and the pass. */
static void fill(void *buf, size_t len, uint64_t off, uint64_t pass)
{
	uint64_t *w = buf;
	for (size_t i = 0; i < len / 8; i++)
		w[i] = (off + i * 8) ^ (pass << 56);
}

static int open_disk(const char *dev, uint64_t *size)
{
	int fd = open(dev, O_RDWR | O_DIRECT);
	if (fd < 0)
		return -1;
	struct stat st;
	if (ioctl(fd, BLKGETSIZE64, size) == 0)
		return fd;
	/* A regular file (the host-side self-check): its length. */
	if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode)) {
		*size = (uint64_t)st.st_size;
		return fd;
	}
	close(fd);
	return -1;
}

/* A pass ends early after PASS_CAP_S seconds, so a slow platform still finishes: its rate is what it did by then. */
#define PASS_CAP_S 15.0

/* Returns the MiB done (all of them unless the cap came first), -1 on an error. */
static long seq_pass(int fd, void *buf, uint64_t mib, int write)
{
	double cap = now_s() + PASS_CAP_S;
	uint64_t i;
	for (i = 0; i < mib && now_s() < cap; i++) {
		ssize_t n = write ? pwrite(fd, buf, MIB, (off_t)(i * MIB)) : pread(fd, buf, MIB, (off_t)(i * MIB));
		if (n != (ssize_t)MIB)
			return -1;
	}
	if (write && fdatasync(fd) != 0)
		return -1;
	return (long)i;
}

/* Returns the requests done, -1 on an error. */
static long rand_pass(int fd, void *buf, uint64_t blocks, long ops, int write)
{
	double cap = now_s() + PASS_CAP_S;
	long i;
	for (i = 0; i < ops && now_s() < cap; i++) {
		off_t off = (off_t)(rng_next() % blocks) * SMALL;
		ssize_t n = write ? pwrite(fd, buf, SMALL, off) : pread(fd, buf, SMALL, off);
		if (n != (ssize_t)SMALL)
			return -1;
	}
	if (write && fdatasync(fd) != 0)
		return -1;
	return i;
}

/* blk DEV MIB OPS REPS: 1 MiB sequential write (then fdatasync) and read of the first MIB MiB, 4 KiB random reads and
 * writes (OPS each, one in flight) over the whole device; each REPS times, one result line per figure and pass.
 * Every pass stops at PASS_CAP_S seconds. */
static int bench_blk(const char *dev, uint64_t mib, long ops, int reps)
{
	uint64_t size;
	void *buf;
	int fd = open_disk(dev, &size);
	if (fd < 0)
		return fail(dev);
	if (size < mib * MIB || size < SMALL)
		return errno = ENOSPC, fail("device smaller than the sequential pass");
	if (posix_memalign(&buf, 4096, MIB) != 0)
		return fail("memory");
	fill(buf, MIB, 0, 1);
	for (int r = 0; r < reps; r++) {
		double t0 = now_s();
		long done = seq_pass(fd, buf, mib, 1);
		if (done < 0)
			return fail("sequential write");
		result("seq_write_mibps", (double)done / (now_s() - t0), "MiB/s");
		t0 = now_s();
		if ((done = seq_pass(fd, buf, mib, 0)) < 0)
			return fail("sequential read");
		result("seq_read_mibps", (double)done / (now_s() - t0), "MiB/s");
		t0 = now_s();
		if ((done = rand_pass(fd, buf, size / SMALL, ops, 0)) < 0)
			return fail("random read");
		result("rand_read_iops", (double)done / (now_s() - t0), "IOPS");
		t0 = now_s();
		if ((done = rand_pass(fd, buf, size / SMALL, ops, 1)) < 0)
			return fail("random write");
		result("rand_write_iops", (double)done / (now_s() - t0), "IOPS");
	}
	close(fd);
	free(buf);
	return 0;
}

/* check DEV MIB: what the benchmark does, with every byte verified: MIB MiB written sequentially and read back, then
 * 4 KiB blocks written at the random offsets and each read back. Prints "@@ IOBENCH CHECK ok" or a failure. */
static int check_blk(const char *dev, uint64_t mib)
{
	uint64_t size;
	void *buf, *want;
	int fd = open_disk(dev, &size);
	if (fd < 0)
		return fail(dev);
	if (size < mib * MIB)
		return errno = ENOSPC, fail("device smaller than the check");
	if (posix_memalign(&buf, 4096, MIB) != 0 || posix_memalign(&want, 4096, MIB) != 0)
		return fail("memory");
	for (uint64_t i = 0; i < mib; i++) {
		fill(buf, MIB, i * MIB, 2);
		if (pwrite(fd, buf, MIB, (off_t)(i * MIB)) != (ssize_t)MIB)
			return fail("sequential write");
	}
	if (fdatasync(fd) != 0)
		return fail("fdatasync");
	for (uint64_t i = 0; i < mib; i++) {
		fill(want, MIB, i * MIB, 2);
		if (pread(fd, buf, MIB, (off_t)(i * MIB)) != (ssize_t)MIB)
			return fail("sequential read");
		if (memcmp(buf, want, MIB) != 0)
			return errno = EIO, fail("sequential read returned other data");
	}
	uint64_t blocks = mib * MIB / SMALL;
	for (int i = 0; i < 256; i++) {
		uint64_t off = (rng_next() % blocks) * SMALL;
		fill(want, SMALL, off, 3 + (uint64_t)i);
		if (pwrite(fd, want, SMALL, (off_t)off) != (ssize_t)SMALL)
			return fail("random write");
		memset(buf, 0, SMALL);
		if (pread(fd, buf, SMALL, (off_t)off) != (ssize_t)SMALL)
			return fail("random read");
		if (memcmp(buf, want, SMALL) != 0)
			return errno = EIO, fail("a 4 KiB block read back differs");
	}
	printf("@@ IOBENCH CHECK ok: %llu MiB sequential and 256 random 4 KiB blocks read back as written\n",
	       (unsigned long long)mib);
	fflush(stdout);
	close(fd);
	return 0;
}

static int parse_addr(const char *host, int port, struct sockaddr_in *sa)
{
	memset(sa, 0, sizeof(*sa));
	sa->sin_family = AF_INET;
	sa->sin_port = htons((uint16_t)port);
	if (host == NULL) {
		sa->sin_addr.s_addr = htonl(INADDR_ANY);
		return 0;
	}
	return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

static int listen_tcp(int port)
{
	struct sockaddr_in sa;
	int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0)
		return -1;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	parse_addr(NULL, port, &sa);
	if (bind(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(fd, 4) != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

/* Connects, retrying for up to 120 s: the peer may still be booting. */
static int connect_tcp(const char *host, int port)
{
	struct sockaddr_in sa;
	if (parse_addr(host, port, &sa) != 0)
		return errno = EINVAL, -1;
	double give_up = now_s() + 120;
	for (;;) {
		int fd = socket(AF_INET, SOCK_STREAM, 0);
		if (fd < 0)
			return -1;
		if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
			return fd;
		close(fd);
		if (now_s() > give_up)
			return -1;
		usleep(200000);
	}
}

static int send_all(int fd, const char *buf, size_t len)
{
	while (len > 0) {
		ssize_t n = send(fd, buf, len, 0);
		if (n <= 0)
			return -1;
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

/* Sends MIB MiB on a connected socket; the receiver measures. */
static int stream_send(int fd, uint64_t mib)
{
	static char buf[TCP_CHUNK];
	memset(buf, 0x5a, sizeof(buf));
	for (uint64_t i = 0; i < mib * MIB / TCP_CHUNK; i++)
		if (send_all(fd, buf, TCP_CHUNK) != 0)
			return fail("tcp send");
	shutdown(fd, SHUT_WR);
	/* Wait for the receiver's close, so the data has left before the machine powers off. */
	char c;
	while (recv(fd, &c, 1, 0) > 0)
		;
	close(fd);
	return 0;
}

/* Reads to EOF and prints NAME's rate, from the first byte to the last; 2 when the peer closed without data. */
static int stream_recv(int fd, const char *name)
{
	static char buf[TCP_CHUNK];
	uint64_t total = 0;
	double t0 = 0, t1 = 0;
	for (;;) {
		ssize_t n = recv(fd, buf, sizeof(buf), 0);
		if (n < 0)
			return fail("tcp recv");
		if (n == 0)
			break;
		if (total == 0)
			t0 = now_s();
		total += (uint64_t)n;
		t1 = now_s();
	}
	close(fd);
	if (total == 0)
		return 2;
	if (t1 <= t0)
		return errno = EIO, fail("tcp: no time passed");
	printf("@@ iobench: %s received %llu bytes in %.3f s\n", name, (unsigned long long)total, t1 - t0);
	result(name, (double)total / MIB / (t1 - t0), "MiB/s");
	return 0;
}

/* Accepts n connections on listening socket l, reads them all to EOF together and prints NAME's rate: every byte
 * of all of them over the time from the first byte on any to the last byte on any. */
static int streams_recv(int l, int n, const char *name)
{
	static char buf[TCP_CHUNK];
	struct pollfd pf[8];
	uint64_t total = 0;
	double t0 = 0, t1 = 0;
	int open = 0;
	for (int i = 0; i < n; i++) {
		pf[i] = (struct pollfd){ .fd = accept(l, NULL, NULL), .events = POLLIN };
		if (pf[i].fd < 0)
			return fail("accept");
		open++;
	}
	close(l);
	while (open > 0) {
		if (poll(pf, (nfds_t)n, -1) < 0)
			return fail("poll");
		for (int i = 0; i < n; i++) {
			if (pf[i].fd < 0 || !(pf[i].revents & (POLLIN | POLLHUP | POLLERR)))
				continue;
			ssize_t got = recv(pf[i].fd, buf, sizeof(buf), 0);
			if (got < 0)
				return fail("tcp recv");
			if (got == 0) {
				close(pf[i].fd);
				pf[i].fd = -1;
				open--;
				continue;
			}
			if (total == 0)
				t0 = now_s();
			total += (uint64_t)got;
			t1 = now_s();
		}
	}
	if (total == 0 || t1 <= t0)
		return errno = EIO, fail("tcp: no data");
	printf("@@ iobench: %s received %llu bytes on %d connections in %.3f s\n", name, (unsigned long long)total, n,
	       t1 - t0);
	result(name, (double)total / MIB / (t1 - t0), "MiB/s");
	return 0;
}

/* n connections to HOST:PORT at once (n processes), each sending its part of MIB MiB. */
static int streams_send(const char *host, int port, int n, uint64_t mib)
{
	int rc = 0;
	for (int i = 1; i < n; i++) {
		pid_t pid = fork();
		if (pid < 0)
			return fail("fork");
		if (pid == 0) {
			int c = connect_tcp(host, port);
			_exit(c < 0 ? fail("connect") : stream_send(c, mib / (uint64_t)n));
		}
	}
	int c = connect_tcp(host, port);
	rc = c < 0 ? fail("connect") : stream_send(c, mib / (uint64_t)n);
	for (int i = 1; i < n; i++) {
		int st;
		if (wait(&st) < 0 || !WIFEXITED(st) || WEXITSTATUS(st))
			rc = 1;
	}
	return rc;
}

/* udp-recv PORT NAME: binds UDP PORT, then accepts the sender's control connection on TCP PORT; counts datagrams
 * until the sender closes it, then prints NAME's delivered packet rate (first to last datagram). */
static int udp_recv(int port, const char *name)
{
	struct sockaddr_in sa;
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	int big = 4 * (int)MIB;
	parse_addr(NULL, port, &sa);
	if (u < 0 || bind(u, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return fail("udp bind");
	setsockopt(u, SOL_SOCKET, SO_RCVBUF, &big, sizeof(big));
	int l = listen_tcp(port);
	if (l < 0)
		return fail("listen");
	printf("@@ iobench: %s listening on %d\n", name, port);
	fflush(stdout);
	int c = accept(l, NULL, NULL);
	if (c < 0)
		return fail("accept");
	close(l);
	uint64_t count = 0;
	double t0 = 0, t1 = 0;
	char buf[UDP_MAX];
	struct pollfd p[2] = { { .fd = u, .events = POLLIN }, { .fd = c, .events = POLLIN } };
	int draining = 0;
	for (;;) {
		int n = poll(p, 2, draining ? 300 : 60000);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (p[0].revents & POLLIN) {
			while (recv(u, buf, sizeof(buf), MSG_DONTWAIT) > 0) {
				if (count++ == 0)
					t0 = now_s();
				t1 = now_s();
			}
		}
		if (!draining && (p[1].revents & (POLLIN | POLLHUP))) {
			draining = 1;
			p[1].fd = -1;
		}
	}
	close(c);
	close(u);
	if (count < 2 || t1 <= t0)
		return errno = EIO, fail("udp: fewer than 2 datagrams");
	printf("@@ iobench: %s received %llu datagrams in %.3f s\n", name, (unsigned long long)count, t1 - t0);
	result(name, (double)count / (t1 - t0), "pkt/s");
	return 0;
}

/* udp-send HOST PORT SECONDS SIZE: connects the control channel, sends SIZE-byte datagrams for SECONDS, closes it. */
static int udp_send(const char *host, int port, double seconds, size_t size)
{
	struct sockaddr_in sa;
	char buf[UDP_MAX];
	if (size > sizeof(buf) || parse_addr(host, port, &sa) != 0)
		return errno = EINVAL, fail("udp-send arguments");
	int c = connect_tcp(host, port);
	if (c < 0)
		return fail("control connect");
	int u = socket(AF_INET, SOCK_DGRAM, 0);
	if (u < 0 || connect(u, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return fail("udp socket");
	memset(buf, 0xa5, sizeof(buf));
	uint64_t sent = 0;
	double t0 = now_s(), end = t0 + seconds;
	while (now_s() < end) {
		for (int i = 0; i < 64; i++) {
			if (send(u, buf, size, 0) == (ssize_t)size)
				sent++;
			else if (errno != ENOBUFS && errno != EAGAIN && errno != ECONNREFUSED)
				return fail("udp send");
		}
	}
	double t1 = now_s();
	usleep(200000);
	close(c);
	close(u);
	printf("@@ iobench: sent %llu datagrams of %zu bytes in %.3f s (%.0f/s offered)\n", (unsigned long long)sent,
	       size, t1 - t0, (double)sent / (t1 - t0));
	fflush(stdout);
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: iobench blk DEV MIB OPS REPS | check DEV MIB\n"
			"       tcp-recv PORT NAME | tcp-send HOST PORT MIB | tcp-serve-send PORT MIB | tcp-fetch HOST PORT NAME\n"
			"       tcp-recv-n PORT N NAME | tcp-send-n HOST PORT N MIB   (N streams at once, 1..8)\n"
			"       udp-recv PORT NAME | udp-send HOST PORT SECONDS SIZE\n");
	return 64;
}

int main(int argc, char **argv)
{
	if (argc < 2)
		return usage();
	const char *cmd = argv[1];
	if (!strcmp(cmd, "blk") && argc == 6)
		return bench_blk(argv[2], strtoull(argv[3], NULL, 0), atol(argv[4]), atoi(argv[5]));
	if (!strcmp(cmd, "check") && argc == 4)
		return check_blk(argv[2], strtoull(argv[3], NULL, 0));
	if (!strcmp(cmd, "tcp-recv") && argc == 4) {
		int l = listen_tcp(atoi(argv[2]));
		if (l < 0)
			return fail("listen");
		printf("@@ iobench: %s listening on %s\n", argv[3], argv[2]);
		fflush(stdout);
		int c = accept(l, NULL, NULL);
		close(l);
		if (c < 0)
			return fail("accept");
		int rc = stream_recv(c, argv[3]);
		return rc == 2 ? (errno = EIO, fail("tcp: no data")) : rc;
	}
	if (!strcmp(cmd, "tcp-recv-n") && argc == 5 && atoi(argv[3]) >= 1 && atoi(argv[3]) <= 8) {
		int l = listen_tcp(atoi(argv[2]));
		if (l < 0)
			return fail("listen");
		printf("@@ iobench: %s listening on %s for %s streams\n", argv[4], argv[2], argv[3]);
		fflush(stdout);
		return streams_recv(l, atoi(argv[3]), argv[4]);
	}
	if (!strcmp(cmd, "tcp-send-n") && argc == 6 && atoi(argv[4]) >= 1 && atoi(argv[4]) <= 8)
		return streams_send(argv[2], atoi(argv[3]), atoi(argv[4]), strtoull(argv[5], NULL, 0));
	if (!strcmp(cmd, "tcp-send") && argc == 5) {
		int c = connect_tcp(argv[2], atoi(argv[3]));
		return c < 0 ? fail("connect") : stream_send(c, strtoull(argv[4], NULL, 0));
	}
	/* The guest listens and sends: for a host reaching the guest through a port forward (data flows guest to host). */
	if (!strcmp(cmd, "tcp-serve-send") && argc == 4) {
		int l = listen_tcp(atoi(argv[2]));
		if (l < 0)
			return fail("listen");
		printf("@@ iobench: serving %s MiB on %s\n", argv[3], argv[2]);
		fflush(stdout);
		int c = accept(l, NULL, NULL);
		close(l);
		return c < 0 ? fail("accept") : stream_send(c, strtoull(argv[3], NULL, 0));
	}
	/* A port forward accepts and closes at once while the guest is not listening yet: then try again. */
	if (!strcmp(cmd, "tcp-fetch") && argc == 5) {
		double give_up = now_s() + 120;
		for (;;) {
			int c = connect_tcp(argv[2], atoi(argv[3]));
			int rc = c < 0 ? fail("connect") : stream_recv(c, argv[4]);
			if (rc != 2)
				return rc;
			if (now_s() > give_up)
				return errno = EIO, fail("tcp: the peer never sent");
			usleep(200000);
		}
	}
	if (!strcmp(cmd, "udp-recv") && argc == 4)
		return udp_recv(atoi(argv[2]), argv[3]);
	if (!strcmp(cmd, "udp-send") && argc == 6)
		return udp_send(argv[2], atoi(argv[3]), atof(argv[4]), strtoul(argv[5], NULL, 0));
	return usage();
}
