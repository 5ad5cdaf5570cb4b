/* SPDX-License-Identifier: MIT */
/* xl.cfg domain files (backends/toolstack/xlcfg.c): every key, both disk forms, lists, comments, quotes, every error. */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "xlcfg.h"

static struct xlcfg_domain dom;
static struct xlcfg_diags dg;

static int parse(const char *text)
{
	return xlcfg_parse(text, strlen(text), &dom, &dg);
}

/* The one diagnostic whose message contains what; fails if none or its line or kind differ. */
static void expect_diag(uint32_t line, bool is_error, const char *what)
{
	for (uint32_t i = 0; i < dg.nr; i++) {
		if (strstr(dg.d[i].msg, what)) {
			ck_assert_msg(dg.d[i].line == line, "'%s' on line %u, not %u", dg.d[i].msg, dg.d[i].line,
				      line);
			ck_assert_msg(dg.d[i].is_error == is_error, "'%s': wrong kind", dg.d[i].msg);
			return;
		}
	}
	for (uint32_t i = 0; i < dg.nr; i++)
		fprintf(stderr, "  have line %u: %s\n", dg.d[i].line, dg.d[i].msg);
	ck_abort_msg("no diagnostic containing '%s'", what);
}

#define BASE "name = 'g'\nkernel = '/k'\nmemory = 64\n"

/* type = "hvm" (and builder = "hvm"): the keys a fully virtual guest takes; a later type wins, and type wins over builder. */
START_TEST(hvm_type)
{
	ck_assert_int_eq(parse(BASE "type = 'hvm'\nvcpus = 2\nramdisk = '/r'\ncmdline = 'console=ttyS0'\n"
			       "memory = 3072\n"), 0);
	ck_assert(dom.hvm);
	ck_assert_uint_eq(dom.vcpus, 2);
	ck_assert_uint_eq(dom.memory_mib, 3072);
	ck_assert_str_eq(dom.ramdisk, "/r");
	ck_assert_str_eq(dom.cmdline, "console=ttyS0");
	ck_assert_int_eq(parse(BASE "builder = 'hvm'\n"), 0);
	ck_assert(dom.hvm);
	ck_assert_int_eq(parse(BASE "type = 'hvm'\ntype = 'pv'\ndisk = [ '/a,raw,xvda' ]\n"), 0);
	ck_assert(!dom.hvm);
	ck_assert_int_eq(parse(BASE "disk = [ '/a,raw,xvda' ]\nmaxmem = 128\n"), 0);	/* PV: both allowed */
	ck_assert(!dom.hvm);
	/* type= wins over builder= in either order, as in xl. */
	ck_assert_int_eq(parse(BASE "type = 'hvm'\nbuilder = 'generic'\n"), 0);
	ck_assert(dom.hvm);
	ck_assert_int_eq(parse(BASE "builder = 'generic'\ntype = 'hvm'\n"), 0);
	ck_assert(dom.hvm);
	ck_assert_int_eq(parse(BASE "type = 'pv'\nbuilder = 'hvm'\ndisk = [ '/a,raw,xvda' ]\n"), 0);
	ck_assert(!dom.hvm);
}
END_TEST

START_TEST(every_key)
{
	const char *cfg =
		"# a full domain file\n"
		"name = \"web-1.test\"\n"
		"uuid = '0123abcd-4567-89ef-0123-456789ABCDEF'\n"
		"memory = 256\n"
		"maxmem = 0x200   # hex, as xl's lexer reads it\n"
		"vcpus = 2\n"
		"maxvcpus = 4\n"
		"cpus = \"0-3,^2\"\n"
		"cpu_weight = 512\n"
		"cap = 50\n"
		"kernel = \"/boot/vmlinuz\"\n"
		"ramdisk = '/boot/initrd.img'\n"
		"root = '/dev/xvda1 ro'\n"
		"extra = \"console=hvc0 quiet\"\n"
		"on_poweroff = 'destroy'; on_reboot = 'restart'\n"
		"on_crash = 'preserve'\n"
		"on_watchdog = 'coredump-restart'\n"
		"type = 'pv'\n"
		"disk = [ 'format=raw, vdev=xvda, access=rw, target=/images/a,b.img',\n"
		"         '/images/b.img,qcow2,xvdb,ro',\n"
		"         '/images/c.iso,,xvdc,cdrom',\n"
		"         'raw:/images/d.img,xvdd,w', ]\n"
		"vif = [ 'mac=00:16:3e:01:02:03, bridge=xenbr0, model=virtio', 'bridge=br1' ]\n";

	if (parse(cfg) != 0 || dg.nr)
		expect_diag(0, true, "(none expected)");
	ck_assert_str_eq(dom.name, "web-1.test");
	ck_assert(dom.uuid_set);
	ck_assert_uint_eq(dom.uuid[0], 0x01);
	ck_assert_uint_eq(dom.uuid[4], 0x45);
	ck_assert_uint_eq(dom.uuid[15], 0xef);
	ck_assert_uint_eq(dom.memory_mib, 256);
	ck_assert_uint_eq(dom.maxmem_mib, 512);
	ck_assert_uint_eq(dom.vcpus, 2);
	ck_assert_uint_eq(dom.maxvcpus, 4);
	ck_assert_uint_eq(dom.cpumask, 0xb);
	ck_assert_uint_eq(dom.weight, 512);
	ck_assert_uint_eq(dom.cap, 50);
	ck_assert_str_eq(dom.kernel, "/boot/vmlinuz");
	ck_assert_str_eq(dom.ramdisk, "/boot/initrd.img");
	ck_assert_str_eq(dom.cmdline, "root=/dev/xvda1 ro console=hvc0 quiet");
	ck_assert_int_eq(dom.on_poweroff, XLCFG_ACTION_DESTROY);
	ck_assert_int_eq(dom.on_reboot, XLCFG_ACTION_RESTART);
	ck_assert_int_eq(dom.on_crash, XLCFG_ACTION_PRESERVE);
	ck_assert_int_eq(dom.on_watchdog, XLCFG_ACTION_COREDUMP_RESTART);
	ck_assert_str_eq(xlcfg_action_name(dom.on_watchdog), "coredump-restart");

	ck_assert_uint_eq(dom.nr_disks, 4);
	ck_assert_str_eq(dom.disks[0].target, "/images/a,b.img");	/* target= takes the rest, commas too */
	ck_assert_str_eq(dom.disks[0].vdev, "xvda");
	ck_assert_str_eq(dom.disks[0].format, "raw");
	ck_assert(dom.disks[0].writable);
	ck_assert_str_eq(dom.disks[1].target, "/images/b.img");
	ck_assert_str_eq(dom.disks[1].format, "qcow2");
	ck_assert_str_eq(dom.disks[1].vdev, "xvdb");
	ck_assert(!dom.disks[1].writable);
	ck_assert(dom.disks[2].cdrom);
	ck_assert(!dom.disks[2].writable);
	ck_assert_str_eq(dom.disks[2].format, "raw");	/* empty positional: the default */
	ck_assert_str_eq(dom.disks[3].target, "/images/d.img");
	ck_assert_str_eq(dom.disks[3].vdev, "xvdd");
	ck_assert(dom.disks[3].writable);

	ck_assert_uint_eq(dom.nr_vifs, 2);
	ck_assert(dom.vifs[0].mac_set);
	ck_assert_uint_eq(dom.vifs[0].mac[2], 0x3e);
	ck_assert_uint_eq(dom.vifs[0].mac[5], 0x03);
	ck_assert_str_eq(dom.vifs[0].bridge, "xenbr0");
	ck_assert_str_eq(dom.vifs[0].model, "virtio");
	ck_assert(!dom.vifs[1].mac_set);
	ck_assert_str_eq(dom.vifs[1].bridge, "br1");
}
END_TEST

START_TEST(defaults_and_minimum)
{
	ck_assert_int_eq(parse(BASE), 0);
	ck_assert_uint_eq(dg.nr, 0);
	ck_assert(!dom.uuid_set);
	ck_assert_uint_eq(dom.vcpus, 1);
	ck_assert_uint_eq(dom.maxmem_mib, 0);
	ck_assert_uint_eq(dom.cpumask, 0);
	ck_assert_int_eq(dom.on_poweroff, XLCFG_ACTION_DESTROY);
	ck_assert_int_eq(dom.on_reboot, XLCFG_ACTION_RESTART);
	ck_assert_int_eq(dom.on_crash, XLCFG_ACTION_DESTROY);
	ck_assert_str_eq(dom.cmdline, "");
	ck_assert_str_eq(dom.ramdisk, "");
	/* Numbers may come quoted, as xl reads them. */
	ck_assert_int_eq(parse("name='g'\nkernel='/k'\nmemory='96'\nweight = 7\n"), 0);
	ck_assert_uint_eq(dom.memory_mib, 96);
	ck_assert_uint_eq(dom.weight, 7);
}
END_TEST

START_TEST(cmdline_forms)
{
	ck_assert_int_eq(parse(BASE "cmdline = 'console=hvc0 init=/bin/sh'\n"), 0);
	ck_assert_str_eq(dom.cmdline, "console=hvc0 init=/bin/sh");
	ck_assert_int_eq(parse(BASE "root = '/dev/xvda'\n"), 0);
	ck_assert_str_eq(dom.cmdline, "root=/dev/xvda");
	ck_assert_int_eq(parse(BASE "extra = 'quiet'\n"), 0);
	ck_assert_str_eq(dom.cmdline, "quiet");
	/* cmdline wins over root and extra, with a warning, as in xl. */
	ck_assert_int_eq(parse(BASE "extra = 'x'\ncmdline = 'y'\nroot = 'z'\n"), 0);
	ck_assert_str_eq(dom.cmdline, "y");
	expect_diag(5, false, "'root' and 'extra' are ignored");
}
END_TEST

START_TEST(quotes_comments_escapes)
{
	ck_assert_int_eq(parse("# leading comment\n\n  name = 'it''s'\n"), -1);	/* two strings in a row */
	ck_assert_int_eq(parse("name = \"a-b\" # trailing comment\nkernel = '/k # not a comment'\n"
			       "memory = 8\nextra = \"say \\\"hi\\\"\\tnow\"\ncmdline = 'back\\slash'\n"), 0);
	ck_assert_str_eq(dom.name, "a-b");
	ck_assert_str_eq(dom.kernel, "/k # not a comment");
	/* Single quotes take backslashes as they are; double quotes know \" \\ \t \n. */
	ck_assert_str_eq(dom.cmdline, "back\\slash");
	ck_assert_int_eq(parse(BASE "extra = \"say \\\"hi\\\"\\tnow\"\n"), 0);
	ck_assert_str_eq(dom.cmdline, "say \"hi\"\tnow");
	/* CRLF files, and several statements on one line. */
	ck_assert_int_eq(parse("name = 'g'\r\nkernel = '/k'; memory = 8;\r\n"), 0);
	ck_assert_uint_eq(dom.memory_mib, 8);
}
END_TEST

START_TEST(lists_over_lines)
{
	ck_assert_int_eq(parse(BASE "disk = [\n"
			       "  # the root disk\n"
			       "  '/a.img,raw,xvda,rw',\n"
			       "\n"
			       "  \"/b.img,,xvdb\"   # second\n"
			       "]\n"
			       "vif = []\n"
			       "cpus = [ '0', '2-3' ]\n"
			       "name = 'after'\n"), 0);
	ck_assert_uint_eq(dg.nr, 0);
	ck_assert_uint_eq(dom.nr_disks, 2);
	ck_assert_str_eq(dom.disks[1].target, "/b.img");
	ck_assert_uint_eq(dom.nr_vifs, 0);
	ck_assert_uint_eq(dom.cpumask, 0xd);
	ck_assert_str_eq(dom.name, "after");
	/* An error inside a list names the item's line, and the lines after are still read. */
	ck_assert_int_eq(parse(BASE "disk = [\n '/a.img,raw,xvda',\n '/b.img,bogus,xvdb',\n '/c.img,raw,xvdc' ]\n"
			       "memory = 'x'\n"), -1);
	expect_diag(6, true, "unknown format");
	expect_diag(8, true, "'memory': 'x' is not a number");
	ck_assert_uint_eq(dg.nr_errors, 2);
	ck_assert_uint_eq(dom.nr_disks, 2);
	/* A syntax error inside a list skips to its end, not statement by statement. */
	ck_assert_int_eq(parse(BASE "disk = [\n '/a.img,,xvda'\n '/b.img,,xvdb',\n '/c.img,,xvdc' ]\nvcpus = 2\n"), -1);
	expect_diag(6, true, "separated by commas");
	ck_assert_uint_eq(dg.nr_errors, 1);
	ck_assert_uint_eq(dom.vcpus, 2);
}
END_TEST

START_TEST(disk_forms)
{
	/* The four equivalent spellings of xl-disk-configuration(5). */
	static const char *const same[] = {
		"'/dev/vg/guest-volume,,hda'",
		"'/dev/vg/guest-volume,raw,hda,rw'",
		"'format=raw, vdev=hda, access=rw, target=/dev/vg/guest-volume'",
		"'raw:/dev/vg/guest-volume,hda,w'",
		"'phy:/dev/vg/guest-volume,hda,w'",
		"'vdev=hda, /dev/vg/guest-volume'",
	};
	char cfg[512];

	for (size_t i = 0; i < sizeof(same) / sizeof(same[0]); i++) {
		snprintf(cfg, sizeof(cfg), BASE "disk = [ %s ]\n", same[i]);
		ck_assert_msg(parse(cfg) == 0, "%s", same[i]);
		ck_assert_uint_eq(dom.nr_disks, 1);
		ck_assert_str_eq(dom.disks[0].target, "/dev/vg/guest-volume");
		ck_assert_str_eq(dom.disks[0].vdev, "hda");
		ck_assert_str_eq(dom.disks[0].format, "raw");
		ck_assert(dom.disks[0].writable);
		ck_assert(!dom.disks[0].cdrom);
	}
	static const char *const cdroms[] = {
		"'/root/image.iso,,hdc,cdrom'",
		"'/root/image.iso,,hdc,,cdrom'",
		"'/root/image.iso,raw,hdc,devtype=cdrom'",
		"'format=raw, vdev=hdc, access=ro, devtype=cdrom, target=/root/image.iso'",
		"'raw:/root/image.iso,hdc:cdrom,ro'",
	};
	for (size_t i = 0; i < sizeof(cdroms) / sizeof(cdroms[0]); i++) {
		snprintf(cfg, sizeof(cfg), BASE "disk = [ %s ]\n", cdroms[i]);
		ck_assert_msg(parse(cfg) == 0, "%s", cdroms[i]);
		ck_assert_str_eq(dom.disks[0].target, "/root/image.iso");
		ck_assert_str_eq(dom.disks[0].vdev, "hdc");
		ck_assert(dom.disks[0].cdrom);
		ck_assert(!dom.disks[0].writable);
	}
}
END_TEST

/* Each bad file: its error, on its line. */
struct bad_case {
	const char *text;
	uint32_t line;
	const char *msg;
};

static const struct bad_case bad[] = {
	{ BASE "memory = 0\n", 4, "'memory': 0 is out of range" },
	{ BASE "memory = 256M\n", 4, "'memory': '256M' is not a number" },
	{ BASE "memory = 99999999999999999999999\n", 4, "is not a number" },
	{ BASE "maxmem = 32\n", 4, "'maxmem' is below 'memory'" },
	{ BASE "vcpus = 0\n", 4, "'vcpus': 0 is out of range" },
	{ BASE "vcpus = 65\n", 4, "'vcpus': 65 is out of range" },
	{ BASE "vcpus = 4\nmaxvcpus = 2\n", 5, "'maxvcpus' is below 'vcpus'" },
	{ BASE "cpu_weight = 0\n", 4, "'cpu_weight': 0 is out of range" },
	{ BASE "weight = 70000\n", 4, "'weight': 70000 is out of range" },
	{ BASE "cap = 6401\n", 4, "'cap': 6401 is out of range" },
	{ BASE "cpus = '64'\n", 4, "is not a CPU list" },
	{ BASE "cpus = '3-1'\n", 4, "is not a CPU list" },
	{ BASE "cpus = 'x'\n", 4, "is not a CPU list" },
	{ BASE "cpus = '^1'\n", 4, "leaves no CPU" },
	{ "name = 'has space'\nkernel='/k'\nmemory=8\n", 1, "has a character outside" },
	{ "name = ''\nkernel='/k'\nmemory=8\n", 1, "a name is 1 to 31 characters" },
	{ "name = 'abcdefghijabcdefghijabcdefghij12'\nkernel='/k'\nmemory=8\n", 1, "1 to 31" },
	{ BASE "uuid = '0123abcd-4567-89ef-0123-456789abcde'\n", 4, "is not a UUID" },
	{ BASE "uuid = '0123abcd-4567-89ef-0123x456789abcdef'\n", 4, "is not a UUID" },
	{ BASE "uuid = 'g123abcd-4567-89ef-0123-456789abcdef'\n", 4, "is not a UUID" },
	{ BASE "kernel = ''\n", 4, "'kernel': the path is empty" },
	{ BASE "on_crash = 'explode'\n", 4, "'on_crash': unknown action 'explode'" },
	{ BASE "on_poweroff = 'reboot'\n", 4, "'on_poweroff': unknown action" },
	{ BASE "on_reboot = 1\n", 4, "'on_reboot': unknown action '1'" },
	{ BASE "on_watchdog = ''\n", 4, "'on_watchdog': unknown action" },
	{ BASE "type = 'pvh'\n", 4, "Skiff builds pv and hvm guests" },
	{ BASE "builder = 'hvm2'\n", 4, "Skiff builds pv and hvm guests" },
	{ BASE "type = 'hvm'\ndisk = [ '/a,raw,xvda' ]\n", 5, "'disk': an hvm guest has no PV drivers yet" },
	{ BASE "disk = [ '/a,raw,xvda' ]\ntype = 'hvm'\n", 4, "'disk': an hvm guest has no PV drivers yet" },
	{ BASE "vif = [ '' ]\nbuilder = 'hvm'\n", 4, "'vif': an hvm guest has no PV drivers yet" },
	{ "name = 'g'\nkernel = '/k'\nmemory = 3073\ntype = 'hvm'\n", 3, "below the MMIO hole" },
	{ BASE "maxmem = 128\ntype = 'hvm'\n", 4, "'maxmem': an hvm guest has no balloon" },
	{ BASE "disk = [ '/a.img,raw' ]\n", 4, "no vdev" },
	{ BASE "disk = [ 'vdev=xvda' ]\n", 4, "no target" },
	{ BASE "disk = [ '/a,raw,xvda,rw,extra' ]\n", 4, "too many positional" },
	{ BASE "disk = [ '/a,raw,xvda,rwx' ]\n", 4, "access is ro, r, rw or w" },
	{ BASE "disk = [ '/a,raw,xv-da' ]\n", 4, "bad vdev" },
	{ BASE "disk = [ 'colour=blue,/a,,xvda' ]\n", 4, "unknown disk key" },
	{ BASE "disk = [ '/a,,xvda,devtype=tape' ]\n", 4, "devtype is disk or cdrom" },
	{ BASE "disk = '/a,,xvda'\n", 4, "'disk' takes a list" },
	{ BASE "vif = [ 'mac=00:16:3e:01:02' ]\n", 4, "mac is six hex pairs" },
	{ BASE "vif = [ 'mac=01:16:3e:01:02:03' ]\n", 4, "multicast" },
	{ BASE "vif = [ 'bridge' ]\n", 4, "not key=value" },
	{ BASE "vif = [ 'speed=fast' ]\n", 4, "unknown vif key" },
	{ BASE "vif = [ 'bridge=abcdefghijabcdefghijabcdefghij123' ]\n", 4, "bridge name longer" },
	{ BASE "vif = [ 'ip=10.0.2' ]\n", 4, "ip is an IPv4 address" },
	{ BASE "vif = [ 'ip=10.0.2.256' ]\n", 4, "ip is an IPv4 address" },
	{ BASE "vif = [ 'ip=10.0.2.1.5' ]\n", 4, "ip is an IPv4 address" },
	{ BASE "vif = [ 'ip=10..2.1' ]\n", 4, "ip is an IPv4 address" },
	{ BASE "vif = [ 'forward=tcp:80' ]\n", 4, "forward is tcp:HOSTPORT:GUESTPORT" },
	{ BASE "vif = [ 'forward=sctp:80:80' ]\n", 4, "forward is tcp:HOSTPORT:GUESTPORT" },
	{ BASE "vif = [ 'forward=tcp:0:80' ]\n", 4, "forward is tcp:HOSTPORT:GUESTPORT" },
	{ BASE "vif = [ 'forward=udp:80:65536' ]\n", 4, "forward is tcp:HOSTPORT:GUESTPORT" },
	{ BASE "vif = [ 'forward=tcp:8x:80' ]\n", 4, "forward is tcp:HOSTPORT:GUESTPORT" },
	{ BASE "vif = [ 'forward=tcp:1:1,forward=tcp:2:2,forward=tcp:3:3,forward=tcp:4:4,forward=tcp:5:5' ]\n", 4,
	  "more than 4 forwards on one vif" },
	{ BASE "kernel = [ '/a', '/b' ]\n", 4, "'kernel' takes one value, not a list" },
	{ BASE "name = unquoted\n", 4, "a value must be a \"string\"" },
	{ BASE "name =\n", 4, "a value is missing" },
	{ BASE "name 'x'\n", 4, "'=' expected" },
	{ BASE "= 'x'\n", 4, "a line must be KEY = VALUE" },
	{ BASE "name = 'x' 'y'\n", 4, "unexpected text after the value" },
	{ BASE "name = 'open\n", 4, "unterminated string" },
	{ BASE "extra = \"a\\qb\"\n", 4, "bad escape" },
	{ BASE "disk = [ '/a,,xvda'\n", 5, "has no closing ']'" },
	{ "kernel = '/k'\nmemory = 8\n", 1, "'name' is required" },
	{ "name = 'g'\nmemory = 8\n", 1, "'kernel' is required" },
	{ "name = 'g'\nkernel = '/k'\n", 1, "'memory' is required" },
};

/* vdev names as a frontend numbers them (Xen's vbd-interface.txt); anything else is -1. */
START_TEST(vdev_numbers)
{
	static const struct {
		const char *vdev;
		long devid;
	} cases[] = {
		{ "xvda", 51712 }, { "xvdb", 51728 }, { "xvda1", 51713 }, { "xvdp15", (202L << 8) | 255 },
		{ "xvdq", (1L << 28) | (16 << 8) }, { "xvdz3", (1L << 28) | (25 << 8) | 3 },
		{ "xvdaa", (1L << 28) | (26 << 8) }, { "xvdq255", (1L << 28) | (16 << 8) | 255 },
		{ "sda", 2048 }, { "sdb2", 2066 }, { "hda", 768 }, { "hdb", 832 }, { "hdc", 5632 }, { "hdd1", 5697 },
		{ "xvd", -1 }, { "xvda16", -1 }, { "xvda0", -1 }, { "xvdq256", -1 }, { "xvdA", -1 }, { "xvda1x", -1 },
		{ "sdq", -1 }, { "hde", -1 }, { "hda64", -1 }, { "vda", -1 }, { "", -1 }, { "xvdzzzzz", -1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
		ck_assert_msg(xlcfg_vdev_devid(cases[i].vdev) == cases[i].devid, "%s: %ld, wanted %ld", cases[i].vdev,
			      xlcfg_vdev_devid(cases[i].vdev), cases[i].devid);
}
END_TEST

START_TEST(every_error)
{
	const struct bad_case *c = &bad[_i];

	ck_assert_msg(parse(c->text) == -1, "accepted: %s", c->text);
	ck_assert_uint_ge(dg.nr_errors, 1);
	expect_diag(c->line, true, c->msg);
}
END_TEST

/* A required key given with a bad value has one error, not also "is required". */
START_TEST(required_but_bad)
{
	ck_assert_int_eq(parse("name = 'a b'\nkernel = ''\nmemory = 0\n"), -1);
	ck_assert_uint_eq(dg.nr_errors, 3);
	for (uint32_t i = 0; i < dg.nr; i++)
		ck_assert_ptr_null(strstr(dg.d[i].msg, "is required"));
}
END_TEST

START_TEST(too_long_values)
{
	char cfg[4096];
	char big[1100];

	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	snprintf(cfg, sizeof(cfg), BASE "cmdline = '%.1024s'\n", big);
	ck_assert_int_eq(parse(cfg), -1);
	expect_diag(4, true, "longer than the longest value");
	snprintf(cfg, sizeof(cfg), BASE "cmdline = '%.1023s'\n", big);
	ck_assert_int_eq(parse(cfg), 0);
	ck_assert_uint_eq(strlen(dom.cmdline), 1023);
	snprintf(cfg, sizeof(cfg), BASE "kernel = '/%.300s'\n", big);
	ck_assert_int_eq(parse(cfg), -1);
	expect_diag(4, true, "longer than 255 bytes");
	snprintf(cfg, sizeof(cfg), BASE "root = '%.600s'\nextra = '%.600s'\n", big, big);
	ck_assert_int_eq(parse(cfg), -1);
	expect_diag(5, true, "together are longer than 1023");
	/* 17 disks: the 17th is refused. */
	strcpy(cfg, BASE "disk = [");
	for (int i = 0; i < 17; i++)
		snprintf(cfg + strlen(cfg), sizeof(cfg) - strlen(cfg), " '/d%d,,xvd%c',", i, 'a' + i);
	strcat(cfg, " ]\n");
	ck_assert_int_eq(parse(cfg), -1);
	expect_diag(4, true, "more than 16 disks");
	ck_assert_uint_eq(dom.nr_disks, 16);
}
END_TEST

/* Skiff's additions to a vif: ip= (where forwards go) and forward= items, several on one vif. */
START_TEST(vif_ip_and_forwards)
{
	ck_assert_int_eq(parse(BASE "vif = [ 'mac=00:16:3e:00:00:16, ip=10.0.2.20, forward=tcp:8080:80, "
			       "forward=udp:65535:1', '' ]\n"), 0);
	ck_assert_uint_eq(dom.nr_vifs, 2);
	ck_assert(dom.vifs[0].ip_set);
	ck_assert_uint_eq(dom.vifs[0].ip, 0x0a000214u);
	ck_assert_uint_eq(dom.vifs[0].nr_forwards, 2);
	ck_assert(!dom.vifs[0].forwards[0].udp);
	ck_assert_uint_eq(dom.vifs[0].forwards[0].host_port, 8080);
	ck_assert_uint_eq(dom.vifs[0].forwards[0].guest_port, 80);
	ck_assert(dom.vifs[0].forwards[1].udp);
	ck_assert_uint_eq(dom.vifs[0].forwards[1].host_port, 65535);
	ck_assert_uint_eq(dom.vifs[0].forwards[1].guest_port, 1);
	ck_assert(!dom.vifs[1].ip_set && !dom.vifs[1].mac_set);
	ck_assert_uint_eq(dom.vifs[1].nr_forwards, 0);
}
END_TEST

START_TEST(warnings)
{
	ck_assert_int_eq(parse(BASE "vnc = 1\nfrobnicate = 'x'\npci = [ '01:00.0' ]\n"
			       "vif = [ 'bridge=br0, script=vif-bridge' ]\n"), 0);
	expect_diag(4, false, "'vnc' is not implemented by Skiff");
	expect_diag(5, false, "unknown key 'frobnicate'");
	expect_diag(6, false, "'pci' is not implemented by Skiff");
	expect_diag(7, false, "'script' is not implemented");
	ck_assert_uint_eq(dg.nr_errors, 0);
	ck_assert_uint_eq(dom.nr_vifs, 1);
}
END_TEST

START_TEST(many_diagnostics_counted)
{
	char cfg[4096] = BASE;

	for (int i = 0; i < 40; i++)
		strcat(cfg, "vcpus = 0\n");
	ck_assert_int_eq(parse(cfg), -1);
	ck_assert_uint_eq(dg.nr, XLCFG_MAX_DIAG);
	ck_assert_uint_eq(dg.nr_errors, 40);
	ck_assert_uint_eq(dg.dropped, 40 - XLCFG_MAX_DIAG);
}
END_TEST

/* Random bytes, and random mutations of a valid file: nothing may crash or read out of bounds (ASan). */
START_TEST(random_input)
{
	static const char seed[] =
		"name = 'g'\nuuid='0123abcd-4567-89ef-0123-456789abcdef'\nkernel = \"/k\"\nmemory = 64\n"
		"disk = [ 'format=raw, vdev=xvda, target=/a', '/b,,xvdb,ro' ]\ncpus = '0-3,^1'\n"
		"vif = [ 'mac=00:16:3e:00:00:01,bridge=b' ]\nextra = \"x\\\"y\"\n# end\n";
	static const char alphabet[] = "[]'\",=#;\n\\ -:^0123456789xabcdefz";
	unsigned int rng = 12345;
	char *buf = malloc(4096);

	ck_assert_ptr_nonnull(buf);
	for (int iter = 0; iter < 6000; iter++) {
		size_t len;

		if (iter & 1) {
			len = sizeof(seed) - 1;
			memcpy(buf, seed, len);
			for (int m = 0; m < 1 + (iter % 7); m++) {
				rng = rng * 1103515245 + 12345;
				buf[(rng >> 8) % len] = alphabet[(rng >> 20) % (sizeof(alphabet) - 1)];
			}
		} else {
			rng = rng * 1103515245 + 12345;
			len = (rng >> 8) % 4096;
			for (size_t i = 0; i < len; i++) {
				rng = rng * 1103515245 + 12345;
				buf[i] = (iter & 2) ? alphabet[(rng >> 16) % (sizeof(alphabet) - 1)] : (char)(rng >> 16);
			}
		}
		/* The parser gets exactly len bytes: an exact-size heap copy lets ASan see any overread. */
		char *exact = malloc(len ? len : 1);
		ck_assert_ptr_nonnull(exact);
		memcpy(exact, buf, len);
		int rc = xlcfg_parse(exact, len, &dom, &dg);
		ck_assert(rc == 0 || rc == -1);
		ck_assert(rc == 0 || dg.nr_errors > 0);
		ck_assert_uint_le(dg.nr, XLCFG_MAX_DIAG);
		for (uint32_t i = 0; i < dg.nr; i++)
			ck_assert_uint_lt(strlen(dg.d[i].msg), sizeof(dg.d[i].msg));
		ck_assert_uint_lt(strlen(dom.name), sizeof(dom.name));
		ck_assert_uint_lt(strlen(dom.cmdline), sizeof(dom.cmdline));
		ck_assert_uint_le(dom.nr_disks, XLCFG_MAX_DISKS);
		ck_assert_uint_le(dom.nr_vifs, XLCFG_MAX_VIFS);
		free(exact);
	}
	free(buf);
}
END_TEST

static Suite *xlcfg_suite(void)
{
	Suite *s = suite_create("xlcfg");
	TCase *tc = tcase_create("parse");

	tcase_add_test(tc, every_key);
	tcase_add_test(tc, defaults_and_minimum);
	tcase_add_test(tc, cmdline_forms);
	tcase_add_test(tc, hvm_type);
	tcase_add_test(tc, quotes_comments_escapes);
	tcase_add_test(tc, lists_over_lines);
	tcase_add_test(tc, disk_forms);
	tcase_add_test(tc, vdev_numbers);
	tcase_add_loop_test(tc, every_error, 0, sizeof(bad) / sizeof(bad[0]));
	tcase_add_test(tc, required_but_bad);
	tcase_add_test(tc, too_long_values);
	tcase_add_test(tc, vif_ip_and_forwards);
	tcase_add_test(tc, warnings);
	tcase_add_test(tc, many_diagnostics_counted);
	tcase_add_test(tc, random_input);
	suite_add_tcase(s, tc);
	return s;
}

int main(void)
{
	SRunner *sr = srunner_create(xlcfg_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed ? EXIT_FAILURE : EXIT_SUCCESS;
}
