/* The webinar methods (docs/protocol.md, "Webinars"): chat mode, Q&A,
 * polls and the stage, plus the timer that sends what webinar.h throttles
 * (room.attendees, poll.results). Each method turns a session into its
 * participant and calls the sans-IO room logic (webinar.h, qa.h, polls.h). */
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "room/polls.h"
#include "room/qa.h"
#include "room/signaling_internal.h"
#include "room/text.h"
#include "room/webinar.h"

#include <stdio.h>
#include <string.h>

#define QA_PER_MINUTE_DEFAULT 3

typedef aula__session session;

/* ---- the flush timer -------------------------------------------------- */

struct aula__webinar_sig {
    uv_timer_t timer;
    aula_signaling *sig;               /* borrowed: owns this */
    char (*due)[AULA_ROOM_ID_LEN + 1]; /* owned: rooms waiting for a flush */
    size_t n_due, cap_due;
    int64_t armed_at; /* when the timer fires (wall ms); 0: not armed */
};

static void on_timer(uv_timer_t *t);

static void arm(aula__webinar_sig *ws, int64_t due_ms)
{
    if (ws->armed_at && ws->armed_at <= due_ms)
        return;
    int64_t now = aula_wall_ms();
    ws->armed_at = due_ms;
    uv_timer_start(&ws->timer, on_timer, due_ms > now ? (uint64_t)(due_ms - now) : 0, 0);
}

static void add_due(aula__webinar_sig *ws, const char *room_id)
{
    for (size_t i = 0; i < ws->n_due; i++)
        if (!strcmp(ws->due[i], room_id))
            return;
    if (ws->n_due == ws->cap_due) {
        ws->cap_due = ws->cap_due ? ws->cap_due * 2 : 8;
        ws->due = aula_realloc(ws->due, ws->cap_due * sizeof ws->due[0]);
    }
    snprintf(ws->due[ws->n_due++], sizeof ws->due[0], "%s", room_id);
}

static void on_wakeup(void *ud, const char *room_id, int64_t due_ms)
{
    aula__webinar_sig *ws = ud;
    add_due(ws, room_id);
    arm(ws, due_ms);
}

/* Flushes every room that asked; rooms with more to send later stay. */
static void on_timer(uv_timer_t *t)
{
    aula__webinar_sig *ws = t->data;
    ws->armed_at = 0;
    int64_t now = aula_wall_ms(), next = 0;
    size_t kept = 0;
    for (size_t i = 0; i < ws->n_due; i++) {
        aula_room *r = aula_rooms_find(ws->sig->rooms, ws->due[i]);
        int64_t due = r ? aula_webinar_flush(r, now) : 0;
        if (!due)
            continue;
        memmove(ws->due[kept++], ws->due[i], sizeof ws->due[0]);
        if (!next || due < next)
            next = due;
    }
    ws->n_due = kept;
    if (next)
        arm(ws, next);
}

aula__webinar_sig *aula__webinar_sig_create(aula_signaling *sig)
{
    aula__webinar_sig *ws = aula_calloc(1, sizeof *ws);
    ws->sig = sig;
    uv_timer_init(sig->loop, &ws->timer);
    ws->timer.data = ws;
    aula_rooms_set_wakeup(sig->rooms, on_wakeup, ws);
    return ws;
}

static void free_on_close(uv_handle_t *h)
{
    aula__webinar_sig *ws = h->data;
    aula_free(ws->due);
    aula_free(ws);
}

void aula__webinar_sig_destroy(aula__webinar_sig *ws)
{
    if (!ws)
        return;
    aula_rooms_set_wakeup(ws->sig->rooms, NULL, NULL);
    uv_close((uv_handle_t *)&ws->timer, free_on_close);
}

/* ---- helpers ---------------------------------------------------------- */

/* params[key] as a positive integer id, or 0 with err filled in. */
static int64_t id_param(json_t *params, const char *key, aula_rpc_error *err)
{
    json_t *v = params ? json_object_get(params, key) : NULL;
    if (!json_is_integer(v) || json_integer_value(v) < 1) {
        aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "%s: expected a %s id (a positive integer)",
                      key, key);
        return 0;
    }
    return (int64_t)json_integer_value(v);
}

/* ---- chat mode and stage ---------------------------------------------- */

json_t *aula__m_room_set_chat_mode(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    aula_participant *p = aula__session_joined(s, err);
    if (!p)
        return NULL;
    json_t *m = params ? json_object_get(params, "mode") : NULL;
    aula_chat_mode mode;
    if (!json_is_string(m) || aula_chat_mode_parse(json_string_value(m), &mode) != 0)
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS,
                             "mode: expected \"everyone\", \"hosts\" or \"off\"");
    char why[160] = "";
    int rc = aula_webinar_set_chat_mode(p, mode, why, sizeof why);
    return aula__rpc_outcome(rc, json_pack("{s:s}", "mode", aula_chat_mode_name(mode)), why, err);
}

static json_t *stage(session *s, json_t *params, int on, aula_rpc_error *err)
{
    aula_participant *p = aula__session_joined(s, err);
    if (!p)
        return NULL;
    const char *target = aula__participant_param(params, err);
    if (!target)
        return NULL;
    char why[160] = "";
    int rc = aula_webinar_stage(p, target, on, aula_wall_ms(), why, sizeof why);
    return aula__rpc_outcome(rc, NULL, why, err);
}

json_t *aula__m_stage_invite(void *ctx, json_t *params, aula_rpc_error *err)
{
    return stage(ctx, params, 1, err);
}

json_t *aula__m_stage_remove(void *ctx, json_t *params, aula_rpc_error *err)
{
    return stage(ctx, params, 0, err);
}

/* ---- Q&A -------------------------------------------------------------- */

json_t *aula__m_qa_ask(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    aula_participant *p = aula__session_joined(s, err);
    if (!p)
        return NULL;
    char *text = NULL;
    if (aula__clean_param(params, "text", AULA_QA_MAX_CHARS, &text, err) != 0)
        return NULL;
    uint32_t per_minute = s->sig->cfg.qa_per_minute;
    char why[160] = "";
    json_t *q = NULL;
    int rc = aula_qa_ask(p, text, per_minute ? (int)per_minute : QA_PER_MINUTE_DEFAULT,
                         aula_wall_ms(), &q, why, sizeof why);
    aula_free(text);
    return aula__rpc_outcome(rc, q ? json_pack("{s:o}", "question", q) : NULL, why, err);
}

json_t *aula__m_qa_upvote(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    aula_participant *p = aula__session_joined(s, err);
    int64_t id = p ? id_param(params, "question", err) : 0;
    if (!id)
        return NULL;
    char why[160] = "";
    json_t *q = NULL;
    int rc = aula_qa_upvote(p, id, aula_wall_ms(), &q, why, sizeof why);
    return aula__rpc_outcome(rc, q ? json_pack("{s:o}", "question", q) : NULL, why, err);
}

json_t *aula__m_qa_answer(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    aula_participant *p = aula__session_joined(s, err);
    int64_t id = p ? id_param(params, "question", err) : 0;
    if (!id)
        return NULL;
    int live = aula__bool_param(params, "live", 0, err);
    if (live < 0)
        return NULL;
    char *text = NULL;
    json_t *t = json_object_get(params, "text");
    if (t && !json_is_null(t) &&
        aula__clean_param(params, "text", AULA_CHAT_MAX_CHARS, &text, err) != 0)
        return NULL;
    char why[160] = "";
    json_t *q = NULL;
    int rc = aula_qa_answer(p, id, text, live, &q, why, sizeof why);
    aula_free(text);
    return aula__rpc_outcome(rc, q ? json_pack("{s:o}", "question", q) : NULL, why, err);
}

json_t *aula__m_qa_hide(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    aula_participant *p = aula__session_joined(s, err);
    int64_t id = p ? id_param(params, "question", err) : 0;
    if (!id)
        return NULL;
    int hidden = aula__bool_param(params, "hidden", 1, err);
    if (hidden < 0)
        return NULL;
    char why[160] = "";
    json_t *q = NULL;
    int rc = aula_qa_hide(p, id, hidden, &q, why, sizeof why);
    return aula__rpc_outcome(rc, q ? json_pack("{s:o}", "question", q) : NULL, why, err);
}

json_t *aula__m_qa_list(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    (void)params;
    aula_participant *p = aula__session_joined(s, err);
    if (!p)
        return NULL;
    char why[160] = "";
    json_t *list = NULL;
    int rc = aula_qa_list(p, &list, why, sizeof why);
    return aula__rpc_outcome(rc, list ? json_pack("{s:o}", "questions", list) : NULL, why, err);
}

/* ---- polls ------------------------------------------------------------ */

json_t *aula__m_poll_create(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    aula_participant *p = aula__session_joined(s, err);
    if (!p)
        return NULL;
    json_t *cv = params ? json_object_get(params, "choices") : NULL;
    size_t n = json_is_array(cv) ? json_array_size(cv) : 0;
    if (n < 2 || n > AULA_POLL_MAX_CHOICES)
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS,
                             "choices: expected an array of 2 to %d strings",
                             AULA_POLL_MAX_CHOICES);
    int multiple = aula__bool_param(params, "multiple", 0, err);
    if (multiple < 0)
        return NULL;
    char *question = NULL;
    char *choices[AULA_POLL_MAX_CHOICES] = {0};
    json_t *res = NULL;
    if (aula__clean_param(params, "question", AULA_POLL_QUESTION_MAX_CHARS, &question, err) != 0)
        goto out;
    for (size_t i = 0; i < n; i++) {
        json_t *one = json_pack("{s:O}", "choice", json_array_get(cv, i));
        int bad = !one || aula__clean_param(one, "choice", AULA_POLL_CHOICE_MAX_CHARS, &choices[i],
                                            err) != 0;
        json_decref(one);
        if (bad) {
            if (!one)
                aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "choices: expected strings");
            goto out;
        }
    }
    char why[160] = "";
    json_t *poll = NULL;
    int rc =
        aula_poll_create(p, question, choices, n, multiple, aula_wall_ms(), &poll, why, sizeof why);
    res = aula__rpc_outcome(rc, poll ? json_pack("{s:o}", "poll", poll) : NULL, why, err);
out:
    aula_free(question);
    for (size_t i = 0; i < n; i++)
        aula_free(choices[i]);
    return res;
}

static json_t *poll_host(session *s, json_t *params, int what, aula_rpc_error *err)
{
    aula_participant *p = aula__session_joined(s, err);
    int64_t id = p ? id_param(params, "poll", err) : 0;
    if (!id)
        return NULL;
    char why[160] = "";
    json_t *poll = NULL;
    int rc;
    if (what == 2) {
        int show = aula__bool_param(params, "show", -1, err);
        if (show < 0)
            return NULL;
        rc = aula_poll_show_results(p, id, show, &poll, why, sizeof why);
    } else {
        rc = aula_poll_set_open(p, id, what, &poll, why, sizeof why);
    }
    return aula__rpc_outcome(rc, poll ? json_pack("{s:o}", "poll", poll) : NULL, why, err);
}

json_t *aula__m_poll_open(void *ctx, json_t *params, aula_rpc_error *err)
{
    return poll_host(ctx, params, 1, err);
}

json_t *aula__m_poll_close(void *ctx, json_t *params, aula_rpc_error *err)
{
    return poll_host(ctx, params, 0, err);
}

json_t *aula__m_poll_show_results(void *ctx, json_t *params, aula_rpc_error *err)
{
    return poll_host(ctx, params, 2, err);
}

json_t *aula__m_poll_vote(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    aula_participant *p = aula__session_joined(s, err);
    int64_t id = p ? id_param(params, "poll", err) : 0;
    if (!id)
        return NULL;
    json_t *cv = json_object_get(params, "choices");
    size_t n = json_is_array(cv) ? json_array_size(cv) : 0;
    if (!json_is_array(cv) || n > AULA_POLL_MAX_CHOICES)
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS,
                             "choices: expected an array of choice indices");
    int choices[AULA_POLL_MAX_CHOICES];
    for (size_t i = 0; i < n; i++) {
        json_t *c = json_array_get(cv, i);
        if (!json_is_integer(c) || json_integer_value(c) < 0 || json_integer_value(c) > 1000000)
            return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS,
                                 "choices: expected an array of choice indices");
        choices[i] = (int)json_integer_value(c);
    }
    char why[160] = "";
    json_t *poll = NULL;
    int rc = aula_poll_vote(p, id, choices, n, aula_wall_ms(), &poll, why, sizeof why);
    return aula__rpc_outcome(rc, poll ? json_pack("{s:o}", "poll", poll) : NULL, why, err);
}

json_t *aula__m_poll_list(void *ctx, json_t *params, aula_rpc_error *err)
{
    session *s = ctx;
    (void)params;
    aula_participant *p = aula__session_joined(s, err);
    if (!p)
        return NULL;
    char why[160] = "";
    json_t *list = NULL;
    int rc = aula_poll_list(p, &list, why, sizeof why);
    return aula__rpc_outcome(rc, list ? json_pack("{s:o}", "polls", list) : NULL, why, err);
}
