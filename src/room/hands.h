/* Raised hands: a queue in raise order (hand.changed {hands: [{id, name,
 * since}]}), visible to everyone in a meeting. In a webinar hosts and
 * cohosts see the queue and anyone else only their own hand (as only
 * hosts learn who is in the audience), so a hand going up in an audience
 * of hundreds is not a message to each of them. Thread: the control
 * thread. */
#ifndef AULA_ROOM_HANDS_H
#define AULA_ROOM_HANDS_H

#include "room/room.h"

#include <jansson.h>
#include <stdint.h>

/* Raises p's hand (at the end of the queue) and tells the room. Returns 1
 * when it was already up (nothing changes, nobody is told), else 0. */
int aula_hand_raise(aula_participant *p, int64_t now_ms);
/* Lowers p's hand and tells the room. Returns 1 when it was already down
 * (nobody is told), else 0. */
int aula_hand_lower(aula_participant *p);

/* p's place in the queue: 1 for the first raised hand, 0 when down. */
size_t aula_hand_place(const aula_participant *p);
/* The queue as viewer may see it (see above), as [{"id", "name",
 * "since"}], first raised first; a new reference. */
json_t *aula_room_hands_json(const aula_room *r, const aula_participant *viewer);

#endif
