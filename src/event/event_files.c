/* GET /api/v1/events/{id}/files and /files/{file_id}: the files of the
 * event's room for the people the event admits, without a join token, so
 * that the end page works whenever the personal link is opened (issue 5).
 *
 * Who: a registrant's personal key ("X-Event-Key", or "?key=" on a
 * download a link starts); anyone for an open event; the password
 * ("X-Event-Password", never in a URL) for a password event; a join token
 * of the room (as the room's files routes take it) or the owner's session
 * at any time. The others only once the event has started: the files are
 * what the hosts hand out in and after it. A cancelled event answers 409,
 * as its other routes do. The list and the streamed download (Range,
 * ETag) are the files module's. */
#include "auth/api_json.h"
#include "auth/shared_password.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "event/event_internal.h"
#include "files/files_api.h"

#include <stdio.h>
#include <string.h>

/* A join token of the event's room, checked like the room routes do. -1:
 * answered 401/403; 0: none sent; 1: a good one. */
static int room_token(const aula_event_api *api, aula_http_request *req, const char *room_id,
                      int64_t now)
{
    char token[4096];
    if (aula_api_bearer(req, token, sizeof token) != 0)
        return 0;
    aula_join_claims c;
    int rc =
        api->signer ? aula_join_token_verify(api->signer, token, now, &c, NULL, 0) : AULA_EPERM;
    if (rc != 0) {
        aula_http_respond_error(req, 401,
                                rc == AULA_ETIMEDOUT ? "the join token has expired: join again"
                                                     : "the join token is not valid");
        return -1;
    }
    if (strcmp(c.room, room_id) != 0) {
        aula_http_respond_error(req, 403, "this join token is for another room");
        return -1;
    }
    return 1;
}

/* Decides whether the request may see ev's files at now. Returns 1, or 0
 * after answering 401, 403, 409 or 503. */
static int admitted(const aula_event_api *api, aula_http_request *req, const aula_event_rec *ev,
                    int download, int64_t now)
{
    aula_event_status st =
        aula_event_status_at(ev->starts_ms, ev->duration_min, ev->cancelled_ms, now);
    if (st == AULA_EVENT_CANCELLED) {
        aula_api_respond_error_extra(req, 409, "this event was cancelled",
                                     json_pack("{s:s}", "status", "cancelled"));
        return 0;
    }
    int tok = room_token(api, req, ev->room_id, now);
    if (tok != 0)
        return tok > 0;
    char *user = aula_api_session_user(api->auth, req);
    int owner = user && strcmp(user, ev->owner_id) == 0;
    aula_free(user);
    if (owner)
        return 1;
    /* A key too long to copy is cut: it then matches no registration. */
    char key[128] = "";
    const char *hk = aula_http_request_header(req, "X-Event-Key");
    if (hk && *hk)
        snprintf(key, sizeof key, "%s", hk);
    else if (download)
        aula_api_query_param(req, "key", key, sizeof key);
    const char *pw = aula_http_request_header(req, "X-Event-Password");
    if (*key) {
        aula_registration_rec r;
        int rc = aula_store_registration_by_key(api->store, ev->id, key, &r);
        if (rc != 0) {
            aula_http_respond_error(req, rc == AULA_ENOENT ? 403 : 503,
                                    rc == AULA_ENOENT ? "this personal link is not valid for this "
                                                        "event: use the link from your e-mail"
                                                      : "the registration could not be read");
            return 0;
        }
        aula_registration_rec_deinit(&r);
    } else if (strcmp(ev->access, "registration") == 0) {
        aula_api_respond_error_extra(req, 401,
                                     "this event's files need your personal link: send its key "
                                     "as X-Event-Key",
                                     json_pack("{s:b}", "registration_required", 1));
        return 0;
    } else if (strcmp(ev->access, "password") == 0) {
        if (!pw || !*pw) {
            aula_api_respond_error_flag(req, 401,
                                        "this event needs a password: send it as "
                                        "X-Event-Password",
                                        "password_required");
            return 0;
        }
        if (!ev->password_hash ||
            aula_shared_password_verify(ev->password_hash, pw, strlen(pw)) != 0) {
            aula_api_respond_error_flag(req, 401, "wrong password", "password_required");
            return 0;
        }
    }
    if (st == AULA_EVENT_SCHEDULED) {
        aula_api_respond_error_extra(
            req, 409,
            "this event has not started yet: its files are shared "
            "from the start",
            json_pack("{s:s,s:I}", "status", "scheduled", "starts", (json_int_t)ev->starts_ms));
        return 0;
    }
    return 1;
}

void aula__event_files(const aula_event_api *api, aula_http_request *req, const char *id,
                       const char *file_id)
{
    if (!api->files) {
        aula_http_respond_error(req, 404, "no such API route");
        return;
    }
    aula_event_rec ev;
    if (aula__event_load(api, req, id, &ev) != 0)
        return;
    if (admitted(api, req, &ev, file_id != NULL, aula_wall_ms())) {
        if (file_id) {
            aula_files_api_download(api->files, req, ev.room_id, file_id);
        } else {
            char base[96];
            snprintf(base, sizeof base, "/api/v1/events/%s/files", ev.id);
            aula_files_api_list(api->files, req, ev.room_id, base);
        }
    }
    aula_event_rec_deinit(&ev);
}
