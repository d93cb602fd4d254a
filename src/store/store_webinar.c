/* Backend-independent half of the webinar records: helpers and
 * dispatchers. */
#include "store/store_webinar.h"

#include "core/alloc.h"
#include "core/error.h"

#include <assert.h>
#include <string.h>

void aula_question_rec_deinit(aula_question_rec *q)
{
    if (!q)
        return;
    aula_free(q->room_id);
    aula_free(q->participant_id);
    aula_free(q->name);
    aula_free(q->text);
    aula_free(q->answer_text);
    aula_free(q->answer_by_id);
    aula_free(q->answer_by_name);
    memset(q, 0, sizeof *q);
}

void aula_question_recs_free(aula_question_rec *qs, size_t n)
{
    if (!qs)
        return;
    for (size_t i = 0; i < n; i++)
        aula_question_rec_deinit(&qs[i]);
    aula_free(qs);
}

void aula_poll_rec_deinit(aula_poll_rec *p)
{
    if (!p)
        return;
    aula_free(p->room_id);
    aula_free(p->question);
    for (size_t i = 0; i < p->n_choices; i++)
        aula_free(p->choices[i]);
    memset(p, 0, sizeof *p);
}

void aula_poll_recs_free(aula_poll_rec *ps, size_t n)
{
    if (!ps)
        return;
    for (size_t i = 0; i < n; i++)
        aula_poll_rec_deinit(&ps[i]);
    aula_free(ps);
}

static const aula_store_webinar_ops *ops(aula_store *s)
{
    assert(s && s->ops);
    return s->ops->webinar;
}

#define DISPATCH(call) (ops(s) ? ops(s)->call : AULA_ESTORE)

int aula_store_question_add(aula_store *s, const aula_question_rec *q, int64_t since_ms,
                            int max_since, int64_t *out_id)
{
    assert(q && q->room_id && q->participant_id && q->name && q->text && out_id);
    return DISPATCH(question_add(s, q, since_ms, max_since, out_id));
}

int aula_store_question_get(aula_store *s, const char *room_id, int64_t id, const char *viewer_id,
                            aula_question_rec *out)
{
    assert(room_id && out);
    memset(out, 0, sizeof *out);
    return DISPATCH(question_get(s, room_id, id, viewer_id, out));
}

int aula_store_questions_list(aula_store *s, const char *room_id, const char *viewer_id,
                              aula_question_rec **out, size_t *n)
{
    assert(room_id && out && n);
    *out = NULL;
    *n = 0;
    return DISPATCH(questions_list(s, room_id, viewer_id, out, n));
}

int aula_store_question_vote(aula_store *s, const char *room_id, int64_t id,
                             const char *participant_id, int64_t now_ms)
{
    assert(room_id && participant_id);
    return DISPATCH(question_vote(s, room_id, id, participant_id, now_ms));
}

int aula_store_question_answer(aula_store *s, const char *room_id, int64_t id, const char *text,
                               int live, const char *by_id, const char *by_name)
{
    assert(room_id && by_id && by_name);
    return DISPATCH(question_answer(s, room_id, id, text, live, by_id, by_name));
}

int aula_store_question_hide(aula_store *s, const char *room_id, int64_t id, int hidden)
{
    assert(room_id);
    return DISPATCH(question_hide(s, room_id, id, hidden));
}

int aula_store_poll_create(aula_store *s, const aula_poll_rec *p, int64_t *out_id)
{
    assert(p && p->room_id && p->question && out_id);
    assert(p->n_choices >= 2 && p->n_choices <= AULA_POLL_MAX_CHOICES);
    return DISPATCH(poll_create(s, p, out_id));
}

int aula_store_poll_get(aula_store *s, const char *room_id, int64_t id, aula_poll_rec *out)
{
    assert(room_id && out);
    memset(out, 0, sizeof *out);
    return DISPATCH(poll_get(s, room_id, id, out));
}

int aula_store_polls_list(aula_store *s, const char *room_id, aula_poll_rec **out, size_t *n)
{
    assert(room_id && out && n);
    *out = NULL;
    *n = 0;
    return DISPATCH(polls_list(s, room_id, out, n));
}

int aula_store_poll_update(aula_store *s, const char *room_id, int64_t id, int state,
                           int show_results)
{
    assert(room_id);
    return DISPATCH(poll_update(s, room_id, id, state, show_results));
}

int aula_store_poll_vote(aula_store *s, const char *room_id, int64_t id, const char *participant_id,
                         uint32_t choices, int64_t now_ms)
{
    assert(room_id && participant_id && choices);
    return DISPATCH(poll_vote(s, room_id, id, participant_id, choices, now_ms));
}

int aula_store_poll_counts(aula_store *s, int64_t id, int64_t counts[AULA_POLL_MAX_CHOICES],
                           int64_t *voters)
{
    assert(counts && voters);
    memset(counts, 0, AULA_POLL_MAX_CHOICES * sizeof counts[0]);
    *voters = 0;
    return DISPATCH(poll_counts(s, id, counts, voters));
}

int aula_store_poll_voted(aula_store *s, int64_t id, const char *participant_id, uint32_t *choices)
{
    assert(participant_id && choices);
    *choices = 0;
    return DISPATCH(poll_voted(s, id, participant_id, choices));
}

int aula_store_room_set_chat_mode(aula_store *s, const char *room_id, const char *mode)
{
    assert(room_id && mode);
    return DISPATCH(room_set_chat_mode(s, room_id, mode));
}

int aula_store_stage_set_off(aula_store *s, const char *room_id, const char *participant_id,
                             int off, int64_t now_ms)
{
    assert(room_id && participant_id);
    return DISPATCH(stage_set_off(s, room_id, participant_id, off, now_ms));
}

int aula_store_stage_is_off(aula_store *s, const char *room_id, const char *participant_id,
                            int *off)
{
    assert(room_id && participant_id && off);
    *off = 0;
    return DISPATCH(stage_is_off(s, room_id, participant_id, off));
}
