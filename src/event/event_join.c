/* POST /api/v1/events/{id}/join: who may enter the event's room, with
 * which role, and the join token that says so (the same token as a room
 * join, so the WebSocket side needs nothing new).
 *
 * Roles: the host link's key or the owner's session -> host; the
 * presenter key -> presenter (webinar) or participant (meeting); a
 * registrant's personal key -> attendee (webinar) or participant
 * (meeting), under the registered name, with the registration id as a
 * participant id that stays the same across reconnections; anyone else
 * (open access, or the password) -> attendee or participant. Attendees
 * and participants come in from AULA_EVENT_DOORS_OPEN_MS before the start
 * until the end; hosts and presenters at any time. */
#include "auth/api_json.h"
#include "auth/shared_password.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "event/event_internal.h"
#include "room/room_api.h"
#include "room/text.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

typedef struct join_in {
    const char *key, *presenter_key, *host_key, *password, *name, *token;
} join_in;

static int key_matches(const char *want, const char *got)
{
    size_t n = want ? strlen(want) : 0;
    return n > 0 && got && strlen(got) == n && CRYPTO_memcmp(want, got, n) == 0;
}

static int read_in(aula_http_request *req, json_t *body, join_in *in)
{
    memset(in, 0, sizeof *in);
    return aula_api_opt_string(req, body, "key", &in->key) ||
                   aula_api_opt_string(req, body, "presenter_key", &in->presenter_key) ||
                   aula_api_opt_string(req, body, "host_key", &in->host_key) ||
                   aula_api_opt_string(req, body, "password", &in->password) ||
                   aula_api_opt_string(req, body, "name", &in->name) ||
                   aula_api_opt_string(req, body, "token", &in->token)
               ? -1
               : 0;
}

/* A previous token for this room (valid, or expired within the grace). */
static int previous(const aula_event_api *api, const char *room_id, const char *token, int64_t now,
                    aula_join_claims *c)
{
    if (!token || !*token)
        return 0;
    int rc = aula_join_token_verify(api->signer, token, now, c, NULL, 0);
    if (rc == AULA_ETIMEDOUT && c->exp_s * 1000 + AULA_REJOIN_GRACE_MS > now)
        rc = 0;
    return rc == 0 && strcmp(c->room, room_id) == 0;
}

/* Decides role, participant id and name into c; answers and returns -1
 * when the joiner may not come in. */
static int decide(const aula_event_api *api, aula_http_request *req, const aula_event_rec *ev,
                  const aula_room_rec *room, const join_in *in, int64_t now, aula_join_claims *c)
{
    int webinar = strcmp(ev->type, "webinar") == 0;
    aula_role audience = webinar ? AULA_ROLE_ATTENDEE : AULA_ROLE_PARTICIPANT;
    aula_role role = audience;
    aula_join_claims prev;
    int rejoin = previous(api, room->id, in->token, now, &prev);
    char *name = NULL, why[96], msg[160];
    memset(c, 0, sizeof *c);
    if (in->host_key && *in->host_key) {
        if (!key_matches(room->host_key, in->host_key)) {
            aula_http_respond_error(req, 403,
                                    "this host link is not valid: ask the event's "
                                    "owner for a new one");
            return -1;
        }
        role = AULA_ROLE_HOST;
    } else if (in->presenter_key && *in->presenter_key) {
        if (!key_matches(ev->presenter_key, in->presenter_key)) {
            aula_http_respond_error(req, 403,
                                    "this presenter link is not valid: ask the host "
                                    "for a new one");
            return -1;
        }
        role = webinar ? AULA_ROLE_PRESENTER : AULA_ROLE_PARTICIPANT;
    }
    if (!aula_role_is_host(role)) {
        char *user = aula_api_session_user(api->auth, req);
        if (user && strcmp(user, ev->owner_id) == 0)
            role = AULA_ROLE_HOST;
        aula_free(user);
    }
    int privileged = aula_role_is_host(role) || role == AULA_ROLE_PRESENTER;
    if (in->key && *in->key && !privileged) {
        aula_registration_rec r;
        int rc = aula_store_registration_by_key(api->store, ev->id, in->key, &r);
        if (rc != 0) {
            aula_http_respond_error(req, rc == AULA_ENOENT ? 403 : 503,
                                    rc == AULA_ENOENT ? "this personal link is not valid: "
                                                        "register again to get a new one"
                                                      : "the registration could not be read");
            return -1;
        }
        snprintf(c->participant, sizeof c->participant, "%s", r.id);
        snprintf(c->name, sizeof c->name, "%s", r.name);
        aula_registration_rec_deinit(&r);
    } else {
        if (rejoin && !aula_role_is_host(role) &&
            (aula_role_is_host(prev.role) || prev.role == AULA_ROLE_PRESENTER))
            role = prev.role; /* a cohost or presenter coming back stays one */
        privileged = aula_role_is_host(role) || role == AULA_ROLE_PRESENTER;
        if (!privileged && !rejoin && strcmp(ev->access, "registration") == 0) {
            aula_api_respond_error_extra(req, 403, "this event needs registration: register first",
                                         json_pack("{s:b}", "registration_required", 1));
            return -1;
        }
        if (!privileged && !rejoin && strcmp(ev->access, "password") == 0) {
            if (!in->password || !*in->password) {
                aula_api_respond_error_flag(req, 401, "this event needs a password",
                                            "password_required");
                return -1;
            }
            if (!ev->password_hash || aula_shared_password_verify(ev->password_hash, in->password,
                                                                  strlen(in->password)) != 0) {
                aula_api_respond_error_flag(req, 401, "wrong password", "password_required");
                return -1;
            }
        }
        if (!in->name) {
            aula_http_respond_error(req, 400, "name is missing: say how others will see you");
            return -1;
        }
        if (aula_text_clean(in->name, strlen(in->name), AULA_NAME_MAX_CHARS, &name, why,
                            sizeof why) != 0) {
            snprintf(msg, sizeof msg, "name %s", why);
            aula_http_respond_error(req, 400, msg);
            return -1;
        }
        snprintf(c->name, sizeof c->name, "%s", name);
        aula_free(name);
        if (rejoin)
            memcpy(c->participant, prev.participant, sizeof c->participant);
        else
            aula_random_hex(c->participant, AULA_PARTICIPANT_ID_LEN / 2);
    }
    privileged = aula_role_is_host(role) || role == AULA_ROLE_PRESENTER;
    if (!privileged &&
        !aula_event_doors_open(ev->starts_ms, ev->duration_min, ev->cancelled_ms, now)) {
        aula_event_status st =
            aula_event_status_at(ev->starts_ms, ev->duration_min, ev->cancelled_ms, now);
        const char *text = st == AULA_EVENT_CANCELLED ? "this event was cancelled"
                           : st == AULA_EVENT_ENDED   ? "this event is over"
                                                      : "this event has not started yet: the "
                                                        "doors open 15 minutes before the start";
        aula_api_respond_error_extra(req, 409, text,
                                     json_pack("{s:s,s:I}", "status", aula_event_status_name(st),
                                               "starts", (json_int_t)ev->starts_ms));
        return -1;
    }
    if (room->locked && !privileged &&
        aula_store_participant_seen(api->store, room->id, c->participant) != 0) {
        aula_http_respond_error(req, 423, "the room is locked");
        return -1;
    }
    snprintf(c->room, sizeof c->room, "%s", room->id);
    c->role = role;
    c->admitted = privileged || !room->lobby || (rejoin && prev.admitted);
    return 0;
}

void aula__event_join(const aula_event_api *api, aula_http_request *req, const char *id)
{
    aula_event_rec ev;
    if (aula__event_load(api, req, id, &ev) != 0)
        return;
    aula_room_rec room = {0};
    json_t *body = NULL;
    join_in in;
    aula_join_claims c;
    char *token = NULL;
    int64_t now = aula_wall_ms();
    if (aula_store_room_get(api->store, ev.room_id, &room) != 0) {
        aula_http_respond_error(req, 503, "the event's room could not be read, try again");
        goto done;
    }
    if (aula_api_read_object(req, &body) != 0 || read_in(req, body, &in) != 0 ||
        decide(api, req, &ev, &room, &in, now, &c) != 0)
        goto done;
    if (!api->signer || aula_join_token_issue(api->signer, &c, now, &token) != 0) {
        aula_http_respond_error(req, 500, "the join token could not be made");
        goto done;
    }
    json_t *o = json_pack("{s:s,s:s,s:{s:s,s:s},s:I,s:{s:s,s:s,s:s},s:o}", "token", token, "role",
                          aula_role_name(c.role), "participant", "id", c.participant, "name",
                          c.name, "expires", (json_int_t)c.exp_s * 1000, "room", "id", room.id,
                          "title", room.title, "kind", room.kind ? room.kind : "meeting", "event",
                          aula__event_json(api, req, &ev, c.role == AULA_ROLE_HOST, now));
    AULA_LOG_INFO("event", "join token issued", "event=%s room=%s participant=%s role=%s", id,
                  room.id, c.participant, aula_role_name(c.role));
    aula_http_header h = {"Cache-Control", "no-store"};
    aula_api_respond_json(req, 200, o, &h, 1);
done:
    aula_free(token);
    json_decref(body);
    aula_room_rec_deinit(&room);
    aula_event_rec_deinit(&ev);
}
