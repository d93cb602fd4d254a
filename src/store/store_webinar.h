/* The store's webinar records: questions (Q&A) with their upvotes, polls
 * with their choices and votes, and a room's chat mode (migration 5).
 *
 * Every rule that must hold across a restart is a constraint here, not a
 * check in memory: one upvote per participant and question and one vote
 * per participant and poll are primary keys (a second is AULA_EEXIST), and
 * the "questions per minute" limit counts stored rows inside the same
 * transaction that adds one.
 *
 * Contracts as in store.h: 0 or negative AULA_E*, durable when a write
 * returns. Thread: the store's thread. */
#ifndef AULA_STORE_STORE_WEBINAR_H
#define AULA_STORE_STORE_WEBINAR_H

#include "store/store.h"

#include <stddef.h>
#include <stdint.h>

#define AULA_POLL_MAX_CHOICES 10

typedef struct aula_question_rec {
    int64_t id;           /* chosen by the store, > 0 */
    char *room_id;        /* owned */
    char *participant_id; /* owned: who asked */
    char *name;           /* owned: the asker's name when asking */
    char *text;           /* owned */
    int64_t ts_ms;
    int64_t votes;
    int voted; /* filled by the list/get calls for their viewer */
    int answered;
    char *answer_text;                   /* owned; NULL: no written answer */
    int answer_live;                     /* answered out loud */
    char *answer_by_id, *answer_by_name; /* owned; NULL until answered */
    int hidden;
} aula_question_rec;

typedef enum aula_poll_state {
    AULA_POLL_DRAFT = 0, /* prepared, never opened */
    AULA_POLL_OPEN = 1,
    AULA_POLL_CLOSED = 2,
} aula_poll_state;

typedef struct aula_poll_rec {
    int64_t id;                           /* chosen by the store, > 0 */
    char *room_id;                        /* owned */
    char *question;                       /* owned */
    char *choices[AULA_POLL_MAX_CHOICES]; /* owned, n_choices of them */
    size_t n_choices;
    int multiple; /* several choices per vote */
    aula_poll_state state;
    int show_results; /* attendees see the results */
    int64_t created_ms;
} aula_poll_rec;

void aula_question_rec_deinit(aula_question_rec *q);
void aula_question_recs_free(aula_question_rec *qs, size_t n);
void aula_poll_rec_deinit(aula_poll_rec *p);
void aula_poll_recs_free(aula_poll_rec *ps, size_t n);

/* A backend's webinar operations (aula_store_ops.webinar); NULL when the
 * backend keeps none, and every call below is then AULA_ESTORE. */
typedef struct aula_store_webinar_ops {
    int (*question_add)(aula_store *s, const aula_question_rec *q, int64_t since_ms, int max_since,
                        int64_t *out_id);
    int (*question_get)(aula_store *s, const char *room_id, int64_t id, const char *viewer_id,
                        aula_question_rec *out);
    int (*questions_list)(aula_store *s, const char *room_id, const char *viewer_id,
                          aula_question_rec **out, size_t *n);
    int (*question_vote)(aula_store *s, const char *room_id, int64_t id, const char *participant_id,
                         int64_t now_ms);
    int (*question_answer)(aula_store *s, const char *room_id, int64_t id, const char *text,
                           int live, const char *by_id, const char *by_name);
    int (*question_hide)(aula_store *s, const char *room_id, int64_t id, int hidden);
    int (*poll_create)(aula_store *s, const aula_poll_rec *p, int64_t *out_id);
    int (*poll_get)(aula_store *s, const char *room_id, int64_t id, aula_poll_rec *out);
    int (*polls_list)(aula_store *s, const char *room_id, aula_poll_rec **out, size_t *n);
    int (*poll_update)(aula_store *s, const char *room_id, int64_t id, int state, int show_results);
    int (*poll_vote)(aula_store *s, const char *room_id, int64_t id, const char *participant_id,
                     uint32_t choices, int64_t now_ms);
    int (*poll_counts)(aula_store *s, int64_t id, int64_t counts[AULA_POLL_MAX_CHOICES],
                       int64_t *voters);
    int (*poll_voted)(aula_store *s, int64_t id, const char *participant_id, uint32_t *choices);
    int (*room_set_chat_mode)(aula_store *s, const char *room_id, const char *mode);
    int (*stage_set_off)(aula_store *s, const char *room_id, const char *participant_id, int off,
                         int64_t now_ms);
    int (*stage_is_off)(aula_store *s, const char *room_id, const char *participant_id, int *off);
} aula_store_webinar_ops;

/* Stores a question (q->id is ignored; room_id, participant_id, name, text
 * and ts_ms must be set) and its new id in *out_id, unless the same
 * participant already asked max_since questions in this room at or after
 * since_ms: then AULA_EAGAIN and nothing is stored. AULA_ENOENT: no such
 * room. */
int aula_store_question_add(aula_store *s, const aula_question_rec *q, int64_t since_ms,
                            int max_since, int64_t *out_id);

/* One question of a room; out->voted says whether viewer_id (may be NULL)
 * upvoted it. Free with aula_question_rec_deinit. AULA_ENOENT when the
 * room has no such question. */
int aula_store_question_get(aula_store *s, const char *room_id, int64_t id, const char *viewer_id,
                            aula_question_rec *out);

/* Every question of a room, oldest first, with voted for viewer_id (may
 * be NULL). Free with aula_question_recs_free. */
int aula_store_questions_list(aula_store *s, const char *room_id, const char *viewer_id,
                              aula_question_rec **out, size_t *n);

/* One upvote by participant_id: AULA_EEXIST when it already voted for
 * this question, AULA_ENOENT when the room has no such question. */
int aula_store_question_vote(aula_store *s, const char *room_id, int64_t id,
                             const char *participant_id, int64_t now_ms);

/* Marks a question answered, with a written answer (text, may be NULL)
 * and/or live, by whom. AULA_ENOENT when there is no such question. */
int aula_store_question_answer(aula_store *s, const char *room_id, int64_t id, const char *text,
                               int live, const char *by_id, const char *by_name);

int aula_store_question_hide(aula_store *s, const char *room_id, int64_t id, int hidden);

/* Stores a poll (p->id ignored; 2..AULA_POLL_MAX_CHOICES choices) and its
 * new id in *out_id. AULA_ENOENT: no such room. */
int aula_store_poll_create(aula_store *s, const aula_poll_rec *p, int64_t *out_id);
int aula_store_poll_get(aula_store *s, const char *room_id, int64_t id, aula_poll_rec *out);
/* The polls of a room, oldest first. Free with aula_poll_recs_free. */
int aula_store_polls_list(aula_store *s, const char *room_id, aula_poll_rec **out, size_t *n);
/* Sets state and show_results (-1: leave unchanged). AULA_ENOENT. */
int aula_store_poll_update(aula_store *s, const char *room_id, int64_t id, int state,
                           int show_results);
/* One vote: choices is a bit set of choice indices (bit i = choice i).
 * AULA_EEXIST when participant_id already voted in this poll; AULA_ENOENT
 * when the room has no such poll. The caller checks the poll is open. */
int aula_store_poll_vote(aula_store *s, const char *room_id, int64_t id, const char *participant_id,
                         uint32_t choices, int64_t now_ms);
/* The votes of each choice and the number of voters. */
int aula_store_poll_counts(aula_store *s, int64_t id, int64_t counts[AULA_POLL_MAX_CHOICES],
                           int64_t *voters);
/* *choices: what participant_id voted (0 when it has not voted). */
int aula_store_poll_voted(aula_store *s, int64_t id, const char *participant_id, uint32_t *choices);

/* Sets rooms.chat_mode (migration 4): "everyone", "hosts" or "off". The
 * room record (aula_room_rec.chat_mode) reads it back. AULA_ENOENT: no
 * such room. */
int aula_store_room_set_chat_mode(aula_store *s, const char *room_id, const char *mode);

/* Records that a host took participant_id off the stage of room_id (off
 * 1, at now_ms) or brought it back (off 0) (migration 7). AULA_ENOENT: no
 * such room. */
int aula_store_stage_set_off(aula_store *s, const char *room_id, const char *participant_id,
                             int off, int64_t now_ms);
/* *off: 1 when participant_id was taken off the stage of room_id and not
 * brought back since, else 0. */
int aula_store_stage_is_off(aula_store *s, const char *room_id, const char *participant_id,
                            int *off);

#endif
