#include "room/room.h"

#include "room/hands.h"
#include "room/room_internal.h"
#include "room/webinar_internal.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "http/jsonrpc.h"

#include <stdio.h>
#include <string.h>

#define PARTICIPANT_ID_BYTES (AULA_PARTICIPANT_ID_LEN / 2)

struct aula_rooms {
    aula_store *store;   /* borrowed */
    aula_room **buckets; /* owned: chains of live rooms */
    size_t n_buckets;
    size_t live;
    size_t participants;
    aula_rooms_wakeup_fn wakeup; /* webinar.h's throttles; may be NULL */
    void *wakeup_ud;
};

/* FNV-1a: room ids are random, any cheap hash spreads them evenly. */
static size_t hash_id(const char *s)
{
    uint64_t h = 1469598103934665603ull;
    for (; *s; s++)
        h = (h ^ (unsigned char)*s) * 1099511628211ull;
    return (size_t)h;
}

aula_rooms *aula_rooms_create(aula_store *store)
{
    aula_rooms *rooms = aula_calloc(1, sizeof *rooms);
    rooms->store = store;
    rooms->n_buckets = 64;
    rooms->buckets = aula_calloc(rooms->n_buckets, sizeof *rooms->buckets);
    return rooms;
}

void aula_rooms_destroy(aula_rooms *rooms)
{
    if (!rooms)
        return;
    /* Every participant must have left, and with them every room. */
    for (size_t i = 0; i < rooms->n_buckets; i++)
        if (rooms->buckets[i])
            AULA_LOG_ERROR("room", "room still live at shutdown", "room=%s", rooms->buckets[i]->id);
    aula_free(rooms->buckets);
    aula_free(rooms);
}

size_t aula_rooms_live(const aula_rooms *rooms)
{
    return rooms->live;
}

size_t aula_rooms_participants(const aula_rooms *rooms)
{
    return rooms->participants;
}

aula_room *aula_rooms_find(aula_rooms *rooms, const char *id)
{
    aula_room *r = rooms->buckets[hash_id(id) % rooms->n_buckets];
    while (r && strcmp(r->id, id) != 0)
        r = r->hash_next;
    return r;
}

static void grow_buckets(aula_rooms *rooms)
{
    size_t n = rooms->n_buckets * 2;
    aula_room **b = aula_calloc(n, sizeof *b);
    for (size_t i = 0; i < rooms->n_buckets; i++) {
        aula_room *r = rooms->buckets[i];
        while (r) {
            aula_room *next = r->hash_next;
            size_t k = hash_id(r->id) % n;
            r->hash_next = b[k];
            b[k] = r;
            r = next;
        }
    }
    aula_free(rooms->buckets);
    rooms->buckets = b;
    rooms->n_buckets = n;
}

static int load_room(aula_rooms *rooms, const char *id, aula_room **out)
{
    aula_room_rec rec;
    int rc = aula_store_room_get(rooms->store, id, &rec);
    if (rc != 0)
        return rc;
    if (rooms->live + 1 > rooms->n_buckets)
        grow_buckets(rooms);
    aula_room *r = aula_calloc(1, sizeof *r);
    r->id = rec.id;
    r->title = rec.title;
    r->locked = rec.locked;
    r->lobby = rec.lobby;
    /* An event's room (issue 5) is entered only with a token from the
     * event's join route, as a room with a password is. */
    r->has_password = rec.password_hash != NULL || rec.event_id != NULL;
    r->webinar = aula__webinar_create(rec.kind, rec.chat_mode);
    rec.id = rec.title = NULL;
    aula_room_rec_deinit(&rec);
    r->rooms = rooms;
    size_t k = hash_id(r->id) % rooms->n_buckets;
    r->hash_next = rooms->buckets[k];
    rooms->buckets[k] = r;
    rooms->live++;
    AULA_LOG_DEBUG("room", "room live", "room=%s", r->id);
    *out = r;
    return 0;
}

static void unload_room(aula_room *r)
{
    aula_rooms *rooms = r->rooms;
    aula_room **pp = &rooms->buckets[hash_id(r->id) % rooms->n_buckets];
    while (*pp != r)
        pp = &(*pp)->hash_next;
    *pp = r->hash_next;
    rooms->live--;
    AULA_LOG_DEBUG("room", "room idle", "room=%s", r->id);
    for (size_t i = 0; i < r->n_removed; i++)
        aula_free(r->removed[i]);
    aula_free(r->removed);
    aula__webinar_destroy(r->webinar);
    aula_free(r->id);
    aula_free(r->title);
    aula_free(r);
}

int aula_rooms_load(aula_rooms *rooms, const char *id, aula_room **out)
{
    aula_room *r = aula_rooms_find(rooms, id);
    if (r) {
        *out = r;
        return 0;
    }
    return load_room(rooms, id, out);
}

void aula_room_release(aula_room *r)
{
    if (r->size == 0 && r->waiting == 0)
        unload_room(r);
}

aula_store *aula_rooms_store(const aula_rooms *rooms)
{
    return rooms->store;
}

int aula_rooms_join(aula_rooms *rooms, const char *room_id, const char *name,
                    const aula_participant_sink *sink, void *sink_ud, int64_t now_ms,
                    aula_participant **out)
{
    aula_entry e = {.participant_id = NULL, .name = name, .role = AULA_ROLE_PARTICIPANT};
    return aula_rooms_enter(rooms, room_id, &e, sink, sink_ud, now_ms, out, NULL);
}

static int was_removed(const aula_room *r, const char *id)
{
    for (size_t i = 0; id && i < r->n_removed; i++)
        if (!strcmp(r->removed[i], id))
            return 1;
    return 0;
}

/* The live participant p gets a new connection: the old one is let go
 * (AULA_CLOSE_REPLACED) and p answers to the new sink from now on. */
static void take_over(aula_participant *p, const aula_entry *e, const aula_participant_sink *sink,
                      void *sink_ud)
{
    if (p->sink.detach)
        p->sink.detach(p->sink_ud, AULA_CLOSE_REPLACED, "replaced by a newer connection");
    p->sink = *sink;
    p->sink_ud = sink_ud;
    if (strcmp(p->name, e->name) != 0) {
        aula_free(p->name);
        p->name = aula_strdup(e->name);
    }
    if (e->role == AULA_ROLE_HOST)
        p->role = AULA_ROLE_HOST;
    /* Its media went with the old connection: the others see it gone until
     * the new connection publishes again. */
    json_t *st = json_pack("{s:s,s:b,s:b,s:b,s:b,s:b}", "participant", p->id, "audio", 0, "video",
                           0, "screen", 0, "audio_muted_by_host", p->host_muted[AULA_TRACK_AUDIO],
                           "video_muted_by_host", p->host_muted[AULA_TRACK_VIDEO]);
    aula__webinar_notify_about(p->room, p, "participant.media", st);
    AULA_LOG_INFO("room", "participant reconnected", "room=%s participant=%s", p->room->id, p->id);
}

int aula_rooms_enter(aula_rooms *rooms, const char *room_id, const aula_entry *e,
                     const aula_participant_sink *sink, void *sink_ud, int64_t now_ms,
                     aula_participant **out, int *replaced)
{
    aula_room *r = NULL;
    int rc = aula_rooms_load(rooms, room_id, &r);
    if (rc != 0)
        return rc;
    if (replaced)
        *replaced = 0;
    if (was_removed(r, e->participant_id)) {
        aula_room_release(r);
        return AULA_EPERM;
    }
    aula_participant *old = e->participant_id ? aula_room_find(r, e->participant_id) : NULL;
    if (old) {
        /* The store already has it; a rejoin only refreshes the name. */
        aula_store_participant_add(rooms->store, r->id, old->id, e->name, now_ms);
        take_over(old, e, sink, sink_ud);
        if (replaced)
            *replaced = 1;
        *out = old;
        return 0;
    }

    aula_participant *p = aula_calloc(1, sizeof *p);
    if (e->participant_id)
        snprintf(p->id, sizeof p->id, "%s", e->participant_id);
    else
        aula_random_hex(p->id, PARTICIPANT_ID_BYTES);
    rc = aula_store_participant_add(rooms->store, r->id, p->id, e->name, now_ms);
    if (rc != 0) {
        aula_free(p);
        aula_room_release(r);
        return rc;
    }
    p->name = aula_strdup(e->name);
    p->role = aula__webinar_entry_role(r, p->id, e->role);
    p->room = r;
    p->sink = *sink;
    p->sink_ud = sink_ud;
    p->prev = r->last;
    if (r->last)
        r->last->next = p;
    else
        r->first = p;
    r->last = p;
    r->size++;
    rooms->participants++;

    json_t *params = json_pack("{s:o}", "participant", aula_participant_full_json(p));
    aula__webinar_announce(r, p, "participant.joined", params, 1, now_ms);
    *out = p;
    return 0;
}

void aula__room_unlink(aula_participant *p)
{
    aula_room *r = p->room;
    if (p->prev)
        p->prev->next = p->next;
    else
        r->first = p->next;
    if (p->next)
        p->next->prev = p->prev;
    else
        r->last = p->prev;
    p->prev = p->next = NULL;
    r->size--;
    r->rooms->participants--;
}

void aula_participant_leave(aula_participant *p, int64_t now_ms)
{
    aula_room *r = p->room;
    int hand_was_up = p->hand_seq != 0;
    aula__room_unlink(p);

    /* A failed write is logged by the store; the participant is gone from
     * the live room either way. */
    aula_store_participant_left(r->rooms->store, p->id, now_ms);
    json_t *params = json_pack("{s:o}", "participant", aula_participant_json(p));
    aula__webinar_announce(r, p, "participant.left", params, 0, now_ms);
    if (hand_was_up)
        aula__hands_broadcast(r, NULL);
    aula_free(p->name);
    aula_free(p);
    aula_room_release(r);
}

void aula_participant_expel(aula_participant *p, int code, const char *reason, int64_t now_ms)
{
    if (code == AULA_CLOSE_REMOVED) {
        aula_room *r = p->room;
        r->removed = aula_realloc(r->removed, (r->n_removed + 1) * sizeof *r->removed);
        r->removed[r->n_removed++] = aula_strdup(p->id);
    }
    if (p->sink.detach)
        p->sink.detach(p->sink_ud, code, reason);
    aula_participant_leave(p, now_ms);
}

void aula_participant_notify(aula_participant *p, const char *method, json_t *params)
{
    char *text = aula_rpc_notification(method, params);
    p->sink.deliver(p->sink_ud, text, strlen(text));
    aula_free(text);
}

const char *aula_participant_id(const aula_participant *p)
{
    return p->id;
}

const char *aula_participant_name(const aula_participant *p)
{
    return p->name;
}

aula_role aula_participant_role(const aula_participant *p)
{
    return p->role;
}

int aula_participant_is_host(const aula_participant *p)
{
    return p->role == AULA_ROLE_HOST || p->role == AULA_ROLE_COHOST;
}

aula_room *aula_participant_room(const aula_participant *p)
{
    return p->room;
}

json_t *aula_participant_json(const aula_participant *p)
{
    return json_pack("{s:s,s:s}", "id", p->id, "name", p->name);
}

json_t *aula_participant_full_json(const aula_participant *p)
{
    size_t place = aula_hand_place(p);
    return json_pack(
        "{s:s,s:s,s:s,s:o,s:b,s:b}", "id", p->id, "name", p->name, "role", aula_role_name(p->role),
        "hand", place ? json_integer((json_int_t)place) : json_null(), "audio_muted_by_host",
        p->host_muted[AULA_TRACK_AUDIO], "video_muted_by_host", p->host_muted[AULA_TRACK_VIDEO]);
}

int aula_participant_host_muted(const aula_participant *p, aula_track track, int *allow_unmute)
{
    if (allow_unmute)
        *allow_unmute = p->allow_unmute[track];
    return p->host_muted[track];
}

void aula_participant_clear_host_mute(aula_participant *p, aula_track track)
{
    p->host_muted[track] = 0;
    p->allow_unmute[track] = 0;
}

const char *aula_room_id(const aula_room *r)
{
    return r->id;
}

const char *aula_room_title(const aula_room *r)
{
    return r->title;
}

size_t aula_room_size(const aula_room *r)
{
    return r->size;
}

aula_store *aula_room_store(const aula_room *r)
{
    return r->rooms->store;
}

int aula_room_locked(const aula_room *r)
{
    return r->locked;
}

int aula_room_lobby(const aula_room *r)
{
    return r->lobby;
}

int aula_room_has_password(const aula_room *r)
{
    return r->has_password;
}

aula_participant *aula_room_find(aula_room *r, const char *participant_id)
{
    aula_participant *p = r->first;
    while (p && strcmp(p->id, participant_id) != 0)
        p = p->next;
    return p;
}

json_t *aula_room_participants_json(const aula_room *r)
{
    json_t *arr = json_array();
    for (aula_participant *p = r->first; p; p = p->next)
        json_array_append_new(arr, aula_participant_full_json(p));
    return arr;
}

json_t *aula_room_json(const aula_room *r)
{
    return json_pack("{s:s,s:s,s:b,s:b}", "id", r->id, "title", r->title, "locked", r->locked,
                     "lobby", r->lobby);
}

static void notify_some(aula_room *r, const char *method, json_t *params,
                        const aula_participant *except, int hosts_only)
{
    /* One serialisation for the whole room. */
    char *text = aula_rpc_notification(method, params);
    size_t len = strlen(text);
    for (aula_participant *p = r->first; p; p = p->next)
        if (p != except && (!hosts_only || aula_participant_is_host(p)))
            p->sink.deliver(p->sink_ud, text, len);
    aula_free(text);
}

void aula_room_notify(aula_room *r, const char *method, json_t *params,
                      const aula_participant *except)
{
    notify_some(r, method, params, except, 0);
}

void aula_room_notify_hosts(aula_room *r, const char *method, json_t *params,
                            const aula_participant *except)
{
    notify_some(r, method, params, except, 1);
}

void aula_rooms_set_wakeup(aula_rooms *rooms, aula_rooms_wakeup_fn fn, void *ud)
{
    rooms->wakeup = fn;
    rooms->wakeup_ud = ud;
}

void aula__room_wakeup(aula_room *r, int64_t due_ms)
{
    if (r->rooms->wakeup)
        r->rooms->wakeup(r->rooms->wakeup_ud, r->id, due_ms);
}
