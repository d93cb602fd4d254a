#include "room/hands.h"

#include "room/room_internal.h"
#include "room/webinar.h"

/* Hands are few (a class at most): a scan of the room per change is
 * cheaper than keeping a second list in order. */

int aula_hand_raise(aula_participant *p, int64_t now_ms)
{
    if (p->hand_seq)
        return 1;
    p->hand_seq = ++p->room->next_hand_seq;
    p->hand_since_ms = now_ms;
    aula__hands_broadcast(p->room, p);
    return 0;
}

int aula_hand_lower(aula_participant *p)
{
    if (!p->hand_seq)
        return 1;
    p->hand_seq = 0;
    p->hand_since_ms = 0;
    aula__hands_broadcast(p->room, p);
    return 0;
}

size_t aula_hand_place(const aula_participant *p)
{
    if (!p->hand_seq)
        return 0;
    size_t place = 1;
    for (const aula_participant *q = p->room->first; q; q = q->next)
        if (q->hand_seq && q->hand_seq < p->hand_seq)
            place++;
    return place;
}

/* In a webinar only hosts and cohosts, who alone see the audience, get the
 * whole queue; anyone else sees their own hand. */
static int own_hand_only(const aula_room *r, const aula_participant *p)
{
    return p && aula_room_is_webinar(r) && !aula_participant_is_host(p);
}

json_t *aula_room_hands_json(const aula_room *r, const aula_participant *viewer)
{
    json_t *arr = json_array();
    int own_only = own_hand_only(r, viewer);
    uint64_t after = 0;
    for (;;) {
        /* The next raised hand after `after` in raise order. */
        const aula_participant *next = NULL;
        for (const aula_participant *q = r->first; q; q = q->next)
            if (q->hand_seq > after && (!next || q->hand_seq < next->hand_seq))
                next = q;
        if (!next)
            return arr;
        if (!own_only || next == viewer)
            json_array_append_new(arr,
                                  json_pack("{s:s,s:s,s:I}", "id", next->id, "name", next->name,
                                            "since", (json_int_t)next->hand_since_ms));
        after = next->hand_seq;
    }
}

void aula__hands_broadcast(aula_room *r, aula_participant *changed)
{
    json_t *params = json_pack("{s:o}", "hands", aula_room_hands_json(r, NULL));
    if (!aula_room_is_webinar(r)) {
        aula_room_notify(r, "hand.changed", params, NULL);
        return;
    }
    aula_room_notify_hosts(r, "hand.changed", params, NULL);
    if (own_hand_only(r, changed))
        aula_participant_notify(changed, "hand.changed",
                                json_pack("{s:o}", "hands", aula_room_hands_json(r, changed)));
}
