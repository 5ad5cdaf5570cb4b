/* SPDX-License-Identifier: MIT */
/* The CMOS RTC of an HVM guest (ports 0x70/0x71): a clock to read at boot, no alarms, no interrupts. */
#ifndef HVM_CMOS_RTC_H
#define HVM_CMOS_RTC_H

#include <hv/types.h>

#define RTC_PORT_INDEX		0x70
#define RTC_PORT_DATA		0x71

struct cmos_rtc {
	uint8_t index;
};

struct rtc_date {
	unsigned int year, month, day, hour, min, sec, wday;	/* month 1-12, day 1-31, wday 0 = Sunday */
};

/* Seconds since 1970-01-01 00:00:00 UTC as a calendar date (proleptic Gregorian, valid to year 9999). */
void rtc_date_from_unix(uint64_t secs, struct rtc_date *out);
/* A read of the data port: the selected register at unix time now (BCD, 24-hour mode, never updating). */
uint8_t cmos_rtc_read(const struct cmos_rtc *r, uint64_t now);
/* An index write (bit 7 is the NMI mask, ignored); data writes are dropped: the guest cannot set the host's clock. */
void cmos_rtc_write_index(struct cmos_rtc *r, uint8_t val);

#endif
