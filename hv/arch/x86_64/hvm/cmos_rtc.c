/* SPDX-License-Identifier: MIT */
/* CMOS RTC registers computed from a time in seconds (pure: host-tested); exits.c gives it the time. */
#include "cmos_rtc.h"

#define RTC_SEC		0x00
#define RTC_MIN		0x02
#define RTC_HOUR	0x04
#define RTC_WDAY	0x06
#define RTC_MDAY	0x07
#define RTC_MONTH	0x08
#define RTC_YEAR	0x09
#define RTC_REG_A	0x0a
#define RTC_REG_B	0x0b
#define RTC_REG_C	0x0c
#define RTC_REG_D	0x0d
#define RTC_CENTURY	0x32
/* A: 32.768 kHz time base, 1024 Hz rate, UIP never set (the registers do not change under a reader). */
#define RTC_A_VALUE	0x26
/* B: 24-hour, BCD (Linux on x86 decodes BCD whatever DM says: RTC_ALWAYS_BCD); no interrupts enabled. */
#define RTC_B_VALUE	0x02
/* D: the battery is good (VRT). */
#define RTC_D_VALUE	0x80

static bool leap(unsigned int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

void rtc_date_from_unix(uint64_t secs, struct rtc_date *out)
{
	static const uint8_t mdays[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	uint64_t days = secs / 86400, rem = secs % 86400;
	unsigned int y = 1970, m = 0;

	out->hour = (unsigned int)(rem / 3600);
	out->min = (unsigned int)(rem % 3600 / 60);
	out->sec = (unsigned int)(rem % 60);
	out->wday = (unsigned int)((days + 4) % 7);	/* 1970-01-01 was a Thursday */
	while (y < 9999 && days >= (leap(y) ? 366u : 365u)) {
		days -= leap(y) ? 366 : 365;
		y++;
	}
	while (m < 11 && days >= (uint64_t)mdays[m] + (m == 1 && leap(y))) {
		days -= (uint64_t)mdays[m] + (m == 1 && leap(y));
		m++;
	}
	out->year = y;
	out->month = m + 1;
	out->day = (unsigned int)days + 1;
}

static uint8_t bcd(unsigned int v)
{
	return (uint8_t)((v / 10 % 10) << 4 | v % 10);
}

uint8_t cmos_rtc_read(const struct cmos_rtc *r, uint64_t now)
{
	struct rtc_date d;

	rtc_date_from_unix(now, &d);
	switch (r->index) {
	case RTC_SEC:		return bcd(d.sec);
	case RTC_MIN:		return bcd(d.min);
	case RTC_HOUR:		return bcd(d.hour);
	case RTC_WDAY:		return bcd(d.wday + 1);
	case RTC_MDAY:		return bcd(d.day);
	case RTC_MONTH:		return bcd(d.month);
	case RTC_YEAR:		return bcd(d.year % 100);
	case RTC_CENTURY:	return bcd(d.year / 100);
	case RTC_REG_A:		return RTC_A_VALUE;
	case RTC_REG_B:		return RTC_B_VALUE;
	case RTC_REG_C:		return 0;
	case RTC_REG_D:		return RTC_D_VALUE;
	default:		return 0;	/* the rest of the CMOS: nothing stored */
	}
}

void cmos_rtc_write_index(struct cmos_rtc *r, uint8_t val)
{
	r->index = val & 0x7f;
}
