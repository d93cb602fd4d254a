/* The insides of a room's webinar state, shared by webinar.c, qa.c and
 * polls.c. Nothing else includes this. Thread: the control thread. */
#ifndef AULA_ROOM_WEBINAR_INTERNAL_H
#define AULA_ROOM_WEBINAR_INTERNAL_H

#include "room/webinar.h"
#include "store/store_webinar.h"

/* The vote counts of one poll, kept in memory once a vote came in so a
 * vote costs one store write and no recount. */
typedef struct aula__poll_tally {
    int64_t id;
    size_t n_choices;
    int64_t counts[AULA_POLL_MAX_CHOICES];
    int64_t voters;
    int show;  /* attendees see the results */
    int dirty; /* changed since the last poll.results */
} aula__poll_tally;

struct aula_webinar {
    int is_webinar;
    aula_chat_mode chat_mode;
    size_t attendees;          /* live attendees */
    size_t attendees_told;     /* the count in the last room.attendees */
    int64_t attendees_next;    /* no room.attendees before this (ms) */
    int attendees_pending;     /* the count changed since it was told */
    aula__poll_tally *tallies; /* owned */
    size_t n_tallies;
    int64_t results_next; /* no poll.results nor vote counts before this (ms) */
    int results_pending;
    int64_t *voted_questions; /* owned: questions whose upvotes are not told yet */
    size_t n_voted_questions;
};

/* Asks for aula_webinar_flush(r) at due_ms (room.c passes it on to the
 * registry's wakeup). */
void aula__room_wakeup(aula_room *r, int64_t due_ms);

/* The tally of poll id, loading it from the store on first use; NULL when
 * the store fails. */
aula__poll_tally *aula__poll_tally_get(aula_room *r, int64_t id, size_t n_choices, int show);

/* Sends the pending poll.results of r (webinar.c's flush). */
void aula__polls_flush(aula_room *r);

/* Sends qa.updated for the questions upvoted since the last flush. */
void aula__qa_flush(aula_room *r);

/* Asks for a flush of results (polls, upvotes) at the next allowed time. */
void aula__results_changed(aula_room *r, int64_t now_ms);

/* Printf into why (a sentence for the caller's error) and return code. */
int aula__webinar_fail(int code, char *why, size_t whylen, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

#endif
