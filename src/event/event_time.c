/* Time zones from TZif files (RFC 8536), ISO 8601 parsing, event status. */
#include "event/event_time.h"

#include "core/alloc.h"
#include "core/error.h"

#include <stdio.h>
#include <string.h>

#define TZ_MAX_TYPES 256
#define TZ_MAX_TRANSITIONS 4000
#define TZ_FILE_MAX (256 * 1024)

typedef struct tz_type {
    int32_t off;
    int isdst;
    char abbr[8];
} tz_type;

/* A POSIX TZ rule date: Jn (julian = 1, no Feb 29), n (julian = 0), or
 * Mm.w.d (month > 0); secs is the local time of day of the change. */
typedef struct tz_date {
    int kind; /* 'J', 'N' or 'M' */
    int n, m, w, d;
    int32_t secs;
} tz_date;

struct aula_tz {
    int64_t *trans; /* owned: transition instants, ascending */
    uint8_t *idx;   /* owned: type index per transition */
    size_t n;
    tz_type types[TZ_MAX_TYPES];
    size_t ntypes;
    /* The footer rule, for instants after the last transition. */
    int has_rule, has_dst;
    tz_type std, dst;
    tz_date start, end;
};

int aula_tz_name_valid(const char *name)
{
    size_t n = name ? strlen(name) : 0;
    if (n == 0 || n > AULA_TZ_NAME_MAX || name[0] == '/' || name[0] == '-')
        return 0;
    for (size_t i = 0; i < n; i++) {
        char c = name[i];
        if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '/' || c == '_' || c == '+' || c == '-'))
            return 0;
    }
    return 1;
}

/* ---- calendar arithmetic (H. Hinnant's days_from_civil) ------------------------------------ */

int64_t aula_days_from_civil(int64_t y, unsigned m, unsigned d)
{
    y -= m <= 2;
    int64_t era = (y >= 0 ? y : y - 399) / 400;
    unsigned yoe = (unsigned)(y - era * 400);
    unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
    unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    return era * 146097 + (int64_t)doe - 719468;
}

void aula_civil_from_days(int64_t z, int64_t *y, unsigned *m, unsigned *d)
{
    z += 719468;
    int64_t era = (z >= 0 ? z : z - 146096) / 146097;
    unsigned doe = (unsigned)(z - era * 146097);
    unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    unsigned mp = (5 * doy + 2) / 153;
    *d = doy - (153 * mp + 2) / 5 + 1;
    *m = mp < 10 ? mp + 3 : mp - 9;
    *y = (int64_t)yoe + era * 400 + (*m <= 2);
}

static int is_leap(int64_t y)
{
    return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static unsigned month_days(int64_t y, unsigned m)
{
    static const unsigned md[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    return m == 2 && is_leap(y) ? 29 : md[m - 1];
}

static int64_t floor_div(int64_t a, int64_t b)
{
    return a / b - ((a % b != 0) && ((a < 0) != (b < 0)));
}

/* 0 = Sunday. 1970-01-01 was a Thursday. */
static int weekday(int64_t days)
{
    return (int)(((days % 7) + 11) % 7);
}

/* ---- TZif parsing -------------------------------------------------------------------------- */

static uint32_t be32(const uint8_t *p)
{
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static int64_t be64(const uint8_t *p)
{
    return (int64_t)((uint64_t)be32(p) << 32 | be32(p + 4));
}

/* Parses "[+-]hh[:mm[:ss]]" (hours up to 167, RFC 8536 section 3.3.1). */
static const char *parse_hms(const char *p, int32_t *out)
{
    int sign = 1;
    if (*p == '+' || *p == '-')
        sign = *p++ == '-' ? -1 : 1;
    int part[3] = {0, 0, 0};
    for (int i = 0; i < 3; i++) {
        if (i > 0) {
            if (*p != ':')
                break;
            p++;
        }
        if (*p < '0' || *p > '9')
            return NULL;
        int v = 0, digits = 0;
        while (*p >= '0' && *p <= '9' && digits < 3)
            v = v * 10 + (*p++ - '0'), digits++;
        part[i] = v;
    }
    if (part[0] > 167 || part[1] > 59 || part[2] > 59)
        return NULL;
    *out = sign * (part[0] * 3600 + part[1] * 60 + part[2]);
    return p;
}

/* Parses a zone abbreviation: letters, or anything but '>' inside <...>. */
static const char *parse_abbr(const char *p, char *out, size_t len)
{
    size_t n = 0;
    if (*p == '<') {
        p++;
        while (*p && *p != '>')
            if (n + 1 < len)
                out[n++] = *p++;
            else
                p++;
        if (*p++ != '>')
            return NULL;
    } else {
        while ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z'))
            if (n + 1 < len)
                out[n++] = *p++;
            else
                p++;
    }
    out[n] = '\0';
    return n >= 1 ? p : NULL;
}

static const char *parse_rule_date(const char *p, tz_date *d)
{
    memset(d, 0, sizeof *d);
    d->secs = 7200; /* 02:00 unless said */
    if (*p == 'M') {
        d->kind = 'M';
        int *part[3] = {&d->m, &d->w, &d->d};
        p++;
        for (int i = 0; i < 3; i++) {
            if (i > 0 && *p++ != '.')
                return NULL;
            if (*p < '0' || *p > '9')
                return NULL;
            *part[i] = *p++ - '0';
            if (*p >= '0' && *p <= '9')
                *part[i] = *part[i] * 10 + (*p++ - '0');
        }
        if (d->m < 1 || d->m > 12 || d->w < 1 || d->w > 5 || d->d > 6)
            return NULL;
    } else {
        d->kind = *p == 'J' ? 'J' : 'N';
        if (*p == 'J')
            p++;
        if (*p < '0' || *p > '9')
            return NULL;
        while (*p >= '0' && *p <= '9' && d->n <= 365)
            d->n = d->n * 10 + (*p++ - '0');
        if (d->n > 365 || (d->kind == 'J' && d->n < 1))
            return NULL;
    }
    if (*p == '/')
        p = parse_hms(p + 1, &d->secs);
    return p;
}

/* Parses the footer, e.g. "CET-1CEST,M3.5.0,M10.5.0/3". Offsets in POSIX
 * TZ strings count west of Greenwich, hence the negations. */
static int parse_rule(aula_tz *tz, const char *s)
{
    int32_t off;
    const char *p = parse_abbr(s, tz->std.abbr, sizeof tz->std.abbr);
    if (!p || !(p = parse_hms(p, &off)))
        return AULA_EINVAL;
    if (off < -24 * 3600 || off > 24 * 3600)
        return AULA_EINVAL;
    tz->std.off = -off;
    if (*p == '\0') {
        tz->has_rule = 1;
        return 0;
    }
    if (!(p = parse_abbr(p, tz->dst.abbr, sizeof tz->dst.abbr)))
        return AULA_EINVAL;
    tz->dst.off = tz->std.off + 3600;
    tz->dst.isdst = 1;
    if (*p && *p != ',') {
        if (!(p = parse_hms(p, &off)) || off < -24 * 3600 || off > 24 * 3600)
            return AULA_EINVAL;
        tz->dst.off = -off;
    }
    if (*p != ',' || !(p = parse_rule_date(p + 1, &tz->start)) || *p != ',' ||
        !(p = parse_rule_date(p + 1, &tz->end)) || *p != '\0')
        return AULA_EINVAL;
    tz->has_rule = tz->has_dst = 1;
    return 0;
}

typedef struct tzif_counts {
    uint32_t isut, isstd, leap, time, type, chars;
} tzif_counts;

static int read_header(const uint8_t *p, size_t len, tzif_counts *c)
{
    if (len < 44 || memcmp(p, "TZif", 4) != 0)
        return AULA_EINVAL;
    c->isut = be32(p + 20);
    c->isstd = be32(p + 24);
    c->leap = be32(p + 28);
    c->time = be32(p + 32);
    c->type = be32(p + 36);
    c->chars = be32(p + 40);
    if (c->type == 0 || c->type > TZ_MAX_TYPES || c->time > TZ_MAX_TRANSITIONS || c->chars > 4096 ||
        c->leap > 10000 || c->isut > c->type || c->isstd > c->type)
        return AULA_EINVAL;
    return 0;
}

static size_t block_len(const tzif_counts *c, size_t tsize)
{
    return c->time * tsize + c->time + c->type * 6 + c->chars + c->leap * (tsize + 4) + c->isstd +
           c->isut;
}

/* Reads one data block (tsize 4 for version 1, 8 after). */
static int read_block(aula_tz *tz, const uint8_t *p, const tzif_counts *c, size_t tsize)
{
    tz->n = c->time;
    tz->trans = aula_calloc(c->time ? c->time : 1, sizeof *tz->trans);
    tz->idx = aula_calloc(c->time ? c->time : 1, 1);
    for (size_t i = 0; i < c->time; i++)
        tz->trans[i] = tsize == 8 ? be64(p + i * 8) : (int64_t)(int32_t)be32(p + i * 4);
    p += c->time * tsize;
    for (size_t i = 0; i < c->time; i++) {
        if (p[i] >= c->type)
            return AULA_EINVAL;
        tz->idx[i] = p[i];
    }
    p += c->time;
    const uint8_t *chars = p + c->type * 6;
    tz->ntypes = c->type;
    for (size_t i = 0; i < c->type; i++, p += 6) {
        tz->types[i].off = (int32_t)be32(p);
        /* RFC 8536 section 3.2: -89999..93599 (about -25 h to +26 h). */
        if (tz->types[i].off < -89999 || tz->types[i].off > 93599)
            return AULA_EINVAL;
        tz->types[i].isdst = p[4] != 0;
        size_t ai = p[5];
        if (ai >= c->chars)
            return AULA_EINVAL;
        size_t an = strnlen((const char *)chars + ai, c->chars - ai);
        if (an >= sizeof tz->types[i].abbr)
            an = sizeof tz->types[i].abbr - 1;
        memcpy(tz->types[i].abbr, chars + ai, an);
        tz->types[i].abbr[an] = '\0';
    }
    return 0;
}

int aula_tz_parse(const void *data, size_t len, aula_tz **out)
{
    const uint8_t *p = data;
    *out = NULL;
    tzif_counts c;
    if (read_header(p, len, &c) != 0)
        return AULA_EINVAL;
    size_t v1 = 44 + block_len(&c, 4);
    if (v1 > len)
        return AULA_EINVAL;
    aula_tz *tz = aula_calloc(1, sizeof *tz);
    int rc;
    if (p[4] >= '2') {
        /* Skip the 32-bit block; the 64-bit one follows with its own header. */
        const uint8_t *h2 = p + v1;
        tzif_counts c2;
        rc = read_header(h2, len - v1, &c2);
        size_t v2 = 44 + block_len(&c2, 8);
        if (rc == 0 && v2 > len - v1)
            rc = AULA_EINVAL;
        if (rc == 0)
            rc = read_block(tz, h2 + 44, &c2, 8);
        const char *foot = (const char *)h2 + v2;
        size_t left = len - v1 - v2;
        /* The footer: "\n" rule "\n" (the rule may be empty). */
        if (rc == 0 && left > 0) {
            const char *nl = left >= 2 && foot[0] == '\n' ? memchr(foot + 1, '\n', left - 1) : NULL;
            char rule[128];
            size_t n = nl ? (size_t)(nl - foot - 1) : 0;
            if (!nl || n >= sizeof rule) {
                rc = AULA_EINVAL;
            } else if (n > 0) {
                memcpy(rule, foot + 1, n);
                rule[n] = '\0';
                rc = parse_rule(tz, rule);
            }
        }
    } else {
        rc = read_block(tz, p + 44, &c, 4);
    }
    if (rc != 0) {
        aula_tz_destroy(tz);
        return rc;
    }
    *out = tz;
    return 0;
}

static aula_tz *utc_zone(void)
{
    aula_tz *tz = aula_calloc(1, sizeof *tz);
    tz->ntypes = 1;
    snprintf(tz->types[0].abbr, sizeof tz->types[0].abbr, "UTC");
    tz->trans = aula_calloc(1, sizeof *tz->trans);
    tz->idx = aula_calloc(1, 1);
    return tz;
}

int aula_tz_load(const char *dir, const char *name, aula_tz **out)
{
    *out = NULL;
    if (!aula_tz_name_valid(name))
        return AULA_EINVAL;
    char path[512];
    if ((size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path)
        return AULA_EINVAL;
    FILE *f = fopen(path, "rb");
    if (!f) {
        if (strcmp(name, "UTC") == 0 || strcmp(name, "Etc/UTC") == 0) {
            *out = utc_zone();
            return 0;
        }
        return AULA_ENOENT;
    }
    uint8_t *buf = aula_malloc(TZ_FILE_MAX);
    size_t n = fread(buf, 1, TZ_FILE_MAX, f);
    int rc = ferror(f) || n == TZ_FILE_MAX ? AULA_EINVAL : aula_tz_parse(buf, n, out);
    fclose(f);
    aula_free(buf);
    return rc;
}

void aula_tz_destroy(aula_tz *tz)
{
    if (!tz)
        return;
    aula_free(tz->trans);
    aula_free(tz->idx);
    aula_free(tz);
}

/* ---- offsets ------------------------------------------------------------------------------- */

/* The local midnight (as seconds "as if UTC") of a rule date in year y. */
static int64_t rule_day_s(const tz_date *d, int64_t y)
{
    int64_t jan1 = aula_days_from_civil(y, 1, 1), day;
    if (d->kind == 'J') {
        day = jan1 + d->n - 1 + (is_leap(y) && d->n >= 60);
    } else if (d->kind == 'N') {
        day = jan1 + d->n;
    } else {
        int64_t first = aula_days_from_civil(y, (unsigned)d->m, 1);
        day = first + (d->d - weekday(first) + 7) % 7 + (int64_t)(d->w - 1) * 7;
        while (day - first >= month_days(y, (unsigned)d->m))
            day -= 7;
    }
    return day * 86400;
}

static const tz_type *rule_type(const aula_tz *tz, int64_t t)
{
    if (!tz->has_dst)
        return &tz->std;
    int64_t y;
    unsigned m, d;
    aula_civil_from_days(floor_div(t + tz->std.off, 86400), &y, &m, &d);
    /* The start happens in standard time, the end in summer time. */
    int64_t start = rule_day_s(&tz->start, y) + tz->start.secs - tz->std.off;
    int64_t end = rule_day_s(&tz->end, y) + tz->end.secs - tz->dst.off;
    int in_dst = start < end ? (t >= start && t < end) : !(t >= end && t < start);
    return in_dst ? &tz->dst : &tz->std;
}

static const tz_type *type_at(const aula_tz *tz, int64_t t)
{
    if (tz->n == 0 || t < tz->trans[0]) {
        if (tz->n == 0 && tz->has_rule)
            return rule_type(tz, t);
        return &tz->types[0];
    }
    if (t >= tz->trans[tz->n - 1] && tz->has_rule)
        return rule_type(tz, t);
    size_t lo = 0, hi = tz->n; /* trans[lo] <= t < trans[hi] */
    while (hi - lo > 1) {
        size_t mid = lo + (hi - lo) / 2;
        if (tz->trans[mid] <= t)
            lo = mid;
        else
            hi = mid;
    }
    return &tz->types[tz->idx[lo]];
}

int32_t aula_tz_offset_at(const aula_tz *tz, int64_t utc_s, char *abbr, size_t abbrlen)
{
    const tz_type *ty = type_at(tz, utc_s);
    if (abbr && abbrlen)
        snprintf(abbr, abbrlen, "%s", ty->abbr);
    return ty->off;
}

int64_t aula_tz_local_to_utc(const aula_tz *tz, int64_t local_s)
{
    /* The offsets a day either side cover every change of the year. */
    int32_t before = aula_tz_offset_at(tz, local_s - 86400, NULL, 0);
    int32_t after = aula_tz_offset_at(tz, local_s + 86400, NULL, 0);
    int32_t first = before > after ? before : after, second = before > after ? after : before;
    if (aula_tz_offset_at(tz, local_s - first, NULL, 0) == first)
        return local_s - first;
    if (aula_tz_offset_at(tz, local_s - second, NULL, 0) == second)
        return local_s - second;
    return local_s - before; /* in the gap */
}

/* ---- ISO 8601 ------------------------------------------------------------------------------ */

static int digits(const char **p, int n, int *out)
{
    int v = 0;
    for (int i = 0; i < n; i++, (*p)++) {
        if (**p < '0' || **p > '9')
            return -1;
        v = v * 10 + (**p - '0');
    }
    *out = v;
    return 0;
}

int aula_iso_time_parse(const char *s, aula_iso_time *out)
{
    memset(out, 0, sizeof *out);
    if (!s)
        return AULA_EINVAL;
    const char *p = s;
    int y, mo, d, h, mi, sec = 0;
    if (digits(&p, 4, &y) || *p++ != '-' || digits(&p, 2, &mo) || *p++ != '-' ||
        digits(&p, 2, &d) || (*p != 'T' && *p != 't' && *p != ' '))
        return AULA_EINVAL;
    p++;
    if (digits(&p, 2, &h) || *p++ != ':' || digits(&p, 2, &mi))
        return AULA_EINVAL;
    if (*p == ':') {
        p++;
        if (digits(&p, 2, &sec))
            return AULA_EINVAL;
        if (*p == '.' || *p == ',') {
            p++;
            if (*p < '0' || *p > '9')
                return AULA_EINVAL;
            while (*p >= '0' && *p <= '9')
                p++;
        }
    }
    if (y < 1970 || mo < 1 || mo > 12 || d < 1 || (unsigned)d > month_days(y, (unsigned)mo) ||
        h > 23 || mi > 59 || sec > 59)
        return AULA_EINVAL;
    if (*p == 'Z' || *p == 'z') {
        out->has_offset = 1;
        p++;
    } else if (*p == '+' || *p == '-') {
        int sign = *p++ == '-' ? -1 : 1, oh, om = 0;
        if (digits(&p, 2, &oh))
            return AULA_EINVAL;
        if (*p == ':')
            p++;
        if (*p && digits(&p, 2, &om))
            return AULA_EINVAL;
        if (om > 59 || oh * 60 + om > 18 * 60) /* offsets span -18:00..+18:00 */
            return AULA_EINVAL;
        out->has_offset = 1;
        out->offset_s = sign * (oh * 3600 + om * 60);
    }
    if (*p != '\0')
        return AULA_EINVAL;
    out->local_s =
        aula_days_from_civil(y, (unsigned)mo, (unsigned)d) * 86400 + h * 3600 + mi * 60 + sec;
    return 0;
}

/* ---- formatting ---------------------------------------------------------------------------- */

typedef struct civil {
    int64_t y;
    unsigned m, d, h, mi, s, wd;
} civil;

static civil civil_of(int64_t t)
{
    civil c;
    int64_t days = floor_div(t, 86400), rem = t - days * 86400;
    aula_civil_from_days(days, &c.y, &c.m, &c.d);
    c.h = (unsigned)(rem / 3600);
    c.mi = (unsigned)(rem % 3600 / 60);
    c.s = (unsigned)(rem % 60);
    c.wd = (unsigned)weekday(days);
    return c;
}

void aula_time_iso_utc(int64_t ms, char *out, size_t len)
{
    civil c = civil_of(floor_div(ms, 1000));
    snprintf(out, len, "%04lld-%02u-%02uT%02u:%02u:%02uZ", (long long)c.y, c.m, c.d, c.h, c.mi,
             c.s);
}

void aula_time_local(const aula_tz *tz, int64_t utc_ms, char *local, size_t locallen, char *offset,
                     size_t offsetlen)
{
    int64_t t = floor_div(utc_ms, 1000);
    int32_t off = aula_tz_offset_at(tz, t, NULL, 0);
    civil c = civil_of(t + off);
    snprintf(local, locallen, "%04lld-%02u-%02uT%02u:%02u", (long long)c.y, c.m, c.d, c.h, c.mi);
    int32_t a = off < 0 ? -off : off;
    snprintf(offset, offsetlen, "%c%02d:%02d", off < 0 ? '-' : '+', (int)(a / 3600),
             (int)(a % 3600 / 60));
}

void aula_time_words(const aula_tz *tz, int64_t utc_ms, const char *lang, char *out, size_t len)
{
    static const char *const en_days[] = {"Sunday",   "Monday", "Tuesday", "Wednesday",
                                          "Thursday", "Friday", "Saturday"};
    static const char *const en_months[] = {"January",   "February", "March",    "April",
                                            "May",       "June",     "July",     "August",
                                            "September", "October",  "November", "December"};
    static const char *const pl_days[] = {"niedziela", "poniedziałek", "wtorek", "środa",
                                          "czwartek",  "piątek",       "sobota"};
    static const char *const pl_months[] = {"stycznia", "lutego",       "marca",     "kwietnia",
                                            "maja",     "czerwca",      "lipca",     "sierpnia",
                                            "września", "października", "listopada", "grudnia"};
    int64_t t = floor_div(utc_ms, 1000);
    char abbr[16];
    int32_t off = aula_tz_offset_at(tz, t, abbr, sizeof abbr);
    civil c = civil_of(t + off);
    int pl = lang && strcmp(lang, "pl") == 0;
    snprintf(out, len, "%s, %u %s %lld, %02u:%02u %s", (pl ? pl_days : en_days)[c.wd], c.d,
             (pl ? pl_months : en_months)[c.m - 1], (long long)c.y, c.h, c.mi, abbr);
}

/* ---- status -------------------------------------------------------------------------------- */

aula_event_status aula_event_status_at(int64_t starts_ms, int64_t duration_min,
                                       int64_t cancelled_ms, int64_t now_ms)
{
    if (cancelled_ms > 0)
        return AULA_EVENT_CANCELLED;
    if (now_ms >= starts_ms + duration_min * 60000)
        return AULA_EVENT_ENDED;
    return now_ms >= starts_ms ? AULA_EVENT_LIVE : AULA_EVENT_SCHEDULED;
}

const char *aula_event_status_name(aula_event_status st)
{
    switch (st) {
    case AULA_EVENT_LIVE:
        return "live";
    case AULA_EVENT_ENDED:
        return "ended";
    case AULA_EVENT_CANCELLED:
        return "cancelled";
    default:
        return "scheduled";
    }
}

int aula_event_doors_open(int64_t starts_ms, int64_t duration_min, int64_t cancelled_ms,
                          int64_t now_ms)
{
    return cancelled_ms <= 0 && now_ms >= starts_ms - AULA_EVENT_DOORS_OPEN_MS &&
           now_ms < starts_ms + duration_min * 60000;
}
