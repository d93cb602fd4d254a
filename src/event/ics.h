/* iCalendar (RFC 5545) for one event: the invite.ics people get by e-mail
 * so the meeting lands in their calendar with the join link in it.
 *
 * The writer produces a VCALENDAR holding one VEVENT (and optionally one
 * VALARM reminder): every line ends in CRLF, lines longer than 75 octets
 * are folded (RFC 5545 section 3.1) without ever splitting a UTF-8
 * sequence, TEXT values are escaped (section 3.3.11), parameter values use
 * the RFC 6868 caret escapes, and times are written in UTC ("...Z") so no
 * VTIMEZONE is needed.
 *
 * Sans-IO: no clock, no randomness; the caller passes every value.
 * Thread: any. */
#ifndef AULA_EVENT_ICS_H
#define AULA_EVENT_ICS_H

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>

typedef enum aula_ics_method {
    /* Published for information: "add to my calendar" (registrations). */
    AULA_ICS_PUBLISH = 0,
    /* A scheduling request from an organizer (RFC 5546): invitations.
     * Needs organizer_email. */
    AULA_ICS_REQUEST = 1,
} aula_ics_method;

/* Strings are UTF-8, borrowed for the call. Optional ones may be NULL or "". */
typedef struct aula_ics_event {
    const char *uid;             /* required: globally unique, e.g. "ev-123@meet.example.org" */
    int64_t dtstamp_ms;          /* required: when this calendar object was made */
    int64_t start_ms;            /* required: start, ms since the epoch (UTC) */
    int64_t end_ms;              /* required: > start_ms */
    const char *summary;         /* required: the title */
    const char *description;     /* optional: free text, may hold newlines */
    const char *url;             /* optional: the join link (URL and LOCATION) */
    const char *organizer_name;  /* optional */
    const char *organizer_email; /* optional; required for AULA_ICS_REQUEST */
    const char *attendee_name;   /* optional */
    const char *attendee_email;  /* optional: the person the file is for */
    int sequence;                /* revision: 0 first, +1 on each change */
    int64_t alarm_before_ms;     /* > 0: a display reminder that long before start */
} aula_ics_event;

/* Appends the whole calendar object for ev to out. Returns 0, or
 * AULA_EINVAL when a required value is missing, a time is out of range,
 * end is not after start, a string is not valid UTF-8 or holds control
 * characters where none may be (only description may hold newlines and
 * tabs), or an e-mail or URL is malformed; why (size whylen) then says
 * which. On error out is left as it was. */
int aula_ics_write(const aula_ics_event *ev, aula_ics_method method, aula_buf *out, char *why,
                   size_t whylen);

/* Appends one content line "NAME:value" (already escaped) folded to 75
 * octets per line, continuation lines starting with one space, and CRLF.
 * Folding happens only between whole UTF-8 sequences. Exposed for tests. */
void aula_ics_fold_line(aula_buf *out, const char *line, size_t len);

/* Appends s escaped as an RFC 5545 TEXT value: backslash, semicolon and
 * comma get a backslash; CRLF, CR or LF become "\n". */
void aula_ics_escape_text(aula_buf *out, const char *s);

#endif
