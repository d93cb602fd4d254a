/* REST routes for events (docs/api.md, "Events"): a host schedules a
 * meeting or webinar, edits, cancels and lists them; people register and
 * get a personal link; the host sees and exports registrants and sends
 * invitations; joining an event gives a join token for its room.
 *
 * Routes (rest is what follows /api/v1/events):
 *   POST   ""                       create (host session)
 *   GET    "?when=upcoming|past"    the host's events
 *   GET    /{id}                    public view; the owner also sees links
 *   PATCH  /{id}                    edit (owner)
 *   POST   /{id}/cancel             cancel, registrants e-mailed (owner)
 *   POST   /{id}/register           register: name, email, consent
 *   GET    /{id}/registrants        JSON (owner)
 *   GET    /{id}/registrants.csv    CSV (owner)
 *   POST   /{id}/invitations        e-mail invitations (owner)
 *   POST   /{id}/join               a join token for the event's room
 *   GET    /{id}/files              the room's files, by key or access
 *   GET    /{id}/files/{file_id}    one of them, with Range (event_files.c)
 *
 * Thread: the control thread. */
#ifndef AULA_EVENT_EVENT_API_H
#define AULA_EVENT_EVENT_API_H

#include "auth/auth_api.h"
#include "auth/join_token.h"
#include "event/mailer.h"
#include "files/files_api.h"
#include "http/http_server.h"
#include "store/store.h"

#include <stdint.h>

typedef struct aula_event_api {
    aula_store *store;         /* borrowed */
    aula_join_signer *signer;  /* borrowed */
    const aula_auth_api *auth; /* borrowed: sessions of host accounts */
    aula_mailer *mailer;       /* borrowed; NULL or disabled: e-mail is off */
    aula_files_api *files;     /* borrowed; NULL: the files routes answer 404 */
    const char *public_url;    /* borrowed; "" builds links from the Host header */
    int tls;                   /* links use https when the request came over TLS */
    const char *zoneinfo_dir;  /* borrowed; NULL: AULA_ZONEINFO_DIR */
    int64_t reminder_before_ms;
    /* Links in e-mails sent outside a request (reminders) start with
     * public_url, or else with this address of the listening server. */
    char local_url[128];
} aula_event_api;

/* Answers a request under /api/v1/events; rest is the path after
 * "/api/v1/events" ("" or "/..."). Returns the route label for metrics. */
const char *aula_event_api_route(const aula_event_api *api, aula_http_request *req,
                                 const char *rest);

/* 0 when a state-changing request on rest needs no CSRF token (register
 * and join act on no session), 1 otherwise. */
int aula_event_api_needs_csrf(const char *rest);

/* 1 when e-mail can be sent. */
int aula_event_api_mail_on(const aula_event_api *api);

#endif
