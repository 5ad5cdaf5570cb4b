/* SPDX-License-Identifier: MIT */
/* The runtime's errno.h for portable components (xenstored's core): the Xen ABI's numbers, which are Linux's. */
#ifndef RT_LIBC_ERRNO_H
#define RT_LIBC_ERRNO_H

#include <pvabi/errno.h>

#define EPERM		XEN_EPERM
#define ENOENT		XEN_ENOENT
#define EIO		XEN_EIO
#define E2BIG		XEN_E2BIG
#define EAGAIN		XEN_EAGAIN
#define ENOMEM		XEN_ENOMEM
#define EACCES		XEN_EACCES
#define EBUSY		XEN_EBUSY
#define EEXIST		XEN_EEXIST
#define EISDIR		XEN_EISDIR
#define EINVAL		XEN_EINVAL
#define ENOSPC		XEN_ENOSPC
#define EROFS		XEN_EROFS
#define ENOSYS		XEN_ENOSYS
#define ENOTEMPTY	XEN_ENOTEMPTY
#define EISCONN		XEN_EISCONN
#define ETIMEDOUT	XEN_ETIMEDOUT

/* One thread, so one errno. */
extern int errno;

#endif
