/* The lobby (waiting room) of a live room, and who may come in at all.
 *
 * A person a room does not let in at once waits as an aula_waiter: hosts
 * and cohosts hear lobby.waiting and admit or decline; a waiter that gives
 * up makes the hosts hear lobby.left. A room stays live while someone
 * waits in its lobby, even with nobody inside.
 *
 * Ownership: the room owns its waiters; a waiter is freed when it is
 * admitted, declined or leaves. Thread: the control thread. */
#ifndef AULA_ROOM_LOBBY_H
#define AULA_ROOM_LOBBY_H

#include "room/room.h"

#include <jansson.h>
#include <stdint.h>

typedef struct aula_waiter aula_waiter;

typedef struct aula_waiter_sink {
    /* Delivers one JSON-RPC notification text to the waiter. */
    void (*deliver)(void *ud, const char *text, size_t len);
    /* A host let the waiter in: send lobby.admitted with a token that says
     * so. The waiter is freed right after this returns. */
    void (*admitted)(void *ud);
    /* The lobby lets go of the waiter (declined: AULA_CLOSE_REMOVED,
     * replaced, ended): close the connection with code and reason. The
     * waiter is freed right after this returns. May be NULL. */
    void (*detach)(void *ud, int code, const char *reason);
} aula_waiter_sink;

typedef enum aula_admission {
    AULA_ADMIT_ENTER,   /* comes in now */
    AULA_ADMIT_WAIT,    /* waits in the lobby */
    AULA_ADMIT_LOCKED,  /* the room is locked and this is a newcomer */
    AULA_ADMIT_REMOVED, /* a host removed this participant id */
} aula_admission;

/* What happens to someone coming to live room r as participant_id (NULL:
 * a newcomer without an id) with role and the token's admitted claim.
 * Hosts and cohosts always come in; people who were in this room before
 * (aula_store_participant_seen) pass the lock and the lobby; a newcomer is
 * stopped by the lock, and waits in the lobby unless admitted. */
aula_admission aula_room_admission(aula_room *r, const char *participant_id, aula_role role,
                                   int admitted);

/* Puts participant_id (16 hex chars) named name in r's lobby and tells the
 * hosts (lobby.waiting). A waiter already there with that id is replaced:
 * its sink is detached with AULA_CLOSE_REPLACED and the hosts hear
 * nothing. sink is copied. */
aula_waiter *aula_lobby_wait(aula_room *r, const char *participant_id, const char *name,
                             const aula_waiter_sink *sink, void *sink_ud, int64_t now_ms);

/* The waiter gives up (its connection closed): the hosts get lobby.left;
 * w is freed, and the room too if that left it empty. */
void aula_waiter_leave(aula_waiter *w);

/* Lets the waiter with this id in (its sink's admitted) or declines it
 * (lobby.declined, then its sink's detach with AULA_CLOSE_REMOVED). The
 * hosts get lobby.left. Returns AULA_ENOENT when nobody with that id waits.
 * The room may be freed when this returns 0 (nobody else was in it). */
int aula_lobby_admit(aula_room *r, const char *participant_id);
int aula_lobby_decline(aula_room *r, const char *participant_id);
/* Lets every waiter in (the lobby was turned off). */
void aula_lobby_admit_all(aula_room *r);

/* The waiters as [{"id", "name", "since"}], in arrival order; a new
 * reference. */
json_t *aula_lobby_json(const aula_room *r);
size_t aula_lobby_size(const aula_room *r);

const char *aula_waiter_id(const aula_waiter *w);
const char *aula_waiter_name(const aula_waiter *w);
aula_room *aula_waiter_room(const aula_waiter *w);

#endif
