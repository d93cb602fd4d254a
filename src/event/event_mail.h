/* The e-mails about an event: the registration confirmation (personal link
 * and invite.ics), an invitation from the host, the reminder before the
 * start, the notice of a new time and the cancellation notice. English, or Polish when lang is
 * "pl".
 *
 * Sans-IO: the caller passes the time and the zone; the result is a whole
 * RFC 5322 message for aula_mailer_send. Thread: any. */
#ifndef AULA_EVENT_EVENT_MAIL_H
#define AULA_EVENT_EVENT_MAIL_H

#include "core/buf.h"
#include "event/event_time.h"
#include "store/store_events.h"

#include <stddef.h>
#include <stdint.h>

typedef enum aula_event_mail_kind {
    AULA_EVENT_MAIL_CONFIRM = 0,   /* you are registered: your personal link */
    AULA_EVENT_MAIL_INVITE = 1,    /* the host invites you: the event page */
    AULA_EVENT_MAIL_REMINDER = 2,  /* starting soon: your personal link */
    AULA_EVENT_MAIL_CANCELLED = 3, /* the event will not take place */
    AULA_EVENT_MAIL_CHANGED = 4,   /* new time: your link and an updated invite.ics */
} aula_event_mail_kind;

typedef struct aula_event_mail {
    aula_event_mail_kind kind;
    const aula_event_rec *ev; /* borrowed */
    const aula_tz *tz;        /* borrowed: the event's zone */
    const char *from;         /* the sender, as configured */
    const char *to_name;      /* may be NULL */
    const char *to_email;     /* bare address */
    const char *link;         /* absolute: personal link, or the event page */
    const char *lang;         /* "en" or "pl"; NULL: "en" */
    const char *message;      /* the host's words (invitations); may be NULL */
    const char *uid_domain;   /* for the calendar UID, e.g. the server's host */
    int64_t now_ms;
} aula_event_mail;

/* Appends the whole message to out. Returns 0, or AULA_EINVAL with why
 * when a value cannot go into an e-mail (out unchanged). */
int aula_event_mail_compose(const aula_event_mail *m, aula_buf *out, char *why, size_t whylen);

#endif
