#include "event/ics.h"

#include "core/error.h"
#include "event/mime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* RFC 5545 section 3.1: "Lines of text SHOULD NOT be longer than 75
 * octets, excluding the line break." */
#define FOLD_OCTETS 75

/* Times beyond year 9999 cannot be written as DATE-TIME. */
#define MAX_TIME_MS 253402300799999LL

void aula_ics_fold_line(aula_buf *out, const char *line, size_t len)
{
    size_t room = FOLD_OCTETS; /* octets left on the current physical line */
    size_t i = 0;
    while (i < len) {
        /* The whole UTF-8 sequence starting at i moves as one unit. */
        size_t n = 1;
        while (i + n < len && ((unsigned char)line[i + n] & 0xC0) == 0x80)
            n++;
        if (n > room) {
            aula_buf_append(out, "\r\n ", 3);
            room = FOLD_OCTETS - 1; /* the leading space counts */
        }
        aula_buf_append(out, line + i, n);
        room -= n;
        i += n;
    }
    aula_buf_append(out, "\r\n", 2);
}

void aula_ics_escape_text(aula_buf *out, const char *s)
{
    for (; *s; s++) {
        switch (*s) {
        case '\\':
        case ';':
        case ',':
            aula_buf_printf(out, "\\%c", *s);
            break;
        case '\r':
            if (s[1] == '\n')
                s++;
            aula_buf_append(out, "\\n", 2);
            break;
        case '\n':
            aula_buf_append(out, "\\n", 2);
            break;
        default:
            aula_buf_append(out, s, 1);
        }
    }
}

/* RFC 6868: a parameter value inside DQUOTEs may hold anything but
 * DQUOTE and control characters; ^ escapes those. */
static void escape_param(aula_buf *out, const char *s)
{
    aula_buf_append(out, "\"", 1);
    for (; *s; s++) {
        if (*s == '^')
            aula_buf_append(out, "^^", 2);
        else if (*s == '"')
            aula_buf_append(out, "^'", 2);
        else
            aula_buf_append(out, s, 1);
    }
    aula_buf_append(out, "\"", 1);
}

static int format_utc(int64_t ms, char out[17])
{
    if (ms < 0 || ms > MAX_TIME_MS)
        return AULA_EINVAL;
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    if (!gmtime_r(&t, &tm))
        return AULA_EINVAL;
    strftime(out, 17, "%Y%m%dT%H%M%SZ", &tm);
    return 0;
}

static int empty(const char *s)
{
    return !s || !*s;
}

/* A URI value: printable ASCII without spaces, so it cannot break the line
 * or the property. */
static int uri_ok(const char *s)
{
    for (; *s; s++)
        if ((unsigned char)*s <= 0x20 || (unsigned char)*s >= 0x7F)
            return 0;
    return 1;
}

/* Builds one property into line (reset first) and folds it into out. */
static void emit(aula_buf *out, aula_buf *line)
{
    aula_ics_fold_line(out, line->data, line->len);
    aula_buf_reset(line);
}

static void text_prop(aula_buf *out, aula_buf *line, const char *name, const char *value)
{
    aula_buf_printf(line, "%s:", name);
    aula_ics_escape_text(line, value);
    emit(out, line);
}

/* ORGANIZER / ATTENDEE: "NAME;CN="x";...:mailto:addr". */
static void person_prop(aula_buf *out, aula_buf *line, const char *name, const char *cn,
                        const char *params, const char *email)
{
    aula_buf_append_str(line, name);
    if (!empty(cn)) {
        aula_buf_append_str(line, ";CN=");
        escape_param(line, cn);
    }
    if (params)
        aula_buf_append_str(line, params);
    aula_buf_printf(line, ":mailto:%s", email);
    emit(out, line);
}

static int check(const aula_ics_event *ev, aula_ics_method method, char *why, size_t whylen)
{
    const char *bad = NULL;
    char t[17];
    if (empty(ev->uid) || aula_mail_text_check(ev->uid, 0) != 0 || !uri_ok(ev->uid))
        bad = "uid must be printable ASCII without spaces";
    else if (empty(ev->summary) || aula_mail_text_check(ev->summary, 0) != 0)
        bad = "summary must be non-empty UTF-8 text on one line";
    else if (!empty(ev->description) && aula_mail_text_check(ev->description, 1) != 0)
        bad = "description must be UTF-8 text";
    else if (!empty(ev->url) && !uri_ok(ev->url))
        bad = "url must be printable ASCII without spaces";
    else if (format_utc(ev->dtstamp_ms, t) || format_utc(ev->start_ms, t) ||
             format_utc(ev->end_ms, t))
        bad = "a time is out of range";
    else if (ev->end_ms <= ev->start_ms)
        bad = "the end must come after the start";
    else if (method == AULA_ICS_REQUEST && empty(ev->organizer_email))
        bad = "METHOD:REQUEST needs an organizer";
    else if (!empty(ev->organizer_email) && !aula_mail_addr_valid(ev->organizer_email))
        bad = "organizer_email is not an e-mail address";
    else if (!empty(ev->attendee_email) && !aula_mail_addr_valid(ev->attendee_email))
        bad = "attendee_email is not an e-mail address";
    else if ((!empty(ev->organizer_name) && aula_mail_text_check(ev->organizer_name, 0)) ||
             (!empty(ev->attendee_name) && aula_mail_text_check(ev->attendee_name, 0)))
        bad = "names must be UTF-8 text on one line";
    else if (ev->sequence < 0 || ev->alarm_before_ms < 0)
        bad = "sequence and alarm_before_ms must not be negative";
    if (!bad)
        return 0;
    snprintf(why, whylen, "%s", bad);
    return AULA_EINVAL;
}

/* RFC 5545 section 3.3.6 duration, negative: before the start. */
static void alarm_trigger(aula_buf *line, int64_t before_ms)
{
    int64_t s = before_ms / 1000;
    if (s % 60 == 0)
        aula_buf_printf(line, "TRIGGER:-PT%lldM", (long long)(s / 60));
    else
        aula_buf_printf(line, "TRIGGER:-PT%lldS", (long long)s);
}

int aula_ics_write(const aula_ics_event *ev, aula_ics_method method, aula_buf *out, char *why,
                   size_t whylen)
{
    int rc = check(ev, method, why, whylen);
    if (rc)
        return rc;
    char stamp[17], start[17], end[17];
    format_utc(ev->dtstamp_ms, stamp);
    format_utc(ev->start_ms, start);
    format_utc(ev->end_ms, end);

    aula_buf line;
    aula_buf_init(&line);
    aula_buf_append_str(out, "BEGIN:VCALENDAR\r\n"
                             "VERSION:2.0\r\n"
                             "PRODID:-//aula//aula//EN\r\n"
                             "CALSCALE:GREGORIAN\r\n");
    aula_buf_printf(out, "METHOD:%s\r\n", method == AULA_ICS_REQUEST ? "REQUEST" : "PUBLISH");
    aula_buf_append_str(out, "BEGIN:VEVENT\r\n");
    aula_buf_printf(&line, "UID:%s", ev->uid);
    emit(out, &line);
    aula_buf_printf(out, "DTSTAMP:%s\r\nDTSTART:%s\r\nDTEND:%s\r\nSEQUENCE:%d\r\n", stamp, start,
                    end, ev->sequence);
    text_prop(out, &line, "SUMMARY", ev->summary);
    if (!empty(ev->description))
        text_prop(out, &line, "DESCRIPTION", ev->description);
    if (!empty(ev->url)) {
        aula_buf_printf(&line, "URL:%s", ev->url);
        emit(out, &line);
        /* Calendar apps show LOCATION prominently and make links in it
         * clickable: for an online meeting the place is the link. */
        text_prop(out, &line, "LOCATION", ev->url);
    }
    if (!empty(ev->organizer_email))
        person_prop(out, &line, "ORGANIZER", ev->organizer_name, NULL, ev->organizer_email);
    if (!empty(ev->attendee_email))
        person_prop(out, &line, "ATTENDEE", ev->attendee_name,
                    ";ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE", ev->attendee_email);
    aula_buf_append_str(out, "STATUS:CONFIRMED\r\nTRANSP:OPAQUE\r\n");
    if (ev->alarm_before_ms > 0) {
        aula_buf_append_str(out, "BEGIN:VALARM\r\nACTION:DISPLAY\r\n");
        text_prop(out, &line, "DESCRIPTION", ev->summary);
        alarm_trigger(&line, ev->alarm_before_ms);
        emit(out, &line);
        aula_buf_append_str(out, "END:VALARM\r\n");
    }
    aula_buf_append_str(out, "END:VEVENT\r\nEND:VCALENDAR\r\n");
    aula_buf_deinit(&line);
    return 0;
}
