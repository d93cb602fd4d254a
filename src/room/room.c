#include "room/room.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "http/jsonrpc.h"

#include <string.h>

#define PARTICIPANT_ID_BYTES 8

struct aula_participant {
    char id[PARTICIPANT_ID_BYTES * 2 + 1];
    char *name;      /* owned */
    aula_room *room; /* borrowed: the room owns the participant */
    aula_participant_sink sink;
    void *sink_ud;
    aula_participant *prev, *next; /* the room's list, in join order */
};

struct aula_room {
    char *id;                       /* owned */
    char *title;                    /* owned */
    aula_rooms *rooms;              /* borrowed: the registry owns the room */
    aula_participant *first, *last; /* owned */
    size_t size;
    aula_room *hash_next; /* the registry's bucket chain */
};

struct aula_rooms {
    aula_store *store;   /* borrowed */
    aula_room **buckets; /* owned: chains of live rooms */
    size_t n_buckets;
    size_t live;
    size_t participants;
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
    aula_free(r->id);
    aula_free(r->title);
    aula_free(r);
}

int aula_rooms_join(aula_rooms *rooms, const char *room_id, const char *name,
                    const aula_participant_sink *sink, void *sink_ud, int64_t now_ms,
                    aula_participant **out)
{
    aula_room *r = aula_rooms_find(rooms, room_id);
    int rc = 0;
    if (!r && (rc = load_room(rooms, room_id, &r)) != 0)
        return rc;

    aula_participant *p = aula_calloc(1, sizeof *p);
    aula_random_hex(p->id, PARTICIPANT_ID_BYTES);
    rc = aula_store_participant_add(rooms->store, r->id, p->id, name, now_ms);
    if (rc != 0) {
        aula_free(p);
        if (r->size == 0)
            unload_room(r);
        return rc;
    }
    p->name = aula_strdup(name);
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

    json_t *params = json_pack("{s:o}", "participant", aula_participant_json(p));
    aula_room_notify(r, "participant.joined", params, p);
    *out = p;
    return 0;
}

void aula_participant_leave(aula_participant *p, int64_t now_ms)
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
    r->size--;
    r->rooms->participants--;

    /* A failed write is logged by the store; the participant is gone from
     * the live room either way. */
    aula_store_participant_left(r->rooms->store, p->id, now_ms);
    json_t *params = json_pack("{s:o}", "participant", aula_participant_json(p));
    aula_room_notify(r, "participant.left", params, NULL);
    aula_free(p->name);
    aula_free(p);
    if (r->size == 0)
        unload_room(r);
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

aula_room *aula_participant_room(const aula_participant *p)
{
    return p->room;
}

json_t *aula_participant_json(const aula_participant *p)
{
    return json_pack("{s:s,s:s}", "id", p->id, "name", p->name);
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

json_t *aula_room_participants_json(const aula_room *r)
{
    json_t *arr = json_array();
    for (aula_participant *p = r->first; p; p = p->next)
        json_array_append_new(arr, aula_participant_json(p));
    return arr;
}

void aula_room_notify(aula_room *r, const char *method, json_t *params,
                      const aula_participant *except)
{
    /* One serialisation for the whole room. */
    char *text = aula_rpc_notification(method, params);
    size_t len = strlen(text);
    for (aula_participant *p = r->first; p; p = p->next)
        if (p != except)
            p->sink.deliver(p->sink_ud, text, len);
    aula_free(text);
}
