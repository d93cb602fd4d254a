#include "room/polls.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "room/room_internal.h"
#include "room/webinar_internal.h"

#include <string.h>

static const char *const state_names[] = {"draft", "open", "closed"};

static json_t *counts_json(const int64_t *counts, size_t n)
{
    json_t *a = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(a, json_integer((json_int_t)counts[i]));
    return a;
}

/* The poll as viewer sees it: results only for hosts or when shown. */
static json_t *poll_json(aula_room *r, const aula_poll_rec *p, const aula_participant *viewer)
{
    json_t *choices = json_array();
    for (size_t i = 0; i < p->n_choices; i++)
        json_array_append_new(choices, json_string(p->choices[i]));
    json_t *j =
        json_pack("{s:I,s:s,s:o,s:b,s:s,s:b,s:I}", "id", (json_int_t)p->id, "question", p->question,
                  "choices", choices, "multiple", p->multiple, "state", state_names[p->state],
                  "show_results", p->show_results, "created", (json_int_t)p->created_ms);
    if (viewer) {
        uint32_t mine = 0;
        aula_store_poll_voted(aula_room_store(r), p->id, aula_participant_id(viewer), &mine);
        json_t *v = json_null();
        if (mine) {
            v = json_array();
            for (size_t i = 0; i < p->n_choices; i++)
                if (mine & (1u << i))
                    json_array_append_new(v, json_integer((json_int_t)i));
        }
        json_object_set_new(j, "voted", v);
    }
    if (!viewer || aula_participant_is_host(viewer) || p->show_results) {
        aula__poll_tally *t = aula__poll_tally_get(r, p->id, p->n_choices, p->show_results);
        if (t && (p->show_results || (viewer && aula_participant_is_host(viewer))))
            json_object_set_new(j, "results",
                                json_pack("{s:o,s:I}", "counts",
                                          counts_json(t->counts, t->n_choices), "voters",
                                          (json_int_t)t->voters));
    }
    return j;
}

aula__poll_tally *aula__poll_tally_get(aula_room *r, int64_t id, size_t n_choices, int show)
{
    aula_webinar *w = r->webinar;
    for (size_t i = 0; i < w->n_tallies; i++)
        if (w->tallies[i].id == id)
            return &w->tallies[i];
    aula__poll_tally t = {.id = id, .n_choices = n_choices, .show = show};
    if (aula_store_poll_counts(aula_room_store(r), id, t.counts, &t.voters) != 0)
        return NULL;
    w->tallies = aula_realloc(w->tallies, (w->n_tallies + 1) * sizeof *w->tallies);
    w->tallies[w->n_tallies] = t;
    return &w->tallies[w->n_tallies++];
}

static json_t *results_json(const aula__poll_tally *t)
{
    return json_pack("{s:I,s:o,s:I}", "poll", (json_int_t)t->id, "counts",
                     counts_json(t->counts, t->n_choices), "voters", (json_int_t)t->voters);
}

void aula__polls_flush(aula_room *r)
{
    aula_webinar *w = r->webinar;
    for (size_t i = 0; i < w->n_tallies; i++) {
        aula__poll_tally *t = &w->tallies[i];
        if (!t->dirty)
            continue;
        t->dirty = 0;
        if (t->show)
            aula_room_notify(r, "poll.results", results_json(t), NULL);
        else
            aula_room_notify_hosts(r, "poll.results", results_json(t), NULL);
    }
}

static int store_failed(int rc, char *why, size_t whylen)
{
    return aula__webinar_fail(rc == AULA_ENOENT ? AULA_ENOENT : AULA_ESTORE, why, whylen,
                              rc == AULA_ENOENT ? "no such poll"
                                                : "the poll was not saved, try again");
}

/* Loads poll id as p sees it (drafts: hosts only). */
static int load(aula_participant *p, int64_t id, aula_poll_rec *out, char *why, size_t whylen)
{
    aula_room *r = aula_participant_room(p);
    int rc = aula_store_poll_get(aula_room_store(r), aula_room_id(r), id, out);
    if (rc == 0 && out->state == AULA_POLL_DRAFT && !aula_participant_is_host(p)) {
        aula_poll_rec_deinit(out);
        rc = AULA_ENOENT;
    }
    return rc == 0 ? 0 : store_failed(rc, why, whylen);
}

int aula_poll_create(aula_participant *host, const char *question, char *const *choices,
                     size_t n_choices, int multiple, int64_t now_ms, json_t **out, char *why,
                     size_t whylen)
{
    if (!aula_participant_is_host(host))
        return aula__webinar_fail(AULA_EPERM, why, whylen, "only hosts can create polls");
    if (n_choices < 2 || n_choices > AULA_POLL_MAX_CHOICES)
        return aula__webinar_fail(AULA_EINVAL, why, whylen, "choices: give 2 to %d choices",
                                  AULA_POLL_MAX_CHOICES);
    aula_room *r = aula_participant_room(host);
    aula_poll_rec p = {
        .room_id = (char *)aula_room_id(r),
        .question = (char *)question,
        .n_choices = n_choices,
        .multiple = multiple,
        .state = AULA_POLL_DRAFT,
        .created_ms = now_ms,
    };
    memcpy(p.choices, choices, n_choices * sizeof *choices);
    int rc = aula_store_poll_create(aula_room_store(r), &p, &p.id);
    if (rc != 0)
        return store_failed(rc == AULA_ENOENT ? AULA_ESTORE : rc, why, whylen);
    AULA_LOG_DEBUG("room", "poll created", "room=%s poll=%lld", aula_room_id(r), (long long)p.id);
    aula_room_notify_hosts(r, "poll.created", json_pack("{s:o}", "poll", poll_json(r, &p, NULL)),
                           NULL);
    if (out)
        *out = poll_json(r, &p, host);
    return 0;
}

/* A host's change of state or show_results: store, tell, answer. */
static int host_update(aula_participant *host, int64_t id, int state, int show, json_t **out,
                       char *why, size_t whylen)
{
    if (!aula_participant_is_host(host))
        return aula__webinar_fail(AULA_EPERM, why, whylen, "only hosts can run polls");
    aula_room *r = aula_participant_room(host);
    int rc = aula_store_poll_update(aula_room_store(r), aula_room_id(r), id, state, show);
    aula_poll_rec p;
    if (rc == 0)
        rc = aula_store_poll_get(aula_room_store(r), aula_room_id(r), id, &p);
    if (rc != 0)
        return store_failed(rc, why, whylen);
    aula__poll_tally *t = aula__poll_tally_get(r, id, p.n_choices, p.show_results);
    if (t)
        t->show = p.show_results;
    /* Everyone gets the same text: the poll with results when shown. */
    const char *method = state == AULA_POLL_OPEN     ? "poll.opened"
                         : state == AULA_POLL_CLOSED ? "poll.closed"
                                                     : "poll.updated";
    aula_room_notify(r, method, json_pack("{s:o}", "poll", poll_json(r, &p, NULL)), NULL);
    if (state < 0 && p.show_results && t)
        aula_room_notify(r, "poll.results", results_json(t), NULL);
    if (out)
        *out = poll_json(r, &p, host);
    aula_poll_rec_deinit(&p);
    return 0;
}

int aula_poll_set_open(aula_participant *host, int64_t id, int open, json_t **out, char *why,
                       size_t whylen)
{
    return host_update(host, id, open ? AULA_POLL_OPEN : AULA_POLL_CLOSED, -1, out, why, whylen);
}

int aula_poll_show_results(aula_participant *host, int64_t id, int show, json_t **out, char *why,
                           size_t whylen)
{
    return host_update(host, id, -1, show ? 1 : 0, out, why, whylen);
}

/* The choices as a bit set, or 0 with why filled in. */
static uint32_t choice_set(const aula_poll_rec *p, const int *choices, size_t n, char *why,
                           size_t whylen)
{
    if (!p->multiple && n != 1) {
        aula__webinar_fail(AULA_EINVAL, why, whylen, "choices: this poll takes exactly one choice");
        return 0;
    }
    if (n == 0) {
        aula__webinar_fail(AULA_EINVAL, why, whylen, "choices: choose at least one");
        return 0;
    }
    uint32_t set = 0;
    for (size_t i = 0; i < n; i++) {
        if (choices[i] < 0 || (size_t)choices[i] >= p->n_choices) {
            aula__webinar_fail(AULA_EINVAL, why, whylen, "choices: %d is not a choice of this poll",
                               choices[i]);
            return 0;
        }
        if (set & (1u << choices[i])) {
            aula__webinar_fail(AULA_EINVAL, why, whylen, "choices: %d is given twice", choices[i]);
            return 0;
        }
        set |= 1u << choices[i];
    }
    return set;
}

int aula_poll_vote(aula_participant *voter, int64_t id, const int *choices, size_t n,
                   int64_t now_ms, json_t **out, char *why, size_t whylen)
{
    aula_room *r = aula_participant_room(voter);
    aula_poll_rec p;
    int rc = load(voter, id, &p, why, whylen);
    if (rc != 0)
        return rc;
    if (p.state != AULA_POLL_OPEN) {
        aula_poll_rec_deinit(&p);
        return aula__webinar_fail(AULA_EPERM, why, whylen, "this poll is closed");
    }
    uint32_t set = choice_set(&p, choices, n, why, whylen);
    if (!set) {
        aula_poll_rec_deinit(&p);
        return AULA_EINVAL;
    }
    rc = aula_store_poll_vote(aula_room_store(r), aula_room_id(r), id, aula_participant_id(voter),
                              set, now_ms);
    if (rc == AULA_EEXIST) {
        aula_poll_rec_deinit(&p);
        return aula__webinar_fail(AULA_EEXIST, why, whylen, "you have already voted in this poll");
    }
    if (rc != 0) {
        aula_poll_rec_deinit(&p);
        return store_failed(rc, why, whylen);
    }
    /* The tally may predate this vote (then it is counted here) or be
     * loaded now from the store (then it already has it). */
    aula_webinar *w = r->webinar;
    size_t before = w->n_tallies;
    aula__poll_tally *t = NULL;
    for (size_t i = 0; i < before && !t; i++)
        if (w->tallies[i].id == id)
            t = &w->tallies[i];
    if (t) {
        t->voters++;
        for (size_t i = 0; i < t->n_choices; i++)
            t->counts[i] += (set >> i) & 1u;
    } else {
        t = aula__poll_tally_get(r, id, p.n_choices, p.show_results);
    }
    if (t) {
        t->dirty = 1;
        aula__results_changed(r, now_ms);
    }
    if (out)
        *out = poll_json(r, &p, voter);
    aula_poll_rec_deinit(&p);
    return 0;
}

int aula_poll_list(aula_participant *viewer, json_t **out, char *why, size_t whylen)
{
    aula_room *r = aula_participant_room(viewer);
    aula_poll_rec *ps = NULL;
    size_t n = 0;
    if (aula_store_polls_list(aula_room_store(r), aula_room_id(r), &ps, &n) != 0)
        return aula__webinar_fail(AULA_ESTORE, why, whylen, "could not read the polls");
    *out = json_array();
    for (size_t i = 0; i < n; i++)
        if (ps[i].state != AULA_POLL_DRAFT || aula_participant_is_host(viewer))
            json_array_append_new(*out, poll_json(r, &ps[i], viewer));
    aula_poll_recs_free(ps, n);
    return 0;
}
