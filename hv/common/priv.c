/* SPDX-License-Identifier: MIT */
/* The privilege policy: who may act on which domain (one check, used by every hypercall that names another domain). */
#include <hv/domain.h>
#include <hv/priv.h>

bool priv_is_control(const struct domain *caller)
{
	return caller && caller->is_privileged;
}

bool priv_may_control(const struct domain *caller, const struct domain *target)
{
	if (!caller || !target)
		return false;
	return caller == target || priv_is_control(caller);
}
