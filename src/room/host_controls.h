/* Host controls, enforced here for both ways in: the WebSocket methods
 * (host.mute, host.remove, ...; signaling) and the REST routes
 * (room_api / routes, with a join token as bearer).
 *
 * Hosts and cohosts may use every control; only a host may make or unmake
 * cohosts, and a cohost cannot mute, remove or demote a host. Each function
 * returns 0, AULA_EPERM (the actor's role does not allow it; why says so in
 * a sentence for people), AULA_ENOENT (no such live participant, or the
 * room is not live; why says which), AULA_EINVAL (why says what), or
 * AULA_ESTORE. why may be NULL.
 * Thread: the control thread. */
#ifndef AULA_ROOM_HOST_CONTROLS_H
#define AULA_ROOM_HOST_CONTROLS_H

#include "room/room.h"

#include <stddef.h>

typedef struct aula_actor {
    aula_role role;
    const char *participant_id; /* the actor's id (its token's sub); may be NULL */
} aula_actor;

/* Mutes target's microphone (kind AULA_TRACK_AUDIO) or camera
 * (AULA_TRACK_VIDEO): its track stops reaching the others at once, it gets
 * host.muted {kind, allow_unmute, by} and may unmute itself only when
 * allow_unmute. Muting again with allow_unmute on an already muted track
 * only allows (host.unmute_allowed {kind}). */
int aula_host_mute(aula_rooms *rooms, const char *room_id, const aula_actor *a,
                   const char *target_id, int kind, int allow_unmute, char *why, size_t whylen);

/* Takes target out: room.removed {by}, then its connection closes with
 * AULA_CLOSE_REMOVED; the others get participant.left. The participant id
 * is refused while the room stays live. */
int aula_host_remove(aula_rooms *rooms, const char *room_id, const aula_actor *a,
                     const char *target_id, char *why, size_t whylen);

/* Makes target a cohost or a participant again (role must be one of
 * those); everyone gets participant.role. Hosts only. */
int aula_host_set_role(aula_rooms *rooms, const char *room_id, const aula_actor *a,
                       const char *target_id, aula_role role, char *why, size_t whylen);

/* Locks or unlocks the room: stored, and when live everyone gets
 * room.locked {locked}. Works when the room is not live. */
int aula_host_lock(aula_rooms *rooms, const char *room_id, const aula_actor *a, int locked,
                   char *why, size_t whylen);

/* Turns the lobby on or off: stored, and when live everyone gets
 * room.lobby {lobby}; turning it off lets every waiter in. Works when the
 * room is not live. */
int aula_host_set_lobby(aula_rooms *rooms, const char *room_id, const aula_actor *a, int lobby,
                        char *why, size_t whylen);

/* Ends the meeting: everyone (and every waiter) gets room.ended {by} and
 * its connection closes with AULA_CLOSE_ENDED. */
int aula_host_end(aula_rooms *rooms, const char *room_id, const aula_actor *a, char *why,
                  size_t whylen);

/* Lets a waiter in or declines it (lobby.h). */
int aula_host_admit(aula_rooms *rooms, const char *room_id, const aula_actor *a,
                    const char *waiter_id, int admit, char *why, size_t whylen);

/* Lowers target's raised hand (anyone may lower their own: use
 * aula_hand_lower). */
int aula_host_lower_hand(aula_rooms *rooms, const char *room_id, const aula_actor *a,
                         const char *target_id, char *why, size_t whylen);

#endif
