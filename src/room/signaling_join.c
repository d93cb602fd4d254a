/* room.join and token.refresh: who a session is and how it gets in. */
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "room/hands.h"
#include "room/signaling_internal.h"
#include "room/text.h"
#include "room/webinar.h"

#include <stdio.h>
#include <string.h>

#define HISTORY_DEFAULT 50

typedef aula__session session;

/* Fills s->who from params.token. Returns 0, or -1 with err filled in. */
static int who_from_token(session *s, json_t *token, json_t *room_v, aula_rpc_error *err)
{
    if (!json_is_string(token) || json_string_length(token) != strlen(json_string_value(token))) {
        aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "token: expected a string");
        return -1;
    }
    if (!s->sig->cfg.signer) {
        aula_rpc_fail(err, AULA_RPC_INTERNAL_ERROR, "join tokens are not available on this server");
        return -1;
    }
    char why[128] = "";
    aula_join_claims c;
    int rc = aula_join_token_verify(s->sig->cfg.signer, json_string_value(token), aula_wall_ms(),
                                    &c, why, sizeof why);
    if (rc == AULA_ETIMEDOUT) {
        aula_rpc_fail(err, AULA_RPC_BAD_TOKEN, "the join token has expired: join again");
        return -1;
    }
    if (rc != 0) {
        AULA_LOG_INFO("signaling", "join token refused", "why=\"%s\"", why);
        aula_rpc_fail(err, AULA_RPC_BAD_TOKEN, "the join token is not valid");
        return -1;
    }
    if (json_is_string(room_v) && strcmp(json_string_value(room_v), c.room) != 0) {
        aula_rpc_fail(err, AULA_RPC_BAD_TOKEN, "the join token is not valid for this room");
        return -1;
    }
    s->who = c;
    s->token_exp_ms = c.exp_s * 1000;
    return 0;
}

/* Fills s->who from params.room and params.name (a join without a token:
 * open rooms only, as a participant). Returns 0, or -1 with err. */
static int who_from_name(session *s, json_t *params, json_t *room_v, aula_rpc_error *err)
{
    if (!json_is_string(room_v)) {
        aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS,
                      "room: expected a room id string (or token: a join token)");
        return -1;
    }
    const char *room_id = json_string_value(room_v);
    if (json_string_length(room_v) != strlen(room_id) || !aula_room_id_valid(room_id)) {
        aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS,
                      "room: not a room id (they look like abc-defg-hjk)");
        return -1;
    }
    char *name = NULL;
    if (aula__clean_param(params, "name", AULA_NAME_MAX_CHARS, &name, err) != 0)
        return -1;
    memset(&s->who, 0, sizeof s->who);
    snprintf(s->who.room, sizeof s->who.room, "%s", room_id);
    snprintf(s->who.name, sizeof s->who.name, "%s", name);
    aula_free(name);
    s->who.role = AULA_ROLE_PARTICIPANT;
    s->token_exp_ms = 0;
    return 0;
}

/* The result of a join that entered the room. */
static json_t *joined_result(session *s, int replaced)
{
    aula_participant *p = s->participant;
    aula_room *r = aula_participant_room(p);
    json_t *chat = NULL;
    int has_more = 0;
    aula_rpc_error history_err;
    if (aula__chat_page_json(aula_room_store(r), aula_room_id(r), 0, HISTORY_DEFAULT, p, &chat,
                             &has_more, &history_err) != 0) {
        /* The join stands; the page can fetch the history again. */
        chat = json_array();
        has_more = 1;
    }
    json_t *res = json_pack(
        "{s:o,s:{s:s,s:s,s:s},s:o,s:o,s:o,s:b,s:o,s:b}", "participant", aula_participant_json(p),
        "me", "id", aula_participant_id(p), "name", aula_participant_name(p), "role",
        aula_role_name(aula_participant_role(p)), "room", aula_room_json(r), "participants",
        aula_webinar_participants_json(r, p), "chat", chat, "chat_has_more", has_more, "hands",
        aula_room_hands_json(r, p), "replaced", replaced);
    if (aula_participant_is_host(p))
        json_object_set_new(res, "lobby", aula_lobby_json(r));
    aula_webinar_join_extras(r, p, res);
    char *token = NULL;
    int64_t exp = 0;
    aula_rpc_error ignored;
    if (s->sig->cfg.signer &&
        aula__session_token(s, aula_participant_role(p), 1, &token, &exp, &ignored) == 0) {
        json_object_set_new(res, "token", json_string(token));
        json_object_set_new(res, "expires", json_integer(exp));
        aula_free(token);
    }
    return res;
}

static json_t *enter(session *s, int with_token, aula_rpc_error *err)
{
    aula_entry e = {
        .participant_id = with_token ? s->who.participant : NULL,
        .name = s->who.name,
        .role = s->who.role,
    };
    aula_participant *p = NULL;
    int replaced = 0;
    int rc = aula_rooms_enter(s->sig->rooms, s->who.room, &e, &aula__session_sink, s,
                              aula_wall_ms(), &p, &replaced);
    if (rc == AULA_ENOENT)
        return aula_rpc_fail(err, AULA_RPC_ROOM_NOT_FOUND, "room not found");
    if (rc == AULA_EPERM)
        return aula_rpc_fail(err, AULA_RPC_FORBIDDEN, "a host removed you from this meeting");
    if (rc == AULA_EEXIST)
        return aula_rpc_fail(err, AULA_RPC_BAD_TOKEN, "the join token is not valid");
    if (rc != 0)
        return aula_rpc_fail(err, AULA_RPC_STORE_FAILED, "could not join the room, try again");
    s->participant = p;
    snprintf(s->who.participant, sizeof s->who.participant, "%s", aula_participant_id(p));
    snprintf(s->who.name, sizeof s->who.name, "%s", aula_participant_name(p));
    AULA_LOG_DEBUG("signaling", replaced ? "rejoined" : "joined", "room=%s participant=%s role=%s",
                   s->who.room, aula_participant_id(p), aula_role_name(aula_participant_role(p)));
    return joined_result(s, replaced);
}

json_t *aula__m_room_join(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    if (s->participant)
        return aula_rpc_fail(err, AULA_RPC_ALREADY_JOINED,
                             "already in a room: one connection is one participant");
    if (s->waiter)
        return aula_rpc_fail(err, AULA_RPC_ALREADY_JOINED,
                             "already waiting in the lobby: wait for lobby.admitted");
    json_t *token = params ? json_object_get(params, "token") : NULL;
    json_t *room_v = params ? json_object_get(params, "room") : NULL;
    int with_token = token != NULL;
    if (with_token ? who_from_token(s, token, room_v, err) : who_from_name(s, params, room_v, err))
        return NULL;

    aula_room *r = NULL;
    int rc = aula_rooms_load(s->sig->rooms, s->who.room, &r);
    if (rc == AULA_ENOENT)
        return aula_rpc_fail(err, AULA_RPC_ROOM_NOT_FOUND, "room not found");
    if (rc != 0)
        return aula_rpc_fail(err, AULA_RPC_STORE_FAILED, "could not join the room, try again");
    if (!with_token && (aula_room_has_password(r) || aula_room_lobby(r) || aula_room_locked(r))) {
        int locked = aula_room_locked(r);
        aula_room_release(r);
        if (locked)
            return aula_rpc_fail(err, AULA_RPC_ROOM_LOCKED, "the room is locked");
        return aula_rpc_fail(err, AULA_RPC_FORBIDDEN,
                             "this room needs a join token: open its link in a browser, or get "
                             "one from POST /api/v1/rooms/{id}/join");
    }
    switch (aula_room_admission(r, with_token ? s->who.participant : NULL, s->who.role,
                                s->who.admitted)) {
    case AULA_ADMIT_REMOVED:
        aula_room_release(r);
        return aula_rpc_fail(err, AULA_RPC_FORBIDDEN, "a host removed you from this meeting");
    case AULA_ADMIT_LOCKED:
        aula_room_release(r);
        return aula_rpc_fail(err, AULA_RPC_ROOM_LOCKED, "the room is locked");
    case AULA_ADMIT_WAIT:
        s->waiter = aula_lobby_wait(r, s->who.participant, s->who.name, &aula__waiter_sink, s,
                                    aula_wall_ms());
        return json_pack("{s:b,s:o,s:{s:s,s:s}}", "waiting", 1, "room", aula_room_json(r), "me",
                         "id", s->who.participant, "name", s->who.name);
    case AULA_ADMIT_ENTER:
        break;
    }
    /* r stays live: enter finds it (and frees it itself if it fails). */
    return enter(s, with_token, err);
}

json_t *aula__m_token_refresh(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    (void)params;
    if (!s->participant && !s->waiter)
        return aula_rpc_fail(err, AULA_RPC_NOT_JOINED, "not in a room: call room.join first");
    if (s->token_exp_ms && aula_wall_ms() >= s->token_exp_ms)
        return aula_rpc_fail(err, AULA_RPC_BAD_TOKEN, "the join token has expired: join again");
    aula_role role = s->participant ? aula_participant_role(s->participant) : AULA_ROLE_PARTICIPANT;
    char *token = NULL;
    int64_t exp = 0;
    if (aula__session_token(s, role, s->participant != NULL, &token, &exp, err) != 0)
        return NULL;
    json_t *res = json_pack("{s:s,s:I}", "token", token, "expires", (json_int_t)exp);
    aula_free(token);
    return res;
}
