/* What event_api.c, registration_api.c and event_join.c share. Not for use
 * outside src/event/. Thread: the control thread. */
#ifndef AULA_EVENT_EVENT_INTERNAL_H
#define AULA_EVENT_EVENT_INTERNAL_H

#include "event/event_api.h"
#include "event/event_mail.h"
#include "event/event_time.h"
#include "store/store_events.h"

#include <jansson.h>

/* Limits of the texts a host types, in characters. */
#define AULA_EVENT_DESCRIPTION_MAX 5000
#define AULA_EVENT_WELCOME_MAX 2000
#define AULA_EVENT_DURATION_MAX (24 * 60)
#define AULA_EVENT_INVITES_MAX 500
/* A repeated registration e-mails the link again at most this often. */
#define AULA_EVENT_RESEND_MS (10LL * 60 * 1000)

/* Reads event id; answers 404 "event not found" or 503 and returns -1
 * when it cannot. */
int aula__event_load(const aula_event_api *api, aula_http_request *req, const char *id,
                     aula_event_rec *ev);

/* 1 when the request comes from ev's owner; otherwise answers 401 (no
 * session) or 403 (someone else) and returns 0. */
int aula__event_require_owner(const aula_event_api *api, aula_http_request *req,
                              const aula_event_rec *ev);

/* The start of links in e-mails (caller frees): public_url without a
 * trailing slash, else the address aula listens on (local_url). Never the
 * request's Host header: whoever registers someone else's address must
 * not be able to put their own server into that person's e-mail. */
char *aula__event_mail_base(const aula_event_api *api);

/* The event as JSON at now_ms; owner adds the secrets, links and the
 * number of registrants. */
json_t *aula__event_json(const aula_event_api *api, aula_http_request *req,
                         const aula_event_rec *ev, int owner, int64_t now_ms);

/* Loads the event's zone (UTC when its name no longer loads, logged). */
aula_tz *aula__event_zone(const aula_event_api *api, const aula_event_rec *ev);

/* Composes and queues one e-mail; m->from and m->tz are filled here.
 * Returns 0 when queued, AULA_ECONFIG when e-mail is off, or the
 * composer's or mailer's error (logged). */
int aula__event_mail(const aula_event_api *api, aula_event_mail *m);

/* Mails kind about ev to each of its registrants, with their personal
 * link, at now. Returns how many were queued (0 when e-mail is off or the
 * registrations could not be read). */
size_t aula__event_mail_registrants(const aula_event_api *api, const aula_event_rec *ev,
                                    aula_event_mail_kind kind, int64_t now);

/* The route handlers of registration_api.c and event_join.c. */
void aula__event_register(const aula_event_api *api, aula_http_request *req, const char *id);
void aula__event_registrants(const aula_event_api *api, aula_http_request *req, const char *id,
                             int csv);
void aula__event_invite(const aula_event_api *api, aula_http_request *req, const char *id);
void aula__event_join(const aula_event_api *api, aula_http_request *req, const char *id);

/* event_files.c: the list (file_id NULL) or one file's download. */
void aula__event_files(const aula_event_api *api, aula_http_request *req, const char *id,
                       const char *file_id);

#endif
