/* The store's events and registrations (migration 4): scheduled meetings
 * and webinars, each with the room created for it, and the people who
 * registered for one.
 *
 * Contracts as in store.h: 0 or negative AULA_E*, durable when a write
 * returns. Thread: the store's thread. */
#ifndef AULA_STORE_STORE_EVENTS_H
#define AULA_STORE_STORE_EVENTS_H

#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

typedef struct aula_event_rec {
    char *id;            /* owned; room-id shape */
    char *room_id;       /* owned; the room made with the event */
    char *owner_id;      /* owned; the host account */
    char *title;         /* owned */
    char *description;   /* owned; "" when none */
    char *time_zone;     /* owned; IANA name */
    char *type;          /* owned; "meeting" or "webinar" */
    char *access;        /* owned; "open", "password" or "registration" */
    char *password_hash; /* owned; NULL unless access is "password" */
    char *welcome_text;  /* owned; "" when none */
    char *presenter_key; /* owned; secret */
    int64_t starts_ms;   /* UTC */
    int64_t duration_min;
    int64_t cancelled_ms;     /* 0: not cancelled */
    int64_t reminder_sent_ms; /* 0: not yet */
    int64_t created_ms;
    int64_t sequence; /* +1 on each change, for calendar files */
} aula_event_rec;

typedef struct aula_registration_rec {
    char *id;       /* owned; 16 hex characters, also the participant id */
    char *event_id; /* owned */
    char *name;     /* owned */
    char *email;    /* owned; lower-cased */
    char *lang;     /* owned; "en" or "pl": the language of the e-mails */
    char *join_key; /* owned; secret of the personal link */
    int64_t consent_ms;
    int64_t created_ms;
    int64_t mailed_ms; /* 0: the link was never e-mailed again (migration 6) */
} aula_registration_rec;

void aula_event_rec_deinit(aula_event_rec *r);
void aula_event_recs_free(aula_event_rec *recs, size_t n);
void aula_registration_rec_deinit(aula_registration_rec *r);
void aula_registration_recs_free(aula_registration_rec *recs, size_t n);

/* Which of an owner's events to list. */
typedef enum aula_event_when {
    AULA_EVENTS_UPCOMING = 0, /* not cancelled and not over, soonest first */
    AULA_EVENTS_PAST = 1,     /* over or cancelled, latest first */
} aula_event_when;

/* A backend's event operations (aula_store_ops.events); NULL when the
 * backend keeps no events, and every call below is then AULA_ESTORE. */
typedef struct aula_store_event_ops {
    int (*create)(aula_store *s, const aula_room_rec *room, const aula_event_rec *ev);
    int (*get)(aula_store *s, const char *id, aula_event_rec *out);
    int (*list)(aula_store *s, const char *owner_id, aula_event_when when, int64_t now_ms,
                aula_event_rec **out, size_t *n);
    int (*update)(aula_store *s, const aula_event_rec *ev);
    int (*cancel)(aula_store *s, const char *id, int64_t now_ms);
    int (*reminder_due)(aula_store *s, int64_t now_ms, int64_t before_ms, aula_event_rec **out,
                        size_t *n);
    int (*reminder_sent)(aula_store *s, const char *id, int64_t now_ms);
    int (*reg_add)(aula_store *s, const aula_registration_rec *r);
    int (*reg_by_email)(aula_store *s, const char *event_id, const char *email,
                        aula_registration_rec *out);
    int (*reg_by_key)(aula_store *s, const char *event_id, const char *key,
                      aula_registration_rec *out);
    int (*reg_list)(aula_store *s, const char *event_id, aula_registration_rec **out, size_t *n);
    int (*reg_count)(aula_store *s, const char *event_id, int64_t *out);
    int (*reg_mailed)(aula_store *s, const char *id, int64_t now_ms);
} aula_store_event_ops;

/* Creates the event's room (room: as aula_store_room_create, with kind and
 * event_id set) and the event in one transaction: both or neither.
 * AULA_EEXIST when either id is taken, AULA_ENOENT for an unknown owner. */
int aula_store_event_create(aula_store *s, const aula_room_rec *room, const aula_event_rec *ev);

/* Fills *out (free with aula_event_rec_deinit) or AULA_ENOENT. */
int aula_store_event_get(aula_store *s, const char *id, aula_event_rec *out);

/* The owner's events as when says. *out is NULL when *n is 0; free with
 * aula_event_recs_free. */
int aula_store_events_list(aula_store *s, const char *owner_id, aula_event_when when,
                           int64_t now_ms, aula_event_rec **out, size_t *n);

/* Writes the editable fields of ev (title, description, time_zone, type,
 * access, password_hash, welcome_text, starts_ms, duration_min,
 * reminder_sent_ms, sequence) and the room's kind and title, in one
 * transaction. AULA_ENOENT for an unknown id. */
int aula_store_event_update(aula_store *s, const aula_event_rec *ev);

/* Marks the event cancelled at now_ms. AULA_ENOENT for an unknown id,
 * AULA_EEXIST when it was cancelled already (nothing changes). */
int aula_store_event_cancel(aula_store *s, const char *id, int64_t now_ms);

/* Events needing a reminder: not cancelled, no reminder sent, starting
 * within before_ms of now and not over yet. Soonest first. */
int aula_store_events_reminder_due(aula_store *s, int64_t now_ms, int64_t before_ms,
                                   aula_event_rec **out, size_t *n);

/* Records that the reminder went out (AULA_ENOENT for an unknown id). */
int aula_store_event_reminder_sent(aula_store *s, const char *id, int64_t now_ms);

/* Adds a registration (every field set; email lower-cased by the caller).
 * AULA_EEXIST when the event has one with that e-mail (or the id is
 * taken), AULA_ENOENT for an unknown event. */
int aula_store_registration_add(aula_store *s, const aula_registration_rec *r);

/* Finds a registration of an event by e-mail or by personal key; fills
 * *out (free with aula_registration_rec_deinit) or AULA_ENOENT. */
int aula_store_registration_by_email(aula_store *s, const char *event_id, const char *email,
                                     aula_registration_rec *out);
int aula_store_registration_by_key(aula_store *s, const char *event_id, const char *key,
                                   aula_registration_rec *out);

/* An event's registrations, oldest first (*out NULL when *n is 0; free
 * with aula_registration_recs_free), and their number. */
int aula_store_registrations_list(aula_store *s, const char *event_id, aula_registration_rec **out,
                                  size_t *n);
int aula_store_registrations_count(aula_store *s, const char *event_id, int64_t *out);

/* Records that registration id's link was e-mailed again at now_ms
 * (AULA_ENOENT for an unknown id). */
int aula_store_registration_mailed(aula_store *s, const char *id, int64_t now_ms);

#endif
