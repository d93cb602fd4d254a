/* The insides of live rooms, shared by the files that implement them
 * (room.c, hands.c, lobby.c, host_controls.c). Nothing else includes this.
 * Thread: the control thread. */
#ifndef AULA_ROOM_ROOM_INTERNAL_H
#define AULA_ROOM_ROOM_INTERNAL_H

#include "room/lobby.h"
#include "room/room.h"

struct aula_participant {
    char id[AULA_PARTICIPANT_ID_LEN + 1];
    char *name; /* owned */
    aula_role role;
    aula_room *room; /* borrowed: the room owns the participant */
    aula_participant_sink sink;
    void *sink_ud;
    uint64_t hand_seq;     /* 0: hand down; else its place in the raise order */
    int64_t hand_since_ms; /* when the hand went up */
    int host_muted[2];     /* by aula_track */
    int allow_unmute[2];
    aula_participant *prev, *next; /* the room's list, in join order */
};

struct aula_waiter {
    char id[AULA_PARTICIPANT_ID_LEN + 1];
    char *name;      /* owned */
    aula_room *room; /* borrowed: the room owns the waiter */
    aula_waiter_sink sink;
    void *sink_ud;
    int64_t since_ms;
    aula_waiter *prev, *next; /* the lobby, in arrival order */
};

struct aula_room {
    char *id;                       /* owned */
    char *title;                    /* owned */
    aula_rooms *rooms;              /* borrowed: the registry owns the room */
    aula_participant *first, *last; /* owned */
    size_t size;
    aula_waiter *wfirst, *wlast; /* owned: the lobby */
    size_t waiting;
    int locked, lobby, has_password;
    uint64_t next_hand_seq;
    char **removed; /* owned: participant ids a host removed, refused while live */
    size_t n_removed;
    struct aula_webinar *webinar; /* owned: stage, chat mode, Q&A and polls (webinar.h) */
    aula_room *hash_next;         /* the registry's bucket chain */
};

/* Tells the room the hand queue (hand.changed; see room/hands.h for
 * webinars), changed being the participant whose hand moved (NULL when
 * they left). */
void aula__hands_broadcast(aula_room *r, aula_participant *changed);

/* Unlinks p from its room's list without telling anyone or freeing it. */
void aula__room_unlink(aula_participant *p);

#endif
