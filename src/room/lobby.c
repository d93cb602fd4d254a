#include "room/lobby.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "http/jsonrpc.h"
#include "room/room_internal.h"

#include <stdio.h>
#include <string.h>

aula_admission aula_room_admission(aula_room *r, const char *participant_id, aula_role role,
                                   int admitted)
{
    if (participant_id) {
        for (size_t i = 0; i < r->n_removed; i++)
            if (!strcmp(r->removed[i], participant_id))
                return AULA_ADMIT_REMOVED;
        if (aula_room_find(r, participant_id))
            return AULA_ADMIT_ENTER; /* a reconnection takes its own place back */
    }
    if (role == AULA_ROLE_HOST || role == AULA_ROLE_COHOST)
        return AULA_ADMIT_ENTER;
    if (!r->locked && (!r->lobby || admitted))
        return AULA_ADMIT_ENTER;
    /* People who were in this room before come back past the lock and the
     * lobby (after a restart nobody is live, the store remembers them). */
    if (participant_id &&
        aula_store_participant_seen(aula_room_store(r), r->id, participant_id) == 0)
        return AULA_ADMIT_ENTER;
    return r->locked ? AULA_ADMIT_LOCKED : AULA_ADMIT_WAIT;
}

static json_t *waiter_json(const aula_waiter *w)
{
    return json_pack("{s:s,s:s,s:I}", "id", w->id, "name", w->name, "since",
                     (json_int_t)w->since_ms);
}

static aula_waiter *find_waiter(aula_room *r, const char *id)
{
    aula_waiter *w = r->wfirst;
    while (w && strcmp(w->id, id) != 0)
        w = w->next;
    return w;
}

/* Unlinks w from its lobby and frees it (not the room). */
static void drop_waiter(aula_waiter *w)
{
    aula_room *r = w->room;
    if (w->prev)
        w->prev->next = w->next;
    else
        r->wfirst = w->next;
    if (w->next)
        w->next->prev = w->prev;
    else
        r->wlast = w->prev;
    r->waiting--;
    aula_free(w->name);
    aula_free(w);
}

static void tell_hosts_left(aula_room *r, const char *id, const char *name)
{
    aula_room_notify_hosts(r, "lobby.left",
                           json_pack("{s:{s:s,s:s}}", "participant", "id", id, "name", name), NULL);
}

aula_waiter *aula_lobby_wait(aula_room *r, const char *participant_id, const char *name,
                             const aula_waiter_sink *sink, void *sink_ud, int64_t now_ms)
{
    aula_waiter *w = find_waiter(r, participant_id);
    if (w) {
        /* The same person again (a reconnection): the new connection waits
         * in the old one's place. */
        if (w->sink.detach)
            w->sink.detach(w->sink_ud, AULA_CLOSE_REPLACED, "replaced by a newer connection");
        w->sink = *sink;
        w->sink_ud = sink_ud;
        return w;
    }
    w = aula_calloc(1, sizeof *w);
    snprintf(w->id, sizeof w->id, "%s", participant_id);
    w->name = aula_strdup(name);
    w->room = r;
    w->sink = *sink;
    w->sink_ud = sink_ud;
    w->since_ms = now_ms;
    w->prev = r->wlast;
    if (r->wlast)
        r->wlast->next = w;
    else
        r->wfirst = w;
    r->wlast = w;
    r->waiting++;
    AULA_LOG_INFO("room", "waiting in the lobby", "room=%s participant=%s", r->id, w->id);
    aula_room_notify_hosts(r, "lobby.waiting", json_pack("{s:o}", "participant", waiter_json(w)),
                           NULL);
    return w;
}

void aula_waiter_leave(aula_waiter *w)
{
    aula_room *r = w->room;
    tell_hosts_left(r, w->id, w->name);
    drop_waiter(w);
    aula_room_release(r);
}

/* Ends w's wait: admitted, or declined. Hosts hear lobby.left. */
static void settle(aula_waiter *w, int admit)
{
    aula_room *r = w->room;
    tell_hosts_left(r, w->id, w->name);
    AULA_LOG_INFO("room", admit ? "admitted from the lobby" : "declined in the lobby",
                  "room=%s participant=%s", r->id, w->id);
    if (admit) {
        w->sink.admitted(w->sink_ud);
    } else {
        char *text = aula_rpc_notification("lobby.declined", json_object());
        w->sink.deliver(w->sink_ud, text, strlen(text));
        aula_free(text);
        if (w->sink.detach)
            w->sink.detach(w->sink_ud, AULA_CLOSE_REMOVED, "declined by a host");
    }
    drop_waiter(w);
}

int aula_lobby_admit(aula_room *r, const char *participant_id)
{
    aula_waiter *w = find_waiter(r, participant_id);
    if (!w)
        return AULA_ENOENT;
    settle(w, 1);
    aula_room_release(r);
    return 0;
}

int aula_lobby_decline(aula_room *r, const char *participant_id)
{
    aula_waiter *w = find_waiter(r, participant_id);
    if (!w)
        return AULA_ENOENT;
    settle(w, 0);
    aula_room_release(r);
    return 0;
}

void aula_lobby_admit_all(aula_room *r)
{
    while (r->wfirst)
        settle(r->wfirst, 1);
}

json_t *aula_lobby_json(const aula_room *r)
{
    json_t *arr = json_array();
    for (const aula_waiter *w = r->wfirst; w; w = w->next)
        json_array_append_new(arr, waiter_json(w));
    return arr;
}

size_t aula_lobby_size(const aula_room *r)
{
    return r->waiting;
}

const char *aula_waiter_id(const aula_waiter *w)
{
    return w->id;
}

const char *aula_waiter_name(const aula_waiter *w)
{
    return w->name;
}

aula_room *aula_waiter_room(const aula_waiter *w)
{
    return w->room;
}
