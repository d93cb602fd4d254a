/* Event time: TZif zones (the system's tz database and hand-made files that
 * exercise the POSIX rule), ISO 8601 parsing, formatting, event status, and
 * CSV fields. */
#include "event/event_csv.h"
#include "event/event_time.h"

#include "core/buf.h"
#include "core/error.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

/* Seconds since the epoch of a UTC civil time. */
static int64_t utc(int y, int mo, int d, int h, int mi)
{
    return aula_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60;
}

static aula_tz *system_zone(const char *name)
{
    aula_tz *tz = NULL;
    int rc = aula_tz_load(AULA_ZONEINFO_DIR, name, &tz);
    if (rc != 0)
        fail_msg("%s does not load from %s: %d", name, AULA_ZONEINFO_DIR, rc);
    return tz;
}

static void put32(unsigned char *p, uint32_t v)
{
    p[0] = (unsigned char)(v >> 24);
    p[1] = (unsigned char)(v >> 16);
    p[2] = (unsigned char)(v >> 8);
    p[3] = (unsigned char)v;
}

/* A version 2 TZif file without transitions, one type (off, abbr), and
 * the footer rule: every answer must come from the rule. */
static size_t rule_only_file(unsigned char *out, int32_t off, const char *abbr, const char *rule)
{
    size_t n = 0, alen = strlen(abbr) + 1;
    for (int part = 0; part < 2; part++) {
        memset(out + n, 0, 44);
        memcpy(out + n, "TZif2", 5);
        put32(out + n + 36, 1);              /* typecnt */
        put32(out + n + 40, (uint32_t)alen); /* charcnt */
        n += 44;
        put32(out + n, (uint32_t)off);
        out[n + 4] = 0;
        out[n + 5] = 0;
        n += 6;
        memcpy(out + n, abbr, alen);
        n += alen;
    }
    n += (size_t)sprintf((char *)out + n, "\n%s\n", rule);
    return n;
}

static void converts_with_the_system_database(void **state)
{
    (void)state;
    if (access(AULA_ZONEINFO_DIR "/Europe/Warsaw", R_OK) != 0)
        skip();
    aula_tz *waw = system_zone("Europe/Warsaw");
    char abbr[16];
    /* Summer and winter. */
    assert_int_equal(aula_tz_local_to_utc(waw, utc(2030, 6, 15, 18, 0)), utc(2030, 6, 15, 16, 0));
    assert_int_equal(aula_tz_local_to_utc(waw, utc(2030, 1, 15, 18, 0)), utc(2030, 1, 15, 17, 0));
    assert_int_equal(aula_tz_offset_at(waw, utc(2030, 6, 15, 16, 0), abbr, sizeof abbr), 7200);
    assert_string_equal(abbr, "CEST");
    /* The spring gap (02:00 -> 03:00 on 2026-03-29): 02:30 is 03:30 CEST. */
    assert_int_equal(aula_tz_local_to_utc(waw, utc(2026, 3, 29, 2, 30)), utc(2026, 3, 29, 1, 30));
    /* The autumn overlap (03:00 -> 02:00 on 2026-10-25): the first 02:30. */
    assert_int_equal(aula_tz_local_to_utc(waw, utc(2026, 10, 25, 2, 30)), utc(2026, 10, 25, 0, 30));
    /* Far beyond the listed transitions: the footer rule. */
    assert_int_equal(aula_tz_local_to_utc(waw, utc(2100, 7, 1, 12, 0)), utc(2100, 7, 1, 10, 0));
    assert_int_equal(aula_tz_local_to_utc(waw, utc(2100, 12, 1, 12, 0)), utc(2100, 12, 1, 11, 0));
    aula_tz_destroy(waw);

    aula_tz *ny = system_zone("America/New_York");
    assert_int_equal(aula_tz_local_to_utc(ny, utc(2030, 6, 15, 12, 0)), utc(2030, 6, 15, 16, 0));
    aula_tz_destroy(ny);
    /* Southern hemisphere: summer time spans the new year. */
    aula_tz *syd = system_zone("Australia/Sydney");
    assert_int_equal(aula_tz_local_to_utc(syd, utc(2030, 1, 15, 10, 0)), utc(2030, 1, 14, 23, 0));
    assert_int_equal(aula_tz_local_to_utc(syd, utc(2030, 7, 15, 10, 0)), utc(2030, 7, 15, 0, 0));
    aula_tz_destroy(syd);
}

static void follows_the_posix_rule_alone(void **state)
{
    (void)state;
    unsigned char file[512];
    size_t n = rule_only_file(file, 3600, "CET", "CET-1CEST,M3.5.0,M10.5.0/3");
    aula_tz *tz = NULL;
    assert_int_equal(aula_tz_parse(file, n, &tz), 0);
    char abbr[16];
    /* 2026: summer time from 2026-03-29 01:00Z to 2026-10-25 01:00Z. */
    assert_int_equal(aula_tz_offset_at(tz, utc(2026, 3, 29, 0, 59), abbr, sizeof abbr), 3600);
    assert_string_equal(abbr, "CET");
    assert_int_equal(aula_tz_offset_at(tz, utc(2026, 3, 29, 1, 0), abbr, sizeof abbr), 7200);
    assert_string_equal(abbr, "CEST");
    assert_int_equal(aula_tz_offset_at(tz, utc(2026, 10, 25, 0, 59), NULL, 0), 7200);
    assert_int_equal(aula_tz_offset_at(tz, utc(2026, 10, 25, 1, 0), NULL, 0), 3600);
    assert_int_equal(aula_tz_local_to_utc(tz, utc(2026, 3, 29, 2, 30)), utc(2026, 3, 29, 1, 30));
    aula_tz_destroy(tz);

    /* Southern: AEST+10, summer from the first Sunday of October. */
    n = rule_only_file(file, 36000, "AEST", "AEST-10AEDT,M10.1.0,M4.1.0/3");
    assert_int_equal(aula_tz_parse(file, n, &tz), 0);
    assert_int_equal(aula_tz_offset_at(tz, utc(2030, 1, 15, 0, 0), NULL, 0), 39600);
    assert_int_equal(aula_tz_offset_at(tz, utc(2030, 7, 15, 0, 0), NULL, 0), 36000);
    aula_tz_destroy(tz);

    /* No summer time at all, with a <+03> style name. */
    n = rule_only_file(file, 10800, "+03", "<+03>-3");
    assert_int_equal(aula_tz_parse(file, n, &tz), 0);
    assert_int_equal(aula_tz_offset_at(tz, utc(2030, 7, 1, 0, 0), abbr, sizeof abbr), 10800);
    assert_string_equal(abbr, "+03");
    aula_tz_destroy(tz);
}

static void refuses_bad_zones(void **state)
{
    (void)state;
    aula_tz *tz = (aula_tz *)1;
    assert_int_equal(aula_tz_parse("not a tz file at all, sorry........................", 52, &tz),
                     AULA_EINVAL);
    assert_null(tz);
    unsigned char file[512];
    size_t n = rule_only_file(file, 3600, "CET", "CET-1CEST,M13.5.0,M10.5.0/3");
    assert_int_equal(aula_tz_parse(file, n, &tz), AULA_EINVAL);
    n = rule_only_file(file, 3600, "CET", "CET-1CEST,M3.5.0,M10.5.0/3");
    assert_int_equal(aula_tz_parse(file, n - 5, &tz), AULA_EINVAL); /* footer cut short */
    assert_int_equal(aula_tz_parse(file, 60, &tz), AULA_EINVAL);    /* data cut short */
    n = rule_only_file(file, 3600, "CET", "CET-1CEST");             /* no dates */
    assert_int_equal(aula_tz_parse(file, n, &tz), AULA_EINVAL);
    assert_true(aula_tz_name_valid("Europe/Warsaw"));
    assert_true(aula_tz_name_valid("Etc/GMT+3"));
    assert_false(aula_tz_name_valid("../../etc/passwd"));
    assert_false(aula_tz_name_valid("/etc/passwd"));
    assert_false(aula_tz_name_valid("Europe/.hidden"));
    assert_false(aula_tz_name_valid(""));
    assert_int_equal(aula_tz_load(AULA_ZONEINFO_DIR, "../../etc/passwd", &tz), AULA_EINVAL);
    assert_int_equal(aula_tz_load(AULA_ZONEINFO_DIR, "Mars/Olympus", &tz), AULA_ENOENT);
    /* UTC works even without a database. */
    assert_int_equal(aula_tz_load("/nonexistent", "UTC", &tz), 0);
    assert_int_equal(aula_tz_offset_at(tz, utc(2030, 7, 1, 0, 0), NULL, 0), 0);
    aula_tz_destroy(tz);
}

static void parses_iso_8601(void **state)
{
    (void)state;
    aula_iso_time t;
    assert_int_equal(aula_iso_time_parse("2030-06-15T18:00", &t), 0);
    assert_false(t.has_offset);
    assert_int_equal(t.local_s, utc(2030, 6, 15, 18, 0));
    assert_int_equal(aula_iso_time_parse("2030-06-15 18:00:30.250Z", &t), 0);
    assert_true(t.has_offset);
    assert_int_equal(t.offset_s, 0);
    assert_int_equal(t.local_s, utc(2030, 6, 15, 18, 0) + 30);
    assert_int_equal(aula_iso_time_parse("2030-06-15T18:00+02:00", &t), 0);
    assert_int_equal(t.offset_s, 7200);
    assert_int_equal(aula_iso_time_parse("2030-06-15T18:00+0530", &t), 0);
    assert_int_equal(t.offset_s, 5 * 3600 + 1800);
    assert_int_equal(aula_iso_time_parse("2030-06-15T18:00-03", &t), 0);
    assert_int_equal(t.offset_s, -3 * 3600);
    assert_int_equal(aula_iso_time_parse("2028-02-29T00:00", &t), 0);
    const char *bad[] = {"2027-02-29T10:00",
                         "2030-13-01T10:00",
                         "2030-06-15",
                         "2030-06-15T24:00",
                         "2030-06-15T18:00+19:00",
                         "2038-07-15T18:00:07-1858", /* past -18:00 (found by fuzz_event_time) */
                         "2030-06-15T18:00 ",
                         "1969-12-31T23:59",
                         "tomorrow",
                         "",
                         "2030-6-15T18:00",
                         "2030-06-15T18:00:60"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++)
        if (aula_iso_time_parse(bad[i], &t) != AULA_EINVAL)
            fail_msg("accepted %s", bad[i]);
    assert_int_equal(aula_iso_time_parse(NULL, &t), AULA_EINVAL);
    assert_int_equal(aula_iso_time_parse("2030-06-15T18:00-18:00", &t), 0);
    assert_int_equal(t.offset_s, -18 * 3600);
}

static void formats_times(void **state)
{
    (void)state;
    char out[128], local[32], off[16];
    aula_time_iso_utc(utc(2030, 6, 15, 16, 0) * 1000 + 999, out, sizeof out);
    assert_string_equal(out, "2030-06-15T16:00:00Z");
    unsigned char file[512];
    size_t n = rule_only_file(file, 3600, "CET", "CET-1CEST,M3.5.0,M10.5.0/3");
    aula_tz *tz = NULL;
    assert_int_equal(aula_tz_parse(file, n, &tz), 0);
    aula_time_local(tz, utc(2030, 6, 15, 16, 0) * 1000, local, sizeof local, off, sizeof off);
    assert_string_equal(local, "2030-06-15T18:00");
    assert_string_equal(off, "+02:00");
    aula_time_words(tz, utc(2030, 6, 15, 16, 0) * 1000, "en", out, sizeof out);
    assert_string_equal(out, "Saturday, 15 June 2030, 18:00 CEST");
    aula_time_words(tz, utc(2030, 12, 4, 16, 5) * 1000, "pl", out, sizeof out);
    assert_string_equal(out, "środa, 4 grudnia 2030, 17:05 CET");
    aula_tz_destroy(tz);
    n = rule_only_file(file, -5 * 3600, "EST", "EST5EDT,M3.2.0,M11.1.0");
    assert_int_equal(aula_tz_parse(file, n, &tz), 0);
    aula_time_local(tz, utc(2030, 1, 1, 3, 0) * 1000, local, sizeof local, off, sizeof off);
    assert_string_equal(local, "2029-12-31T22:00");
    assert_string_equal(off, "-05:00");
    aula_tz_destroy(tz);
}

static void computes_status(void **state)
{
    (void)state;
    const int64_t start = 1900000000000LL, min = 60000;
    assert_int_equal(aula_event_status_at(start, 60, 0, start - 1), AULA_EVENT_SCHEDULED);
    assert_int_equal(aula_event_status_at(start, 60, 0, start), AULA_EVENT_LIVE);
    assert_int_equal(aula_event_status_at(start, 60, 0, start + 60 * min - 1), AULA_EVENT_LIVE);
    assert_int_equal(aula_event_status_at(start, 60, 0, start + 60 * min), AULA_EVENT_ENDED);
    assert_int_equal(aula_event_status_at(start, 60, start - 5, start - 10), AULA_EVENT_CANCELLED);
    assert_string_equal(aula_event_status_name(AULA_EVENT_LIVE), "live");
    assert_string_equal(aula_event_status_name(AULA_EVENT_CANCELLED), "cancelled");
    assert_false(aula_event_doors_open(start, 60, 0, start - 15 * min - 1));
    assert_true(aula_event_doors_open(start, 60, 0, start - 15 * min));
    assert_true(aula_event_doors_open(start, 60, 0, start + 59 * min));
    assert_false(aula_event_doors_open(start, 60, 0, start + 60 * min));
    assert_false(aula_event_doors_open(start, 60, start - 1, start));
}

static void quotes_csv_fields(void **state)
{
    (void)state;
    aula_buf b;
    aula_buf_init(&b);
    const char *row[] = {"plain", "with, comma", "say \"hi\"", "two\nlines", "=1+2", "+48 600",
                         "-5",    "@SUM(A1)",    "=\"x\",",    NULL,         "Zoë"};
    aula_csv_row(&b, row, sizeof row / sizeof row[0]);
    aula_buf_append(&b, "", 1);
    assert_string_equal(b.data, "plain,\"with, comma\",\"say \"\"hi\"\"\",\"two\nlines\",'=1+2,"
                                "'+48 600,'-5,'@SUM(A1),\"'=\"\"x\"\",\",,Zoë\r\n");
    aula_buf_deinit(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(converts_with_the_system_database),
        cmocka_unit_test(follows_the_posix_rule_alone),
        cmocka_unit_test(refuses_bad_zones),
        cmocka_unit_test(parses_iso_8601),
        cmocka_unit_test(formats_times),
        cmocka_unit_test(computes_status),
        cmocka_unit_test(quotes_csv_fields),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
