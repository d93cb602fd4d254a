/* Webinar rooms: who is on stage, who only watches, and what attendees are
 * told (docs/protocol.md, "Webinars").
 *
 * A room whose record says kind 'webinar' treats its people in two groups:
 * hosts, cohosts and presenters are on stage (they publish and are listed
 * to everyone); attendees only receive. Attendees are not announced one by
 * one to each other: their joins and leaves go to hosts only, and everyone
 * gets `room.attendees {count}` at most once a second when the count
 * changed. That keeps a join O(hosts) instead of O(room) in messages.
 *
 * Every live room (meeting or webinar) has this state, because Q&A (qa.h)
 * and polls (polls.h) work in meetings too; only the stage rules need the
 * webinar kind. The module is sans-IO: it reads no clock (callers pass
 * now_ms) and owns no timer. When something is due later (a throttled
 * count or poll result) it asks the registry's wakeup (aula_rooms_set_
 * wakeup) to call aula_webinar_flush() for the room at that time.
 * Thread: the control thread. */
#ifndef AULA_ROOM_WEBINAR_H
#define AULA_ROOM_WEBINAR_H

#include "room/room.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct aula_webinar aula_webinar;

/* Who may chat to whom (rooms.chat_mode). */
typedef enum aula_chat_mode {
    AULA_CHAT_EVERYONE = 0, /* as in meetings */
    AULA_CHAT_HOSTS = 1,    /* non-hosts' lines go to hosts only */
    AULA_CHAT_OFF = 2,      /* only hosts may write */
} aula_chat_mode;

/* Minimum time between two `room.attendees` and two `poll.results` of one
 * room. */
#define AULA_WEBINAR_COUNT_EVERY_MS 1000
#define AULA_WEBINAR_RESULTS_EVERY_MS 250

const char *aula_chat_mode_name(aula_chat_mode m);
/* 0 and *out, or AULA_EINVAL for anything but the three names. */
int aula_chat_mode_parse(const char *s, aula_chat_mode *out);

/* ---- hooks for room.c (the room's lifecycle) ---------------------------- */

/* The state of a room loaded from rec (kind, chat_mode may be NULL:
 * meeting, everyone). Owned by the room. */
aula_webinar *aula__webinar_create(const char *kind, const char *chat_mode);
void aula__webinar_destroy(aula_webinar *w);

/* The role a person entering r gets: in a webinar a plain participant (a
 * join without a token, or a room link) is an attendee, and a presenter a
 * host took off the stage stays an attendee (the store keeps who was, so
 * a presenter token still valid does not bring them back after a restart
 * either). */
aula_role aula__webinar_entry_role(const aula_room *r, const char *participant_id, aula_role role);

/* Announces p's arrival or departure (method participant.joined or
 * participant.left; steals params). In a webinar an attendee is told to
 * hosts only and the attendee count changes; anyone else to everyone
 * (except p itself for a join). */
void aula__webinar_announce(aula_room *r, aula_participant *p, const char *method, json_t *params,
                            int joined, int64_t now_ms);

/* Sends method(params) about p to those who may know of p: everyone, or
 * hosts only when p is a webinar attendee. Steals params. */
void aula__webinar_notify_about(aula_room *r, const aula_participant *p, const char *method,
                                json_t *params);

/* Sends `reaction` params (stolen) from p: to everyone, but in a webinar an
 * attendee's reaction goes to the stage (hosts, cohosts, presenters) and
 * back to p only, so that an audience of hundreds clapping at once does
 * not become hundreds of messages to each of them. */
void aula_webinar_notify_reaction(aula_participant *p, json_t *params);

/* ---- queries ------------------------------------------------------------ */

int aula_room_is_webinar(const aula_room *r);
aula_chat_mode aula_room_chat_mode(const aula_room *r);
/* Attendees live in r (0 in meetings). */
size_t aula_room_attendees(const aula_room *r);

/* The participants viewer may see, as aula_room_participants_json: in a
 * webinar an attendee gets everyone but attendees. A new reference. */
json_t *aula_webinar_participants_json(const aula_room *r, const aula_participant *viewer);

/* Adds the webinar fields to a room.join result: kind, chat_mode and, in
 * webinars, attendees (the count) and on_stage (viewer's). */
void aula_webinar_join_extras(const aula_room *r, const aula_participant *viewer, json_t *res);

/* 1 when p may publish media: everyone in meetings; in webinars anyone
 * but an attendee (an attendee on stage is a presenter). */
int aula_webinar_may_publish(const aula_participant *p);

/* Applies the room's chat mode to a line p is sending: 0 with *to_hosts
 * possibly turned on (mode hosts), or AULA_EPERM with why when the chat is
 * off for p. */
int aula_webinar_chat_route(const aula_participant *p, int *to_hosts, char *why, size_t whylen);

/* ---- host actions ------------------------------------------------------- */

/* room.setChatMode: hosts only (AULA_EPERM). Stores the mode, then everyone
 * gets room.chat_mode {mode}. AULA_ESTORE when the store failed. */
int aula_webinar_set_chat_mode(aula_participant *host, aula_chat_mode mode, char *why,
                               size_t whylen);

/* stage.invite / stage.remove (on 1/0): hosts only. Invite turns an
 * attendee into a presenter; remove turns a presenter (or an attendee on
 * stage) back into an attendee. Everyone gets participant.stage
 * {participant, on_stage}; the target's sink gets role_changed (a fresh
 * token, and on removal its media stops). AULA_ENOENT: no such live
 * participant; AULA_EINVAL: hosts cannot be moved, or already there. */
int aula_webinar_stage(aula_participant *host, const char *target_id, int on, int64_t now_ms,
                       char *why, size_t whylen);

/* ---- time --------------------------------------------------------------- */

/* Sends what is due by now_ms (room.attendees, poll.results). Returns the
 * next time something will be due, or 0 when nothing is pending. */
int64_t aula_webinar_flush(aula_room *r, int64_t now_ms);

#endif
