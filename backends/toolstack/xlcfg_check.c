/* SPDX-License-Identifier: MIT */
/* xlcfg-check: checks a domain file on the host, writes its canonical copy (UUID filled in) and today's module strings. */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <uuid/uuid.h>
#include "lifecycle.h"
#include "xlcfg.h"

/* A domain file is a few lines; anything this large is not one. */
#define CHECK_FILE_MAX	(1u << 20)

static const char *check_file;	/* as given, for messages */
static char check_dir[PATH_MAX];	/* relative paths in the file are taken from its directory */
static unsigned int check_errors;

static void usage(void)
{
	fprintf(stderr, "usage: xlcfg-check [--out CANONICAL.cfg] [--modules] [--disks LIST] [--hostfwd] [--toolstack] "
			"DOMAIN.cfg\n"
			"  prints FILE:LINE: error|warning: ... and exits 1 on any error\n"
			"  --out      writes the checked file in canonical form (absolute paths, a UUID)\n"
			"  --modules  prints the domain's boot modules (kernel with @options, ramdisk, the file), one a line\n"
			"  --disks    writes the disks to attach, one a line: rw|ro DEVID VDEV FORMAT PATH (tabs)\n"
			"  --hostfwd  prints the vifs' forwards as QEMU user-network hostfwd= values, one a line\n"
			"  --toolstack  dom0's toolstack builds the domain: no warnings for what only the hypervisor's\n"
			"               builder ignores (maxmem, the on_* actions)\n");
	exit(2);
}

static void report(uint32_t line, bool err, const char *fmt, const char *a, const char *b)
{
	char msg[PATH_MAX + 200];

	snprintf(msg, sizeof(msg), fmt, a ? a : "", b ? b : "");
	if (line)
		fprintf(stderr, "%s:%u: %s: %s\n", check_file, line, err ? "error" : "warning", msg);
	else
		fprintf(stderr, "%s: %s: %s\n", check_file, err ? "error" : "warning", msg);
	check_errors += err;
}

static char *read_file(const char *path, size_t *len)
{
	int fd = open(path, O_RDONLY);
	struct stat st;
	char *buf;
	ssize_t n;

	if (fd < 0 || fstat(fd, &st) < 0) {
		fprintf(stderr, "%s: error: cannot open: %s\n", path, strerror(errno));
		exit(1);
	}
	if (!S_ISREG(st.st_mode) || st.st_size > CHECK_FILE_MAX) {
		fprintf(stderr, "%s: error: not a domain file (not a regular file, or over 1 MiB)\n", path);
		exit(1);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		fprintf(stderr, "xlcfg-check: out of memory\n");
		exit(1);
	}
	n = read(fd, buf, (size_t)st.st_size);
	close(fd);
	if (n != st.st_size) {
		fprintf(stderr, "%s: error: short read\n", path);
		exit(1);
	}
	*len = (size_t)n;
	return buf;
}

/* A path from the file, made absolute against the file's directory; false if too long. */
static bool absolute(const char *p, char *out, size_t cap)
{
	int n = p[0] == '/' ? snprintf(out, cap, "%s", p) : snprintf(out, cap, "%s/%s", check_dir, p);

	return n > 0 && (size_t)n < cap;
}

/* The file a key names must be there and readable by us (QEMU reads it as a module, or a backend serves it). */
static void check_path(char *path, uint32_t line, const char *key, bool want_block_ok)
{
	char abs[XLCFG_PATH_MAX];
	struct stat st;

	if (!absolute(path, abs, sizeof(abs))) {
		report(line, true, "'%s': '%s' is too long once made absolute", key, path);
		return;
	}
	if (stat(abs, &st) < 0) {
		char what[XLCFG_PATH_MAX + 64];

		snprintf(what, sizeof(what), "%s: %s", abs, strerror(errno));
		report(line, true, "'%s': %s", key, what);
		return;
	}
	if (!S_ISREG(st.st_mode) && !(want_block_ok && S_ISBLK(st.st_mode))) {
		report(line, true, "'%s': '%s' is not a regular file", key, abs);
		return;
	}
	if (access(abs, R_OK) < 0) {
		report(line, true, "'%s': '%s' is not readable", key, abs);
		return;
	}
	memcpy(path, abs, strlen(abs) + 1);
}

/* Each disk a vbd number a frontend can decode, and no two the same one: blkfront would see one disk. */
static void check_vdevs(const struct xlcfg_domain *d)
{
	for (uint32_t i = 0; i < d->nr_disks; i++) {
		long id = xlcfg_vdev_devid(d->disks[i].vdev);

		if (id < 0) {
			report(d->disks[i].line, true, "disk: vdev '%s' is not xvdN, sdN or hdN as a frontend numbers them%s",
			       d->disks[i].vdev, NULL);
			continue;
		}
		for (uint32_t j = 0; j < i; j++)
			if (xlcfg_vdev_devid(d->disks[j].vdev) == id)
				report(d->disks[i].line, true, "disk: vdev '%s' is the same device as '%s'",
				       d->disks[i].vdev, d->disks[j].vdev);
	}
}

static void check_files(struct xlcfg_domain *d)
{
	check_path(d->kernel, d->kernel_line, "kernel", false);
	if (d->ramdisk[0])
		check_path(d->ramdisk, d->ramdisk_line, "ramdisk", false);
	for (uint32_t i = 0; i < d->nr_disks; i++)
		if (d->disks[i].target[0])
			check_path(d->disks[i].target, d->disks[i].line, "disk", true);
	check_vdevs(d);
}

/*
 * What the boot path cannot honour: said once, so nobody believes it
 * happened. by_dom0: dom0's toolstack builds the domain (--toolstack), which
 * passes maxmem on and carries out the on_* actions; the hypervisor's builder
 * (a test dom0 without the toolstack) does neither.
 */
static void note_untranslated(const struct xlcfg_domain *d, bool by_dom0)
{
	/* @vcpus=N makes N vCPUs that the guest brings up; nothing here keeps those above 'vcpus' offline. */
	if (d->maxvcpus > d->vcpus)
		report(0, false, "maxvcpus: the boot-time builder makes every one and the guest brings them all up%s%s",
		       NULL, NULL);
	if (d->maxmem_mib > d->memory_mib && !by_dom0)
		report(0, false, "maxmem: not passed on by the hypervisor's builder; the domain gets 'memory'%s%s",
		       NULL, NULL);
	for (uint32_t i = 0; i < d->nr_disks; i++)
		if (!d->disks[i].target[0])
			report(d->disks[i].line, false, "disk: '%s' has no target (an empty drive): not attached%s",
			       d->disks[i].vdev, NULL);
	for (uint32_t i = 0; i < d->nr_vifs; i++)
		if (d->vifs[i].bridge[0] || d->vifs[i].model[0]) {
			report(0, false, "vif: bridge= and model= are ignored: every vif joins dom0's switch%s%s", NULL,
			       NULL);
			break;
		}
	/* on_reboot's default is restart: not worth a warning in every file. */
	if (!by_dom0 && (d->on_crash != XLCFG_ACTION_DESTROY || d->on_poweroff != XLCFG_ACTION_DESTROY ||
			 d->on_watchdog != XLCFG_ACTION_DESTROY || d->on_reboot != XLCFG_ACTION_RESTART))
		report(0, false, "on_*: carried out when dom0's toolstack builds the domain (@toolstack, xl create); "
		       "a domain the hypervisor builds is destroyed when it shuts down%s%s", NULL, NULL);
}

/* Actions dom0 would refuse (core dumps, soft reset): an error here, before anything boots. */
static void check_actions(const struct xlcfg_domain *d)
{
	struct lc_actions a;

	lc_actions_from(&a, d);
	if (lc_unsupported(&a))
		report(0, true, "%s%s", lc_unsupported(&a), NULL);
}

/* A string for the canonical file: double quotes, with \ and " escaped as xl reads them. */
static void put_string(FILE *f, const char *s)
{
	fputc('"', f);
	for (; *s; s++) {
		if (*s == '"' || *s == '\\')
			fputc('\\', f);
		if (*s == '\n')
			fputs("\\n", f);
		else if (*s == '\t')
			fputs("\\t", f);
		else
			fputc(*s, f);
	}
	fputc('"', f);
}

static void cpu_list(uint64_t mask, char *out, size_t cap)
{
	size_t n = 0;

	out[0] = '\0';
	for (unsigned int c = 0; c < 64 && n < cap; c++) {
		unsigned int e = c;

		if (!(mask >> c & 1))
			continue;
		while (e + 1 < 64 && (mask >> (e + 1) & 1))
			e++;
		n += (size_t)(e == c ? snprintf(out + n, cap - n, "%s%u", n ? "," : "", c)
				     : snprintf(out + n, cap - n, "%s%u-%u", n ? "," : "", c, e));
		c = e;
	}
}

static void write_disk(FILE *f, const struct xlcfg_disk *k)
{
	char spec[XLCFG_PATH_MAX + 80];

	snprintf(spec, sizeof(spec), "format=%s, vdev=%s, access=%s%s%s%s", k->format, k->vdev,
		 k->writable ? "rw" : "ro", k->cdrom ? ", devtype=cdrom" : "", k->target[0] ? ", target=" : "",
		 k->target);
	put_string(f, spec);
}

static void write_vif(FILE *f, const struct xlcfg_vif *v)
{
	char spec[300] = "";
	size_t n = 0;

	if (v->mac_set)
		n += (size_t)snprintf(spec, sizeof(spec), "mac=%02x:%02x:%02x:%02x:%02x:%02x", v->mac[0], v->mac[1],
				      v->mac[2], v->mac[3], v->mac[4], v->mac[5]);
	if (v->ip_set)
		n += (size_t)snprintf(spec + n, sizeof(spec) - n, "%sip=%u.%u.%u.%u", n ? ", " : "", v->ip >> 24,
				      v->ip >> 16 & 255, v->ip >> 8 & 255, v->ip & 255);
	for (uint32_t i = 0; i < v->nr_forwards; i++)
		n += (size_t)snprintf(spec + n, sizeof(spec) - n, "%sforward=%s:%u:%u", n ? ", " : "",
				      v->forwards[i].udp ? "udp" : "tcp", v->forwards[i].host_port,
				      v->forwards[i].guest_port);
	if (v->bridge[0])
		n += (size_t)snprintf(spec + n, sizeof(spec) - n, "%sbridge=%s", n ? ", " : "", v->bridge);
	if (v->model[0])
		snprintf(spec + n, sizeof(spec) - n, "%smodel=%s", n ? ", " : "", v->model);
	put_string(f, spec);
}

/*
 * The vifs' forwards for QEMU's user network (the uplink dom0's switch
 * joins): bound to the host's loopback only, to the vif's ip= or, without
 * one, slirp's first DHCP lease (10.0.2.15).
 */
static void print_hostfwd(const struct xlcfg_domain *d)
{
	for (uint32_t i = 0; i < d->nr_vifs; i++) {
		const struct xlcfg_vif *v = &d->vifs[i];
		uint32_t ip = v->ip_set ? v->ip : 0x0a00020fu;

		for (uint32_t k = 0; k < v->nr_forwards; k++)
			printf("%s:127.0.0.1:%u-%u.%u.%u.%u:%u\n", v->forwards[k].udp ? "udp" : "tcp",
			       v->forwards[k].host_port, ip >> 24, ip >> 16 & 255, ip >> 8 & 255, ip & 255,
			       v->forwards[k].guest_port);
	}
}

static void write_canonical(const char *out, const struct xlcfg_domain *d, const char *src)
{
	FILE *f = fopen(out, "w");
	char uuid[37], cpus[200];

	if (!f) {
		fprintf(stderr, "%s: error: cannot write: %s\n", out, strerror(errno));
		exit(1);
	}
	uuid_unparse_lower(d->uuid, uuid);
	fprintf(f, "# %s, checked by xlcfg-check: paths absolute, every key explicit\nname = ", src);
	put_string(f, d->name);
	fprintf(f, "\nuuid = \"%s\"\nmemory = %lu\n", uuid, (unsigned long)d->memory_mib);
	if (d->hvm)
		fputs("type = \"hvm\"\n", f);
	if (d->maxmem_mib)
		fprintf(f, "maxmem = %lu\n", (unsigned long)d->maxmem_mib);
	fprintf(f, "vcpus = %u\n", d->vcpus);
	if (d->maxvcpus)
		fprintf(f, "maxvcpus = %u\n", d->maxvcpus);
	if (d->cpumask && d->cpumask != ~0ULL) {
		cpu_list(d->cpumask, cpus, sizeof(cpus));
		fprintf(f, "cpus = \"%s\"\n", cpus);
	}
	if (d->weight)
		fprintf(f, "cpu_weight = %u\n", d->weight);
	if (d->cap)
		fprintf(f, "cap = %u\n", d->cap);
	fputs("kernel = ", f);
	put_string(f, d->kernel);
	if (d->ramdisk[0]) {
		fputs("\nramdisk = ", f);
		put_string(f, d->ramdisk);
	}
	fputs("\ncmdline = ", f);
	put_string(f, d->cmdline);
	fprintf(f, "\non_poweroff = \"%s\"\non_reboot = \"%s\"\non_crash = \"%s\"\non_watchdog = \"%s\"\n",
		xlcfg_action_name(d->on_poweroff), xlcfg_action_name(d->on_reboot), xlcfg_action_name(d->on_crash),
		xlcfg_action_name(d->on_watchdog));
	fputs("disk = [", f);
	for (uint32_t i = 0; i < d->nr_disks; i++) {
		fputs(i ? ",\n         " : " ", f);
		write_disk(f, &d->disks[i]);
	}
	fputs(" ]\nvif = [", f);
	for (uint32_t i = 0; i < d->nr_vifs; i++) {
		fputs(i ? ", " : " ", f);
		write_vif(f, &d->vifs[i]);
	}
	fputs(" ]\n", f);
	if (fclose(f) != 0) {
		fprintf(stderr, "%s: error: cannot write: %s\n", out, strerror(errno));
		exit(1);
	}
}

/* A module string for QEMU's -initrd list: a comma is written twice (QEMU's escape). */
static void put_module_text(const char *s)
{
	for (; *s; s++) {
		if (*s == ',')
			putchar(',');
		putchar(*s);
	}
}

/*
 * The disks to attach, one a line for tools/qemu-run: rw|ro, the vbd
 * number, the vdev, QEMU's name of the format, the absolute path (last:
 * it may hold anything but a newline). A drive without a target is left out.
 */
static void write_disk_list(const char *out, const struct xlcfg_domain *d)
{
	FILE *f = fopen(out, "w");

	if (!f) {
		fprintf(stderr, "%s: error: cannot write: %s\n", out, strerror(errno));
		exit(1);
	}
	for (uint32_t i = 0; i < d->nr_disks; i++) {
		const struct xlcfg_disk *k = &d->disks[i];

		if (!k->target[0])
			continue;
		if (strchr(k->target, '\n')) {
			fprintf(stderr, "%s: error: disk path with a newline: not attached\n", check_file);
			exit(1);
		}
		fprintf(f, "%s\t%ld\t%s\t%s\t%s\n", k->writable ? "rw" : "ro", xlcfg_vdev_devid(k->vdev), k->vdev,
			strcmp(k->format, "vhd") ? k->format : "vpc", k->target);
	}
	if (fclose(f) != 0) {
		fprintf(stderr, "%s: error: cannot write: %s\n", out, strerror(errno));
		exit(1);
	}
}

/*
 * The boot modules of the domain: its kernel with @options (read by dom0's
 * toolstack, or by the hypervisor's builder under a test dom0), its ramdisk,
 * and the canonical file, whose values dom0 takes over the options.
 */
static void print_modules(const struct xlcfg_domain *d, const char *canonical)
{
	char uuid[37], cpus[200], opt[300];

	uuid_unparse_lower(d->uuid, uuid);
	put_module_text(d->kernel);
	snprintf(opt, sizeof(opt), " @name=%s @mem=%luM @uuid=%s%s", d->name, (unsigned long)d->memory_mib, uuid,
		 d->hvm ? " @hvm" : "");
	put_module_text(opt);
	if (d->vcpus > 1 || d->maxvcpus > 1) {
		snprintf(opt, sizeof(opt), " @vcpus=%u", d->maxvcpus > d->vcpus ? d->maxvcpus : d->vcpus);
		put_module_text(opt);
	}
	if (d->weight) {
		snprintf(opt, sizeof(opt), " @weight=%u", d->weight);
		put_module_text(opt);
	}
	if (d->cap) {
		snprintf(opt, sizeof(opt), " @cap=%u", d->cap);
		put_module_text(opt);
	}
	if (d->cpumask && d->cpumask != ~0ULL) {
		cpu_list(d->cpumask, cpus, sizeof(cpus));
		snprintf(opt, sizeof(opt), " @cpus=%s", cpus);
		put_module_text(opt);
	}
	if (d->cmdline[0]) {
		putchar(' ');
		put_module_text(d->cmdline);
	}
	putchar('\n');
	if (d->ramdisk[0]) {
		put_module_text(d->ramdisk);
		puts(" @initrd");
	}
	if (canonical) {
		put_module_text(canonical);
		puts(" @domfile");
	}
}

int main(int argc, char **argv)
{
	static struct xlcfg_domain dom;
	static struct xlcfg_diags dg;
	const char *out = NULL, *disks = NULL;
	bool modules = false, hostfwd = false, toolstack = false;
	char *text, *slash;
	size_t len;
	int i;

	for (i = 1; i < argc && argv[i][0] == '-'; i++) {
		if (strcmp(argv[i], "--out") == 0 && i + 1 < argc)
			out = argv[++i];
		else if (strcmp(argv[i], "--modules") == 0)
			modules = true;
		else if (strcmp(argv[i], "--disks") == 0 && i + 1 < argc)
			disks = argv[++i];
		else if (strcmp(argv[i], "--hostfwd") == 0)
			hostfwd = true;
		else if (strcmp(argv[i], "--toolstack") == 0)
			toolstack = true;
		else
			usage();
	}
	if (i + 1 != argc)
		usage();
	check_file = argv[i];
	if (!realpath(check_file, check_dir)) {
		fprintf(stderr, "%s: error: %s\n", check_file, strerror(errno));
		return 1;
	}
	slash = strrchr(check_dir, '/');
	if (slash)
		*(slash == check_dir ? slash + 1 : slash) = '\0';
	text = read_file(check_file, &len);
	xlcfg_parse(text, len, &dom, &dg);
	free(text);
	for (uint32_t k = 0; k < dg.nr; k++)
		report(dg.d[k].line, dg.d[k].is_error, "%s%s", dg.d[k].msg, NULL);
	check_errors = dg.nr_errors;
	if (dg.dropped)
		fprintf(stderr, "%s: %u more diagnostics not shown\n", check_file, dg.dropped);
	if (dg.nr_errors == 0) {
		check_files(&dom);
		check_actions(&dom);
	}
	if (check_errors) {
		fprintf(stderr, "%s: %u error%s\n", check_file, check_errors, check_errors == 1 ? "" : "s");
		return 1;
	}
	note_untranslated(&dom, toolstack);
	if (!dom.uuid_set)
		uuid_generate(dom.uuid);
	if (out)
		write_canonical(out, &dom, check_file);
	if (disks)
		write_disk_list(disks, &dom);
	if (modules)
		print_modules(&dom, out);
	if (hostfwd)
		print_hostfwd(&dom);
	return 0;
}
