#include "room/qa.h"

#include "core/error.h"
#include "core/log.h"
#include "core/alloc.h"
#include "room/room_internal.h"
#include "room/webinar_internal.h"
#include "store/store_webinar.h"

#include <string.h>

#define MINUTE_MS 60000

/* The question as JSON; voted < 0 leaves "voted" out (notifications). */
static json_t *question_json(const aula_question_rec *q, int voted)
{
    json_t *answer = json_null();
    if (q->answered)
        answer = json_pack("{s:o,s:b,s:{s:s,s:s}}", "text",
                           q->answer_text ? json_string(q->answer_text) : json_null(), "live",
                           q->answer_live, "by", "id", q->answer_by_id ? q->answer_by_id : "",
                           "name", q->answer_by_name ? q->answer_by_name : "");
    json_t *j = json_pack("{s:I,s:s,s:{s:s,s:s},s:I,s:I,s:b,s:o,s:b}", "id", (json_int_t)q->id,
                          "text", q->text, "from", "id", q->participant_id, "name", q->name, "ts",
                          (json_int_t)q->ts_ms, "votes", (json_int_t)q->votes, "answered",
                          q->answered, "answer", answer, "hidden", q->hidden);
    if (voted >= 0)
        json_object_set_new(j, "voted", json_boolean(voted));
    return j;
}

static int is_public(const aula_question_rec *q)
{
    return q->answered && !q->hidden;
}

static int may_see(const aula_participant *p, const aula_question_rec *q)
{
    return aula_participant_is_host(p) || !strcmp(q->participant_id, aula_participant_id(p)) ||
           is_public(q);
}

/* Tells who may see q about it. A question that was public and is not any
 * more (hidden) still goes to everyone, so pages drop it. */
static void tell(aula_room *r, const aula_question_rec *q, const char *method, int was_public)
{
    json_t *params = json_pack("{s:o}", "question", question_json(q, -1));
    if (is_public(q) || was_public) {
        aula_room_notify(r, method, params, NULL);
        return;
    }
    aula_participant *asker = aula_room_find(r, q->participant_id);
    if (asker && !aula_participant_is_host(asker))
        aula_participant_notify(asker, method, json_incref(params));
    aula_room_notify_hosts(r, method, params, NULL);
}

static int store_failed(int rc, char *why, size_t whylen)
{
    return aula__webinar_fail(rc == AULA_ENOENT ? AULA_ENOENT : AULA_ESTORE, why, whylen,
                              rc == AULA_ENOENT ? "no such question"
                                                : "the question was not saved, try again");
}

/* Loads question id as p sees it; AULA_ENOENT also when p may not see it
 * (its existence is not revealed). */
static int load(aula_participant *p, int64_t id, aula_question_rec *q, char *why, size_t whylen)
{
    aula_room *r = aula_participant_room(p);
    int rc =
        aula_store_question_get(aula_room_store(r), aula_room_id(r), id, aula_participant_id(p), q);
    if (rc == 0 && !may_see(p, q)) {
        aula_question_rec_deinit(q);
        rc = AULA_ENOENT;
    }
    return rc == 0 ? 0 : store_failed(rc, why, whylen);
}

int aula_qa_ask(aula_participant *p, const char *text, int per_minute, int64_t now_ms, json_t **out,
                char *why, size_t whylen)
{
    aula_room *r = aula_participant_room(p);
    aula_question_rec q = {
        .room_id = (char *)aula_room_id(r),
        .participant_id = (char *)aula_participant_id(p),
        .name = (char *)aula_participant_name(p),
        .text = (char *)text,
        .ts_ms = now_ms,
    };
    int rc =
        aula_store_question_add(aula_room_store(r), &q, now_ms - MINUTE_MS + 1, per_minute, &q.id);
    if (rc == AULA_EAGAIN)
        return aula__webinar_fail(AULA_EAGAIN, why, whylen,
                                  "you can ask %d question%s a minute: wait a moment and ask again",
                                  per_minute, per_minute == 1 ? "" : "s");
    if (rc != 0)
        return store_failed(rc == AULA_ENOENT ? AULA_ESTORE : rc, why, whylen);
    AULA_LOG_DEBUG("room", "question", "room=%s participant=%s id=%lld", aula_room_id(r),
                   aula_participant_id(p), (long long)q.id);
    tell(r, &q, "qa.question", 0);
    if (out)
        *out = question_json(&q, 0);
    return 0;
}

int aula_qa_upvote(aula_participant *p, int64_t id, int64_t now_ms, json_t **out, char *why,
                   size_t whylen)
{
    aula_room *r = aula_participant_room(p);
    aula_question_rec q;
    int rc = load(p, id, &q, why, whylen);
    if (rc != 0)
        return rc;
    if (!strcmp(q.participant_id, aula_participant_id(p))) {
        aula_question_rec_deinit(&q);
        return aula__webinar_fail(AULA_EPERM, why, whylen, "you cannot vote for your own question");
    }
    rc = aula_store_question_vote(aula_room_store(r), aula_room_id(r), id, aula_participant_id(p),
                                  now_ms);
    if (rc == AULA_EEXIST) {
        aula_question_rec_deinit(&q);
        return aula__webinar_fail(AULA_EEXIST, why, whylen, "you already voted for this question");
    }
    if (rc != 0) {
        aula_question_rec_deinit(&q);
        return store_failed(rc, why, whylen);
    }
    q.votes++;
    /* Many people upvote the same question within a second: the new count
     * goes out with the next flush (at most every AULA_WEBINAR_RESULTS_
     * EVERY_MS), once for all those votes. */
    aula_webinar *w = r->webinar;
    size_t i = 0;
    while (i < w->n_voted_questions && w->voted_questions[i] != id)
        i++;
    if (i == w->n_voted_questions) {
        w->voted_questions = aula_realloc(w->voted_questions, (i + 1) * sizeof *w->voted_questions);
        w->voted_questions[w->n_voted_questions++] = id;
    }
    aula__results_changed(r, now_ms);
    if (out)
        *out = question_json(&q, 1);
    aula_question_rec_deinit(&q);
    return 0;
}

/* A host's change to a question: check, store (by fn), re-read, tell. */
static int host_change(aula_participant *host, int64_t id, const char *what, json_t **out,
                       char *why, size_t whylen, int (*change)(aula_room *r, int64_t id, void *arg),
                       void *arg)
{
    if (!aula_participant_is_host(host))
        return aula__webinar_fail(AULA_EPERM, why, whylen, "only hosts can %s questions", what);
    aula_room *r = aula_participant_room(host);
    aula_question_rec before, after;
    int rc = load(host, id, &before, why, whylen);
    if (rc != 0)
        return rc;
    int was_public = is_public(&before);
    aula_question_rec_deinit(&before);
    rc = change(r, id, arg);
    if (rc == 0)
        rc = aula_store_question_get(aula_room_store(r), aula_room_id(r), id,
                                     aula_participant_id(host), &after);
    if (rc != 0)
        return store_failed(rc, why, whylen);
    tell(r, &after, "qa.updated", was_public);
    if (out)
        *out = question_json(&after, after.voted);
    aula_question_rec_deinit(&after);
    return 0;
}

typedef struct answer_arg {
    const char *text;
    int live;
    const aula_participant *by;
} answer_arg;

static int do_answer(aula_room *r, int64_t id, void *arg)
{
    answer_arg *a = arg;
    return aula_store_question_answer(aula_room_store(r), aula_room_id(r), id, a->text, a->live,
                                      aula_participant_id(a->by), aula_participant_name(a->by));
}

static int do_hide(aula_room *r, int64_t id, void *arg)
{
    return aula_store_question_hide(aula_room_store(r), aula_room_id(r), id, *(int *)arg);
}

int aula_qa_answer(aula_participant *host, int64_t id, const char *text, int live, json_t **out,
                   char *why, size_t whylen)
{
    answer_arg a = {text, live, host};
    return host_change(host, id, "answer", out, why, whylen, do_answer, &a);
}

int aula_qa_hide(aula_participant *host, int64_t id, int hidden, json_t **out, char *why,
                 size_t whylen)
{
    return host_change(host, id, "hide", out, why, whylen, do_hide, &hidden);
}

void aula__qa_flush(aula_room *r)
{
    aula_webinar *w = r->webinar;
    for (size_t i = 0; i < w->n_voted_questions; i++) {
        aula_question_rec q;
        if (aula_store_question_get(aula_room_store(r), aula_room_id(r), w->voted_questions[i],
                                    NULL, &q) != 0)
            continue; /* logged by the store; the next vote tells again */
        tell(r, &q, "qa.updated", is_public(&q));
        aula_question_rec_deinit(&q);
    }
    w->n_voted_questions = 0;
}

int aula_qa_list(aula_participant *p, json_t **out, char *why, size_t whylen)
{
    aula_room *r = aula_participant_room(p);
    aula_question_rec *qs = NULL;
    size_t n = 0;
    int rc = aula_store_questions_list(aula_room_store(r), aula_room_id(r), aula_participant_id(p),
                                       &qs, &n);
    if (rc != 0)
        return aula__webinar_fail(AULA_ESTORE, why, whylen, "could not read the questions");
    *out = json_array();
    for (size_t i = 0; i < n; i++)
        if (may_see(p, &qs[i]))
            json_array_append_new(*out, question_json(&qs[i], qs[i].voted));
    aula_question_recs_free(qs, n);
    return 0;
}
