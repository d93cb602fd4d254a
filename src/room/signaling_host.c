/* The methods of host controls, the lobby, hands and reactions. Each host
 * control goes through host_controls.h, the same code the REST routes
 * use; here a session becomes an actor. */
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "room/hands.h"
#include "room/host_controls.h"
#include "room/signaling_internal.h"
#include "room/webinar.h"

#include <stdio.h>
#include <string.h>

typedef aula__session session;

/* The session as an actor (its participant's current role). NULL with err
 * filled in when it is not joined or its token expired. */
static const aula_actor *actor_of(session *s, aula_actor *a, aula_rpc_error *err)
{
    aula_participant *p = aula__session_joined(s, err);
    if (!p)
        return NULL;
    a->role = aula_participant_role(p);
    a->participant_id = aula_participant_id(p);
    return a;
}

static const char *room_of(session *s)
{
    return aula_room_id(aula_participant_room(s->participant));
}

json_t *aula__m_host_mute(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    aula_actor a;
    if (!actor_of(s, &a, err))
        return NULL;
    const char *target = aula__participant_param(params, err);
    if (!target)
        return NULL;
    json_t *k = json_object_get(params, "kind");
    const char *ks = json_is_string(k) ? json_string_value(k) : "";
    int kind = !strcmp(ks, "audio")   ? AULA_TRACK_AUDIO
               : !strcmp(ks, "video") ? AULA_TRACK_VIDEO
                                      : -1;
    if (kind < 0)
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "kind: expected \"audio\" or \"video\"");
    int allow = aula__bool_param(params, "allow_unmute", 0, err);
    if (allow < 0)
        return NULL;
    char why[160] = "";
    return aula__rpc_outcome(
        aula_host_mute(s->sig->rooms, room_of(s), &a, target, kind, allow, why, sizeof why), NULL,
        why, err);
}

json_t *aula__m_host_remove(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    aula_actor a;
    if (!actor_of(s, &a, err))
        return NULL;
    const char *target = aula__participant_param(params, err);
    if (!target)
        return NULL;
    char why[160] = "";
    return aula__rpc_outcome(
        aula_host_remove(s->sig->rooms, room_of(s), &a, target, why, sizeof why), NULL, why, err);
}

json_t *aula__m_host_set_role(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    aula_actor a;
    if (!actor_of(s, &a, err))
        return NULL;
    const char *target = aula__participant_param(params, err);
    if (!target)
        return NULL;
    json_t *rv = json_object_get(params, "role");
    aula_role role;
    if (!json_is_string(rv) || aula_role_parse(json_string_value(rv), &role) != 0 ||
        role == AULA_ROLE_HOST)
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS,
                             "role: expected \"cohost\" or \"participant\"");
    char why[160] = "";
    return aula__rpc_outcome(
        aula_host_set_role(s->sig->rooms, room_of(s), &a, target, role, why, sizeof why), NULL, why,
        err);
}

/* room.lock and room.set_lobby: one required boolean, one host control. */
static json_t *room_flag(session *s, json_t *params, const char *key,
                         int (*set)(aula_rooms *rooms, const char *room_id, const aula_actor *a,
                                    int on, char *why, size_t whylen),
                         aula_rpc_error *err)
{
    aula_actor a;
    if (!actor_of(s, &a, err))
        return NULL;
    int on = aula__bool_param(params, key, -1, err);
    if (on < 0)
        return NULL;
    char why[160] = "";
    return aula__rpc_outcome(set(s->sig->rooms, room_of(s), &a, on, why, sizeof why), NULL, why,
                             err);
}

json_t *aula__m_room_lock(void *ctx, json_t *params, aula_rpc_error *err)
{
    return room_flag(ctx, params, "locked", aula_host_lock, err);
}

json_t *aula__m_room_set_lobby(void *ctx, json_t *params, aula_rpc_error *err)
{
    return room_flag(ctx, params, "lobby", aula_host_set_lobby, err);
}

json_t *aula__m_room_end(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    (void)params;
    aula_actor a;
    if (!actor_of(s, &a, err))
        return NULL;
    char why[160] = "";
    /* The room (and the caller's participant) may be gone after the call:
     * copy the room id first. */
    char room_id[AULA_ROOM_ID_LEN + 1];
    snprintf(room_id, sizeof room_id, "%s", room_of(s));
    char pid[AULA_PARTICIPANT_ID_LEN + 1];
    snprintf(pid, sizeof pid, "%s", a.participant_id);
    a.participant_id = pid;
    return aula__rpc_outcome(aula_host_end(s->sig->rooms, room_id, &a, why, sizeof why), NULL, why,
                             err);
}

static json_t *lobby_settle(session *s, json_t *params, int admit, aula_rpc_error *err)
{
    aula_actor a;
    if (!actor_of(s, &a, err))
        return NULL;
    const char *target = aula__participant_param(params, err);
    if (!target)
        return NULL;
    char why[160] = "";
    return aula__rpc_outcome(
        aula_host_admit(s->sig->rooms, room_of(s), &a, target, admit, why, sizeof why), NULL, why,
        err);
}

json_t *aula__m_lobby_admit(void *ctx, json_t *params, aula_rpc_error *err)
{
    return lobby_settle(ctx, params, 1, err);
}

json_t *aula__m_lobby_decline(void *ctx, json_t *params, aula_rpc_error *err)
{
    return lobby_settle(ctx, params, 0, err);
}

/* ---- hands and reactions (anyone in the room) -------------------------- */

static json_t *hands_result(session *s)
{
    return json_pack("{s:o}", "hands",
                     aula_room_hands_json(aula_participant_room(s->participant), s->participant));
}

json_t *aula__m_hand_raise(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    (void)params;
    if (!s->participant)
        return aula_rpc_fail(err, AULA_RPC_NOT_JOINED, "not in a room: call room.join first");
    aula_hand_raise(s->participant, aula_wall_ms());
    return hands_result(s);
}

json_t *aula__m_hand_lower(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    if (!s->participant)
        return aula_rpc_fail(err, AULA_RPC_NOT_JOINED, "not in a room: call room.join first");
    json_t *who = params ? json_object_get(params, "participant") : NULL;
    if (who && !json_is_null(who)) {
        const char *target = aula__participant_param(params, err);
        if (!target)
            return NULL;
        if (strcmp(target, aula_participant_id(s->participant)) != 0) {
            aula_actor a;
            if (!actor_of(s, &a, err))
                return NULL;
            char why[160] = "";
            int rc = aula_host_lower_hand(s->sig->rooms, room_of(s), &a, target, why, sizeof why);
            if (rc != 0)
                return aula__rpc_outcome(rc, NULL, why, err);
            return hands_result(s);
        }
    }
    aula_hand_lower(s->participant);
    return hands_result(s);
}

/* The reactions a page offers; anything else is refused. */
static const char *const reactions[] = {
    "\xF0\x9F\x91\x8D",         /* thumbs up */
    "\xF0\x9F\x91\x8F",         /* clapping hands */
    "\xE2\x9D\xA4\xEF\xB8\x8F", /* red heart (with the emoji variation selector) */
    "\xF0\x9F\x98\x82",         /* face with tears of joy */
    "\xF0\x9F\x98\xAE",         /* face with open mouth */
    "\xF0\x9F\x8E\x89",         /* party popper */
};

/* The reaction named by s (a bare heart counts as the emoji heart), or
 * NULL. */
static const char *reaction_of(const char *s)
{
    if (!strcmp(s, "\xE2\x9D\xA4"))
        return reactions[2];
    for (size_t i = 0; i < sizeof reactions / sizeof reactions[0]; i++)
        if (!strcmp(s, reactions[i]))
            return reactions[i];
    return NULL;
}

json_t *aula__m_reaction_send(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    if (!s->participant)
        return aula_rpc_fail(err, AULA_RPC_NOT_JOINED, "not in a room: call room.join first");
    json_t *e = params ? json_object_get(params, "emoji") : NULL;
    const char *emoji =
        json_is_string(e) && json_string_length(e) < 16 ? reaction_of(json_string_value(e)) : NULL;
    if (!emoji)
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS,
                             "emoji: expected one of \xF0\x9F\x91\x8D \xF0\x9F\x91\x8F "
                             "\xE2\x9D\xA4\xEF\xB8\x8F \xF0\x9F\x98\x82 \xF0\x9F\x98\xAE "
                             "\xF0\x9F\x8E\x89");
    if (!aula__bucket_take(s, &s->reactions))
        return aula_rpc_fail(err, AULA_RPC_RATE_LIMITED,
                             "too many reactions: wait a moment and send again");
    /* webinar.h: an attendee's reaction reaches the stage, not the audience */
    aula_webinar_notify_reaction(s->participant,
                                 json_pack("{s:o,s:s}", "participant",
                                           aula_participant_json(s->participant), "emoji", emoji));
    return json_object();
}
