/* SPDX-License-Identifier: MIT */
/* One libxenstore call from the command line, printing OK/the value or the errno name it produced. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <xenstore.h>

static const char *errname(int e)
{
	switch (e) {
	case EACCES: return "EACCES";
	case EPERM: return "EPERM";
	case ENOSPC: return "ENOSPC";
	case E2BIG: return "E2BIG";
	case ENOENT: return "ENOENT";
	case EINVAL: return "EINVAL";
	case EEXIST: return "EEXIST";
	case EAGAIN: return "EAGAIN";
	case EBUSY: return "EBUSY";
	default: return "other";
	}
}

/* usage: libxs_errno read PATH | write PATH VALUE | rm PATH | chmod PATH PERM | watch PATH TOKEN */
int main(int argc, char **argv)
{
	struct xs_handle *h = xs_open(0);
	bool ok = false;
	char *v = NULL;

	if (!h || argc < 3) {
		fprintf(stderr, "libxs_errno: cannot open or bad usage\n");
		return 2;
	}
	if (strcmp(argv[1], "read") == 0)
		ok = (v = xs_read(h, XBT_NULL, argv[2], NULL)) != NULL;
	else if (strcmp(argv[1], "write") == 0 && argc == 4)
		ok = xs_write(h, XBT_NULL, argv[2], argv[3], (unsigned int)strlen(argv[3]));
	else if (strcmp(argv[1], "rm") == 0)
		ok = xs_rm(h, XBT_NULL, argv[2]);
	else if (strcmp(argv[1], "chmod") == 0 && argc == 4) {
		struct xs_permissions p;

		ok = xs_strings_to_perms(&p, 1, argv[3]) &&
		     xs_set_permissions(h, XBT_NULL, argv[2], &p, 1);
	} else if (strcmp(argv[1], "watch") == 0 && argc == 4)
		ok = xs_watch(h, argv[2], argv[3]);
	printf("%s\n", ok ? (v ? v : "OK") : errname(errno));
	free(v);
	xs_close(h);
	return 0;
}
