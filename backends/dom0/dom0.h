/* dom0, the service domain: the domains it serves and the components it runs for them. */
#ifndef DOM0_H
#define DOM0_H

#include <stdbool.h>
#include <stdint.h>
#include <pvabi/skiff_domctl.h>
#include "console_back.h"
#include "rt_grant.h"

/* One domain dom0 knows of; the list grows as VIRQ_DOM_EXC reports new ones. */
struct dom0_domain {
	struct skiff_dominfo info;
	bool console_up;		/* ring mapped and port bound */
	bool gone;			/* shut down and let go of */
	struct rt_grant_map console_map;
	evtchn_port_t console_port;	/* our end */
	struct cons_back cons;
	struct dom0_domain *next;
};

extern struct dom0_domain *dom0_domains;

/* Lists the hypervisor's domains and attaches to new ones, lets go of shut-down ones; returns domUs still up. */
unsigned int dom0_domains_scan(void);
/* Polls every console (the timer's fallback for a guest that wrote without notifying). */
void dom0_consoles_poll_all(void);
long dom0_domctl(struct skiff_domctl *op);

#endif
