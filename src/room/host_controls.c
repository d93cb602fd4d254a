#include "room/host_controls.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "http/jsonrpc.h"
#include "room/hands.h"
#include "room/room_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static int fail(int rc, char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static int fail(int rc, char *why, size_t whylen, const char *fmt, ...)
{
    if (why && whylen) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(why, whylen, fmt, ap);
        va_end(ap);
    }
    return rc;
}

static int is_host_role(aula_role role)
{
    return role == AULA_ROLE_HOST || role == AULA_ROLE_COHOST;
}

/* The live room, after checking the actor may use host controls. */
static int host_room(aula_rooms *rooms, const char *room_id, const aula_actor *a, const char *what,
                     aula_room **out, char *why, size_t whylen)
{
    if (!is_host_role(a->role))
        return fail(AULA_EPERM, why, whylen, "only hosts can %s", what);
    *out = aula_rooms_find(rooms, room_id);
    if (!*out)
        return fail(AULA_ENOENT, why, whylen, "nobody is in this meeting now");
    return 0;
}

/* The live target of a control on someone, after host_room. */
static int target_of(aula_room *r, const aula_actor *a, const char *target_id, const char *what,
                     aula_participant **out, char *why, size_t whylen)
{
    *out = target_id ? aula_room_find(r, target_id) : NULL;
    if (!*out)
        return fail(AULA_ENOENT, why, whylen, "that participant is not in the meeting");
    if ((*out)->role == AULA_ROLE_HOST && a->role != AULA_ROLE_HOST)
        return fail(AULA_EPERM, why, whylen, "a co-host cannot %s a host", what);
    return 0;
}

/* {"id", "name"} of the actor: its name when it is in the room, null when
 * it acted from outside (REST). A new reference. */
static json_t *by_json(aula_room *r, const aula_actor *a)
{
    aula_participant *p = a->participant_id ? aula_room_find(r, a->participant_id) : NULL;
    if (p)
        return aula_participant_json(p);
    return json_pack("{s:o,s:n}", "id",
                     a->participant_id ? json_string(a->participant_id) : json_null(), "name");
}

static const char *track_name(int kind)
{
    return kind == AULA_TRACK_AUDIO ? "audio" : "video";
}

int aula_host_mute(aula_rooms *rooms, const char *room_id, const aula_actor *a,
                   const char *target_id, int kind, int allow_unmute, char *why, size_t whylen)
{
    aula_room *r;
    aula_participant *t;
    int rc = host_room(rooms, room_id, a, "mute others", &r, why, whylen);
    if (rc == 0)
        rc = target_of(r, a, target_id, "mute", &t, why, whylen);
    if (rc != 0)
        return rc;
    if (kind != AULA_TRACK_AUDIO && kind != AULA_TRACK_VIDEO)
        return fail(AULA_EINVAL, why, whylen, "kind: expected \"audio\" or \"video\"");
    allow_unmute = allow_unmute != 0;
    if (t->host_muted[kind] && allow_unmute && !t->allow_unmute[kind]) {
        /* Already muted: the host now lets the person speak again. */
        t->allow_unmute[kind] = 1;
        aula_participant_notify(t, "host.unmute_allowed",
                                json_pack("{s:s}", "kind", track_name(kind)));
        return 0;
    }
    int was_muted = t->host_muted[kind];
    t->host_muted[kind] = 1;
    t->allow_unmute[kind] = allow_unmute;
    if (!was_muted && t->sink.force_pause)
        t->sink.force_pause(t->sink_ud, (aula_track)kind);
    AULA_LOG_INFO("room", "host muted", "room=%s participant=%s kind=%s by=%s", r->id, t->id,
                  track_name(kind), a->participant_id ? a->participant_id : "-");
    aula_participant_notify(t, "host.muted",
                            json_pack("{s:s,s:b,s:o}", "kind", track_name(kind), "allow_unmute",
                                      allow_unmute, "by", by_json(r, a)));
    return 0;
}

int aula_host_remove(aula_rooms *rooms, const char *room_id, const aula_actor *a,
                     const char *target_id, char *why, size_t whylen)
{
    aula_room *r;
    aula_participant *t;
    int rc = host_room(rooms, room_id, a, "remove participants", &r, why, whylen);
    if (rc == 0)
        rc = target_of(r, a, target_id, "remove", &t, why, whylen);
    if (rc != 0)
        return rc;
    if (a->participant_id && !strcmp(a->participant_id, t->id))
        return fail(AULA_EINVAL, why, whylen, "you cannot remove yourself: leave instead");
    AULA_LOG_INFO("room", "host removed", "room=%s participant=%s by=%s", r->id, t->id,
                  a->participant_id ? a->participant_id : "-");
    aula_participant_notify(t, "room.removed", json_pack("{s:o}", "by", by_json(r, a)));
    aula_participant_expel(t, AULA_CLOSE_REMOVED, "removed by a host", aula_wall_ms());
    return 0;
}

int aula_host_set_role(aula_rooms *rooms, const char *room_id, const aula_actor *a,
                       const char *target_id, aula_role role, char *why, size_t whylen)
{
    if (a->role != AULA_ROLE_HOST)
        return fail(AULA_EPERM, why, whylen, "only hosts can make co-hosts");
    aula_room *r;
    aula_participant *t;
    int rc = host_room(rooms, room_id, a, "make co-hosts", &r, why, whylen);
    if (rc == 0)
        rc = target_of(r, a, target_id, "change", &t, why, whylen);
    if (rc != 0)
        return rc;
    if (role != AULA_ROLE_COHOST && role != AULA_ROLE_PARTICIPANT)
        return fail(AULA_EINVAL, why, whylen, "role: expected \"cohost\" or \"participant\"");
    if (t->role == AULA_ROLE_HOST)
        return fail(AULA_EINVAL, why, whylen, "a host's role cannot be changed");
    if (t->role == role)
        return 0;
    t->role = role;
    AULA_LOG_INFO("room", "role changed", "room=%s participant=%s role=%s", r->id, t->id,
                  aula_role_name(role));
    json_t *who =
        json_pack("{s:s,s:s,s:s}", "id", t->id, "name", t->name, "role", aula_role_name(role));
    aula_room_notify(r, "participant.role", json_pack("{s:o}", "participant", who),
                     t->sink.role_changed ? t : NULL);
    if (t->sink.role_changed)
        t->sink.role_changed(t->sink_ud);
    if (role == AULA_ROLE_COHOST) /* a new cohost learns who waits */
        aula_participant_notify(t, "lobby.list", json_pack("{s:o}", "waiting", aula_lobby_json(r)));
    return 0;
}

/* Stores a flag change and returns the live room, if any. */
static int store_flags(aula_rooms *rooms, const char *room_id, const aula_actor *a,
                       const char *what, int lobby, int locked, aula_room **live, char *why,
                       size_t whylen)
{
    if (!is_host_role(a->role))
        return fail(AULA_EPERM, why, whylen, "only hosts can %s", what);
    int rc = aula_store_room_set_flags(aula_rooms_store(rooms), room_id, lobby, locked);
    if (rc == AULA_ENOENT)
        return fail(rc, why, whylen, "room not found");
    if (rc != 0)
        return fail(rc, why, whylen, "could not save the change, try again");
    *live = aula_rooms_find(rooms, room_id);
    return 0;
}

int aula_host_lock(aula_rooms *rooms, const char *room_id, const aula_actor *a, int locked,
                   char *why, size_t whylen)
{
    aula_room *r = NULL;
    locked = locked != 0;
    int rc = store_flags(rooms, room_id, a, "lock the room", -1, locked, &r, why, whylen);
    if (rc != 0 || !r)
        return rc;
    if (r->locked != locked) {
        r->locked = locked;
        aula_room_notify(r, "room.locked", json_pack("{s:b}", "locked", locked), NULL);
    }
    return 0;
}

int aula_host_set_lobby(aula_rooms *rooms, const char *room_id, const aula_actor *a, int lobby,
                        char *why, size_t whylen)
{
    aula_room *r = NULL;
    lobby = lobby != 0;
    int rc = store_flags(rooms, room_id, a, "change the waiting room", lobby, -1, &r, why, whylen);
    if (rc != 0 || !r)
        return rc;
    if (r->lobby != lobby) {
        r->lobby = lobby;
        aula_room_notify(r, "room.lobby", json_pack("{s:b}", "lobby", lobby), NULL);
    }
    if (!lobby && r->wfirst) {
        aula_lobby_admit_all(r);
        aula_room_release(r);
    }
    return 0;
}

int aula_host_end(aula_rooms *rooms, const char *room_id, const aula_actor *a, char *why,
                  size_t whylen)
{
    aula_room *r;
    int rc = host_room(rooms, room_id, a, "end the meeting", &r, why, whylen);
    if (rc != 0)
        return rc;
    AULA_LOG_INFO("room", "meeting ended", "room=%s by=%s participants=%zu", r->id,
                  a->participant_id ? a->participant_id : "-", r->size);
    json_t *params = json_pack("{s:o}", "by", by_json(r, a));
    char *text = aula_rpc_notification("room.ended", params);
    size_t len = strlen(text);
    /* The room is freed when its last participant or waiter goes: count
     * first, never look at r after the last one. */
    size_t waiters = r->waiting, people = r->size;
    while (waiters--) {
        aula_waiter *w = r->wfirst;
        int last = people == 0 && waiters == 0;
        w->sink.deliver(w->sink_ud, text, len);
        if (w->sink.detach)
            w->sink.detach(w->sink_ud, AULA_CLOSE_ENDED, "the meeting has ended");
        aula_waiter_leave(w);
        if (last)
            break;
    }
    int64_t now = aula_wall_ms();
    while (people--) {
        aula_participant *p = r->first;
        p->sink.deliver(p->sink_ud, text, len);
        aula_participant_expel(p, AULA_CLOSE_ENDED, "the meeting has ended", now);
    }
    aula_free(text);
    return 0;
}

int aula_host_admit(aula_rooms *rooms, const char *room_id, const aula_actor *a,
                    const char *waiter_id, int admit, char *why, size_t whylen)
{
    aula_room *r;
    int rc =
        host_room(rooms, room_id, a, admit ? "let people in" : "turn people away", &r, why, whylen);
    if (rc != 0)
        return rc;
    rc = waiter_id ? (admit ? aula_lobby_admit(r, waiter_id) : aula_lobby_decline(r, waiter_id))
                   : AULA_ENOENT;
    if (rc == AULA_ENOENT)
        return fail(rc, why, whylen, "nobody with that id is waiting");
    return rc;
}

int aula_host_lower_hand(aula_rooms *rooms, const char *room_id, const aula_actor *a,
                         const char *target_id, char *why, size_t whylen)
{
    aula_room *r;
    aula_participant *t;
    int rc = host_room(rooms, room_id, a, "lower other people's hands", &r, why, whylen);
    if (rc == 0)
        rc = target_of(r, a, target_id, "lower the hand of", &t, why, whylen);
    if (rc != 0)
        return rc;
    aula_hand_lower(t);
    return 0;
}
