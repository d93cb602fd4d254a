/* Live rooms and the participants in them.
 *
 * A room is live while someone is in it or waits in its lobby: the first
 * join loads it from the store, the last one out frees it (the stored room
 * stays). Participants do not know about sockets: each has a sink that takes
 * notification texts and a few commands (a host paused your microphone, you
 * are out of the room), which is what makes the room logic testable without
 * a network.
 *
 * Every participant has a role (host, cohost, participant), may have a hand
 * raised (hands.h) and may be muted by a host (host_controls.h). A person
 * coming back with the id of a participant still live (an old connection
 * not yet noticed dead) takes that participant over: the old sink is
 * detached with AULA_CLOSE_REPLACED and the others hear nothing.
 *
 * Ownership: aula_rooms -> aula_room -> aula_participant (and lobby
 * waiters, lobby.h). A participant is freed by aula_participant_leave() or
 * by a host control that takes it out; a room with nobody left is freed
 * then. Thread: the control thread. */
#ifndef AULA_ROOM_ROOM_H
#define AULA_ROOM_ROOM_H

#include "auth/join_token.h"
#include "store/store.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct aula_rooms aula_rooms;
typedef struct aula_room aula_room;
typedef struct aula_participant aula_participant;

/* The WebSocket close codes a session gets when the room lets go of it
 * (docs/protocol.md). */
enum {
    AULA_CLOSE_REPLACED = 4000, /* a newer connection of the same participant */
    AULA_CLOSE_REMOVED = 4001,  /* removed (or declined in the lobby) by a host */
    AULA_CLOSE_ENDED = 4002,    /* the meeting ended for everyone */
};

/* A camera or microphone, as host controls name them. */
typedef enum aula_track {
    AULA_TRACK_AUDIO = 0,
    AULA_TRACK_VIDEO = 1,
} aula_track;

typedef struct aula_participant_sink {
    /* Delivers one JSON-RPC notification text to the participant. */
    void (*deliver)(void *ud, const char *text, size_t len);
    /* A host muted the participant's track: stop forwarding it now. May be
     * NULL (nothing published through this sink). */
    void (*force_pause)(void *ud, aula_track track);
    /* The room lets go of the sink: drop everything that borrows the
     * participant (its media peer) and close the connection with code and
     * reason. The participant stays valid during the call; it is then
     * freed (removed, ended) or taken over by a new sink (replaced). Must
     * not call back into the room. May be NULL. */
    void (*detach)(void *ud, int code, const char *reason);
    /* The participant's role changed (aula_participant_role tells the new
     * one): send participant.role with a fresh token. May be NULL, and
     * then it gets the notification the others get. */
    void (*role_changed)(void *ud);
} aula_participant_sink;

/* Who enters a room (aula_rooms_enter). */
typedef struct aula_entry {
    const char *participant_id; /* NULL: a fresh id; else 16 hex chars (a rejoin keeps it) */
    const char *name;           /* validated */
    aula_role role;
} aula_entry;

/* store is borrowed and must outlive the registry. */
aula_rooms *aula_rooms_create(aula_store *store);
/* All participants and waiters must have left. */
void aula_rooms_destroy(aula_rooms *rooms);

size_t aula_rooms_live(const aula_rooms *rooms);
size_t aula_rooms_participants(const aula_rooms *rooms);
/* The live room with this id, or NULL. */
aula_room *aula_rooms_find(aula_rooms *rooms, const char *id);
aula_store *aula_rooms_store(const aula_rooms *rooms);

/* The live room with this id, loaded from the store when it is not live
 * (AULA_ENOENT: no such room; AULA_ESTORE). A room loaded here and left
 * empty is freed by aula_room_release(). */
int aula_rooms_load(aula_rooms *rooms, const char *id, aula_room **out);
/* Frees r if nobody is in it nor waits in its lobby. */
void aula_room_release(aula_room *r);

/* Adds a participant named name (already validated) with a fresh id and
 * role participant. See aula_rooms_enter. */
int aula_rooms_join(aula_rooms *rooms, const char *room_id, const char *name,
                    const aula_participant_sink *sink, void *sink_ud, int64_t now_ms,
                    aula_participant **out);

/* Adds a participant to the room, loading it from the store when it is not
 * live. Records the join in the store and notifies everyone else with
 * participant.joined. When e->participant_id names a participant live in
 * this room, that one is taken over instead (its old sink is detached with
 * AULA_CLOSE_REPLACED, it keeps its hand and host mutes, it takes e's name
 * and, for a host entry, the host role) and *replaced is set; the others
 * get participant.media with nothing published (its media peer went with
 * the old sink). Returns AULA_ENOENT when no such room exists, AULA_EPERM
 * when a host removed this participant id from the live room, AULA_EEXIST
 * when the id belongs to another room, AULA_ESTORE when the store fails.
 * Policy (lock, lobby) is the caller's: see aula_room_admission. sink is
 * copied; sink_ud is passed back. replaced may be NULL. */
int aula_rooms_enter(aula_rooms *rooms, const char *room_id, const aula_entry *e,
                     const aula_participant_sink *sink, void *sink_ud, int64_t now_ms,
                     aula_participant **out, int *replaced);

/* Removes p from its room, records it in the store, notifies the others
 * with participant.left (and hand.changed when its hand was up) and frees p
 * (and the room if it is now empty). The sink is not called. */
void aula_participant_leave(aula_participant *p, int64_t now_ms);

/* Takes p out of its room on a host's or the room's behalf: detaches its
 * sink with code and reason, then leaves as aula_participant_leave. */
void aula_participant_expel(aula_participant *p, int code, const char *reason, int64_t now_ms);

/* Sends the notification method(params) to p alone. Steals params. */
void aula_participant_notify(aula_participant *p, const char *method, json_t *params);

const char *aula_participant_id(const aula_participant *p);
const char *aula_participant_name(const aula_participant *p);
aula_role aula_participant_role(const aula_participant *p);
/* True for hosts and cohosts: they may use every host control. */
int aula_participant_is_host(const aula_participant *p);
aula_room *aula_participant_room(const aula_participant *p);
/* {"id": ..., "name": ...}, a new reference. */
json_t *aula_participant_json(const aula_participant *p);
/* {"id", "name", "role", "hand": null | place in the queue (1 = first),
 * "audio_muted_by_host", "video_muted_by_host"}, a new reference. */
json_t *aula_participant_full_json(const aula_participant *p);

/* Host mutes of p's track: 1 when a host muted it and p has not unmuted it
 * since; *allow_unmute (may be NULL) says whether p may unmute itself. */
int aula_participant_host_muted(const aula_participant *p, aula_track track, int *allow_unmute);
/* p unmuted the track itself (allowed): the host mute is over. */
void aula_participant_clear_host_mute(aula_participant *p, aula_track track);

const char *aula_room_id(const aula_room *r);
const char *aula_room_title(const aula_room *r);
size_t aula_room_size(const aula_room *r);
aula_store *aula_room_store(const aula_room *r);
int aula_room_locked(const aula_room *r);
int aula_room_lobby(const aula_room *r);
int aula_room_has_password(const aula_room *r);
/* The live participant with this id, or NULL. */
aula_participant *aula_room_find(aula_room *r, const char *participant_id);
/* Every participant (aula_participant_full_json) as a JSON array, in join
 * order; a new reference. */
json_t *aula_room_participants_json(const aula_room *r);
/* {"id", "title", "locked", "lobby"}, a new reference. */
json_t *aula_room_json(const aula_room *r);

/* Sends the notification method(params) to everyone in the room except
 * `except` (may be NULL). Steals params. */
void aula_room_notify(aula_room *r, const char *method, json_t *params,
                      const aula_participant *except);
/* The same, to hosts and cohosts only. */
void aula_room_notify_hosts(aula_room *r, const char *method, json_t *params,
                            const aula_participant *except);

/* Called when a live room has something to send later (webinar.h's
 * throttled counts and poll results): the owner of the clock should call
 * aula_webinar_flush() on the room with this id at due_ms, if it is still
 * live. */
typedef void (*aula_rooms_wakeup_fn)(void *ud, const char *room_id, int64_t due_ms);
/* Sets the wakeup (fn NULL: none; flushes then happen only when someone
 * calls aula_webinar_flush). ud is passed back. */
void aula_rooms_set_wakeup(aula_rooms *rooms, aula_rooms_wakeup_fn fn, void *ud);

#endif
