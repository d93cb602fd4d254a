/* Live rooms and the participants in them.
 *
 * A room is live while someone is in it: the first join loads it from the
 * store, the last leave frees it (the stored room stays). Participants do
 * not know about sockets: each has a sink that takes notification texts,
 * which is what makes the room logic testable without a network.
 *
 * Ownership: aula_rooms -> aula_room -> aula_participant. A participant is
 * freed by aula_participant_leave(); a room with nobody left is freed then.
 * Thread: the control thread. */
#ifndef AULA_ROOM_ROOM_H
#define AULA_ROOM_ROOM_H

#include "store/store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct aula_rooms aula_rooms;
typedef struct aula_room aula_room;
typedef struct aula_participant aula_participant;

typedef struct aula_participant_sink {
    /* Delivers one JSON-RPC notification text to the participant. */
    void (*deliver)(void *ud, const char *text, size_t len);
} aula_participant_sink;

/* store is borrowed and must outlive the registry. */
aula_rooms *aula_rooms_create(aula_store *store);
/* All participants must have left. */
void aula_rooms_destroy(aula_rooms *rooms);

size_t aula_rooms_live(const aula_rooms *rooms);
size_t aula_rooms_participants(const aula_rooms *rooms);
/* The live room with this id, or NULL. */
aula_room *aula_rooms_find(aula_rooms *rooms, const char *id);

/* Adds a participant named name (already validated) to the room, loading
 * it from the store when it is not live. Records the join in the store and
 * notifies everyone else with participant.joined. Returns AULA_ENOENT when
 * no such room exists, AULA_ESTORE when the store fails. sink is copied;
 * sink_ud is passed back. */
int aula_rooms_join(aula_rooms *rooms, const char *room_id, const char *name,
                    const aula_participant_sink *sink, void *sink_ud, int64_t now_ms,
                    aula_participant **out);

/* Removes p from its room, records it in the store, notifies the others
 * with participant.left and frees p (and the room if it is now empty). */
void aula_participant_leave(aula_participant *p, int64_t now_ms);

/* Sends the notification method(params) to p alone. Steals params. */
void aula_participant_notify(aula_participant *p, const char *method, json_t *params);

const char *aula_participant_id(const aula_participant *p);
const char *aula_participant_name(const aula_participant *p);
aula_room *aula_participant_room(const aula_participant *p);
/* {"id": ..., "name": ...}, a new reference. */
json_t *aula_participant_json(const aula_participant *p);

const char *aula_room_id(const aula_room *r);
const char *aula_room_title(const aula_room *r);
size_t aula_room_size(const aula_room *r);
aula_store *aula_room_store(const aula_room *r);
/* Every participant as a JSON array, in join order; a new reference. */
json_t *aula_room_participants_json(const aula_room *r);

/* Sends the notification method(params) to everyone in the room except
 * `except` (may be NULL). Steals params. */
void aula_room_notify(aula_room *r, const char *method, json_t *params,
                      const aula_participant *except);

#endif
