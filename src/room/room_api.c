#include "room/room_api.h"

#include "auth/api_json.h"
#include "auth/password.h"
#include "auth/shared_password.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "room/text.h"

#include <openssl/crypto.h>
#include <stdio.h>
#include <string.h>

#define DEFAULT_TITLE "Meeting"
#define HOST_KEY_BYTES 16 /* 32 hex characters */

/* The absolute link to a room (see aula_api_base_url: a Host header with
 * odd bytes gives a relative link rather than being echoed). */
static char *join_url(const aula_room_api *api, aula_http_request *req, const char *id)
{
    char *base = aula_api_base_url(req, api->public_url, api->tls);
    aula_buf b;
    aula_buf_init(&b);
    aula_buf_printf(&b, "%s/r/%s", base, id);
    aula_free(base);
    return aula_buf_steal(&b);
}

/* The public view of a room; with_secrets adds host_key and host_url (for
 * its owner, or right after creation). The host link carries the key in
 * the fragment, which browsers never send to servers or write to logs. */
static json_t *room_json(const aula_room_api *api, aula_http_request *req, const aula_room_rec *rec,
                         int with_secrets)
{
    char path[64];
    snprintf(path, sizeof path, "/r/%s", rec->id);
    char *url = join_url(api, req, rec->id);
    json_t *o = json_pack("{s:s,s:s,s:I,s:s,s:s,s:b,s:b,s:b}", "id", rec->id, "title", rec->title,
                          "created", (json_int_t)rec->created_ms, "join_path", path, "join_url",
                          url, "lobby", rec->lobby, "has_password", rec->password_hash != NULL,
                          "locked", rec->locked);
    if (with_secrets && rec->host_key) {
        aula_buf b;
        aula_buf_init(&b);
        aula_buf_printf(&b, "%s#host=%s", url, rec->host_key);
        json_object_set_new(o, "host_key", json_string(rec->host_key));
        json_object_set_new(o, "host_url", json_stringn(b.data, b.len));
        aula_buf_deinit(&b);
    }
    aula_free(url);
    return o;
}

static json_t *live_count(const aula_room_api *api, const char *id)
{
    aula_room *live = aula_rooms_find(api->rooms, id);
    return json_integer(live ? (json_int_t)aula_room_size(live) : 0);
}

/* Reads {title?, password?, lobby?} into rec (title and password_hash
 * allocated). Returns 0 or -1 after answering. */
static int read_create_body(aula_http_request *req, aula_room_rec *rec)
{
    json_t *body = NULL;
    if (aula_api_read_object(req, &body) != 0)
        return -1;
    const char *title = NULL, *password = NULL;
    int rc = -1;
    char why[96], msg[128];
    if (json_is_null(json_object_get(body, "title"))) {
        aula_http_respond_error(req, 400, "title must be a string");
        goto done;
    }
    if (aula_api_opt_string(req, body, "title", &title) != 0 ||
        aula_api_opt_string(req, body, "password", &password) != 0 ||
        aula_api_opt_bool(req, body, "lobby", &rec->lobby) != 0)
        goto done;
    if (!title) {
        rec->title = aula_strdup(DEFAULT_TITLE);
    } else if (aula_text_clean(title, strlen(title), AULA_TITLE_MAX_CHARS, &rec->title, why,
                               sizeof why) != 0) {
        snprintf(msg, sizeof msg, "title %s", why);
        aula_http_respond_error(req, 400, msg);
        goto done;
    }
    if (password && *password) {
        if (strlen(password) > AULA_PASSWORD_MAX_LEN) {
            aula_http_respond_error(req, 400, "password is too long");
            goto done;
        }
        if (aula_password_hash(password, strlen(password), &rec->password_hash) != 0) {
            aula_http_respond_error(req, 503, "the password could not be processed, try again");
            goto done;
        }
    }
    rc = 0;
done:
    json_decref(body);
    return rc;
}

void aula_room_api_create(const aula_room_api *api, aula_http_request *req)
{
    char id[AULA_ROOM_ID_LEN + 1], key[2 * HOST_KEY_BYTES + 1];
    aula_room_rec rec = {0};
    if (read_create_body(req, &rec) != 0) {
        aula_free(rec.title);
        aula_free(rec.password_hash);
        return;
    }
    rec.owner_id = aula_api_session_user(api->auth, req);
    aula_random_hex(key, HOST_KEY_BYTES);
    rec.id = id;
    rec.host_key = key;
    rec.created_ms = aula_wall_ms();
    int rc = AULA_EEXIST;
    /* 23^10 ids make a collision unlikely; retrying makes it harmless. */
    for (int attempt = 0; attempt < 5 && rc == AULA_EEXIST; attempt++) {
        aula_random_room_id(id);
        rc = aula_store_room_create(api->store, &rec);
    }
    if (rc != 0) {
        aula_http_respond_error(req, 503, "the room could not be stored, try again");
    } else {
        AULA_LOG_INFO("api", "room created", "room=%s owned=%d lobby=%d password=%d", id,
                      rec.owner_id != NULL, rec.lobby, rec.password_hash != NULL);
        aula_api_respond_json(req, 201, room_json(api, req, &rec, 1), NULL, 0);
    }
    aula_free(rec.title);
    aula_free(rec.password_hash);
    aula_free(rec.owner_id);
}

void aula_room_api_list(const aula_room_api *api, aula_http_request *req)
{
    char *user = aula_api_session_user(api->auth, req);
    if (!user) {
        aula_http_respond_error(req, 401, "log in to see your meetings");
        return;
    }
    aula_room_rec *recs = NULL;
    size_t n = 0;
    if (aula_store_rooms_by_owner(api->store, user, &recs, &n) != 0) {
        aula_free(user);
        aula_http_respond_error(req, 503, "the rooms could not be read, try again");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *o = room_json(api, req, &recs[i], 1);
        json_object_set_new(o, "participants", live_count(api, recs[i].id));
        json_array_append_new(arr, o);
    }
    aula_room_recs_free(recs, n);
    aula_free(user);
    aula_http_header h = {"Cache-Control", "no-store"};
    aula_api_respond_json(req, 200, json_pack("{s:o}", "rooms", arr), &h, 1);
}

/* Reads a room for a route; answers 404/503 and returns -1 when it cannot. */
static int load_room(const aula_room_api *api, aula_http_request *req, const char *id,
                     aula_room_rec *rec)
{
    int rc = aula_room_id_valid(id) ? aula_store_room_get(api->store, id, rec) : AULA_ENOENT;
    if (rc == AULA_ENOENT)
        aula_http_respond_error(req, 404, "room not found");
    else if (rc != 0)
        aula_http_respond_error(req, 503, "the room could not be read, try again");
    return rc == 0 ? 0 : -1;
}

void aula_room_api_get(const aula_room_api *api, aula_http_request *req, const char *id)
{
    aula_room_rec rec;
    if (load_room(api, req, id, &rec) != 0)
        return;
    char *user = rec.owner_id ? aula_api_session_user(api->auth, req) : NULL;
    int owner = user && strcmp(user, rec.owner_id) == 0;
    json_t *o = room_json(api, req, &rec, owner);
    json_object_set_new(o, "participants", live_count(api, id));
    aula_free(user);
    aula_room_rec_deinit(&rec);
    aula_api_respond_json(req, 200, o, NULL, 0);
}

/* ---- join ---------------------------------------------------------------------------------- */

typedef struct join_req {
    char *name; /* owned: cleaned */
    const char *password, *host_key, *token;
} join_req;

static int read_join_body(aula_http_request *req, json_t **body, join_req *j)
{
    if (aula_api_read_object(req, body) != 0)
        return -1;
    const char *name = NULL;
    if (aula_api_opt_string(req, *body, "name", &name) != 0 ||
        aula_api_opt_string(req, *body, "password", &j->password) != 0 ||
        aula_api_opt_string(req, *body, "host_key", &j->host_key) != 0 ||
        aula_api_opt_string(req, *body, "token", &j->token) != 0)
        return -1;
    char why[96], msg[128];
    if (!name) {
        aula_http_respond_error(req, 400, "name is missing: say how others will see you");
        return -1;
    }
    if (aula_text_clean(name, strlen(name), AULA_NAME_MAX_CHARS, &j->name, why, sizeof why) != 0) {
        snprintf(msg, sizeof msg, "name %s", why);
        aula_http_respond_error(req, 400, msg);
        return -1;
    }
    return 0;
}

static int key_matches(const char *want, const char *got)
{
    size_t n = want ? strlen(want) : 0;
    return n > 0 && got && strlen(got) == n && CRYPTO_memcmp(want, got, n) == 0;
}

/* A previous token of this room, still valid or expired less than the
 * grace period ago: the joiner is the same participant coming back. */
static int previous_claims(const aula_room_api *api, const char *room_id, const char *token,
                           int64_t now, aula_join_claims *c)
{
    if (!token || !*token)
        return 0;
    char why[128];
    int rc = aula_join_token_verify(api->signer, token, now, c, why, sizeof why);
    if (rc == AULA_ETIMEDOUT && c->exp_s * 1000 + AULA_REJOIN_GRACE_MS > now)
        rc = 0;
    return rc == 0 && strcmp(c->room, room_id) == 0;
}

/* Decides the role and the participant; answers and returns -1 when the
 * joiner may not come in. */
static int admit(const aula_room_api *api, aula_http_request *req, const aula_room_rec *rec,
                 const join_req *j, int64_t now, aula_join_claims *c)
{
    aula_join_claims prev;
    int rejoin = previous_claims(api, rec->id, j->token, now, &prev);
    aula_role role = AULA_ROLE_PARTICIPANT;
    if (j->host_key && *j->host_key) {
        if (!key_matches(rec->host_key, j->host_key)) {
            aula_http_respond_error(req, 403,
                                    "this host link is not valid: ask the room's owner "
                                    "for a new one");
            return -1;
        }
        role = AULA_ROLE_HOST;
    }
    if (role != AULA_ROLE_HOST && rec->owner_id) {
        char *user = aula_api_session_user(api->auth, req);
        if (user && strcmp(user, rec->owner_id) == 0)
            role = AULA_ROLE_HOST;
        aula_free(user);
    }
    /* Whoever reconnects keeps the role a host gave them (cohost). */
    if (rejoin && role == AULA_ROLE_PARTICIPANT)
        role = prev.role;

    /* Event rooms (issue 5): newcomers go through the event's join route,
     * which applies its access rules (registration, password, opening
     * hours); a token from there comes back here as a rejoin. */
    if (!aula_role_is_host(role) && !rejoin && rec->event_id) {
        json_t *o = json_pack("{s:{s:i,s:s},s:s}", "error", "status", 409, "message",
                              "join this event from its page", "event", rec->event_id);
        aula_api_respond_json(req, 409, o, NULL, 0);
        return -1;
    }
    if (!aula_role_is_host(role) && !rejoin && rec->password_hash) {
        if (!j->password || !*j->password) {
            aula_api_respond_error_flag(req, 401, "this room needs a password",
                                        "password_required");
            return -1;
        }
        if (aula_shared_password_verify(rec->password_hash, j->password, strlen(j->password)) !=
            0) {
            aula_api_respond_error_flag(req, 401, "wrong password", "password_required");
            return -1;
        }
    }
    memset(c, 0, sizeof *c);
    if (rejoin)
        memcpy(c->participant, prev.participant, sizeof c->participant);
    else
        aula_random_hex(c->participant, AULA_PARTICIPANT_ID_LEN / 2);
    if (rec->locked && !aula_role_is_host(role) &&
        !(rejoin && aula_store_participant_seen(api->store, rec->id, c->participant) == 0)) {
        aula_http_respond_error(req, 423, "the room is locked");
        return -1;
    }
    snprintf(c->room, sizeof c->room, "%s", rec->id);
    snprintf(c->name, sizeof c->name, "%s", j->name);
    c->role = role;
    c->admitted = aula_role_is_host(role) || !rec->lobby || (rejoin && prev.admitted);
    return 0;
}

void aula_room_api_join(const aula_room_api *api, aula_http_request *req, const char *id)
{
    aula_room_rec rec;
    if (load_room(api, req, id, &rec) != 0)
        return;
    json_t *body = NULL;
    join_req j = {0};
    aula_join_claims c;
    char *token = NULL;
    int64_t now = aula_wall_ms();
    if (read_join_body(req, &body, &j) != 0 || admit(api, req, &rec, &j, now, &c) != 0)
        goto done;
    if (aula_join_token_issue(api->signer, &c, now, &token) != 0) {
        aula_http_respond_error(req, 500, "the join token could not be made");
        goto done;
    }
    json_t *o =
        json_pack("{s:s,s:{s:s,s:s},s:s,s:I,s:{s:s,s:s,s:b,s:b}}", "token", token, "participant",
                  "id", c.participant, "name", c.name, "role", aula_role_name(c.role), "expires",
                  (json_int_t)c.exp_s * 1000, "room", "id", rec.id, "title", rec.title, "lobby",
                  rec.lobby, "has_password", rec.password_hash != NULL);
    aula_http_header h = {"Cache-Control", "no-store"};
    AULA_LOG_INFO("api", "join token issued", "room=%s participant=%s role=%s", rec.id,
                  c.participant, aula_role_name(c.role));
    aula_api_respond_json(req, 200, o, &h, 1);
done:
    aula_free(token);
    aula_free(j.name);
    json_decref(body);
    aula_room_rec_deinit(&rec);
}
