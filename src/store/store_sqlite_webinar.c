/* The SQLite side of the webinar records (migration 5: questions,
 * question_votes, polls, poll_choices, poll_votes; rooms.chat_mode from
 * migration 4).
 *
 * Statements are prepared per call, as in store_sqlite_files.c: Q&A and
 * polls are rare next to chat lines, and it keeps store_sqlite.c's
 * statement table untouched. Ids are MAX(id) + 1 inside the writing
 * transaction (portable to PostgreSQL, dense per database). Writes of more
 * than one row run inside BEGIN IMMEDIATE; each call leaves no statement
 * open. */
#include "store/store_webinar.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "store/store_sqlite_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define QUESTION_COLUMNS                                                                           \
    "q.id, q.room_id, q.participant_id, q.name, q.text, q.ts_ms, q.votes, q.answered, "            \
    "q.answer_text, q.answer_live, q.answer_by_id, q.answer_by_name, q.hidden, "                   \
    "EXISTS (SELECT 1 FROM question_votes v WHERE v.question_id = q.id AND "                       \
    "v.participant_id = ?9)"

static int fail(sqlite3 *db, int rc, const char *op, const char *room_id)
{
    char qop[64], qroom[128], qmsg[512];
    AULA_LOG_ERROR("store", "sqlite error", "op=%s room=%s code=%d detail=%s",
                   aula_log_quote(qop, sizeof qop, op),
                   aula_log_quote(qroom, sizeof qroom, room_id ? room_id : ""), rc,
                   aula_log_quote(qmsg, sizeof qmsg, sqlite3_errmsg(db)));
    return AULA_ESTORE;
}

/* Prepares sql and binds its parameters from fmt: 't' text (NULL binds
 * NULL), 'I' int64_t, 'i' int. Returns an SQLite code. */
static int prep(sqlite3 *db, sqlite3_stmt **st, const char *sql, const char *fmt, ...)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt[i] && rc == SQLITE_OK; i++) {
        if (fmt[i] == 't') {
            const char *v = va_arg(ap, const char *);
            rc = v ? sqlite3_bind_text(*st, i + 1, v, -1, SQLITE_STATIC)
                   : sqlite3_bind_null(*st, i + 1);
        } else if (fmt[i] == 'I') {
            rc = sqlite3_bind_int64(*st, i + 1, va_arg(ap, int64_t));
        } else {
            rc = sqlite3_bind_int(*st, i + 1, va_arg(ap, int));
        }
    }
    va_end(ap);
    return rc;
}

static char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? aula_strndup((const char *)t, (size_t)sqlite3_column_bytes(st, i)) : NULL;
}

static int begin(sqlite3 *db, const char *op, const char *room_id)
{
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(db, rc, op, room_id);
}

/* Commits when err is 0, else rolls back; returns the outcome. */
static int finish(sqlite3 *db, int err, const char *op, const char *room_id)
{
    if (err == 0) {
        int rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            err = fail(db, rc, op, room_id);
    }
    if (err != 0 && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}

/* Runs a statement that returns at most one integer row (*out, may be
 * NULL). Returns 0, AULA_ENOENT for no row, or AULA_ESTORE. Finalizes st. */
static int step1(sqlite3 *db, sqlite3_stmt *st, int rc, int64_t *out, const char *op,
                 const char *room_id)
{
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW) {
        if (out)
            *out = sqlite3_column_int64(st, 0);
    } else if (rc == SQLITE_DONE) {
        err = AULA_ENOENT;
    } else if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        err = AULA_EEXIST;
    } else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        err = AULA_ENOENT;
    } else {
        err = fail(db, rc, op, room_id);
    }
    sqlite3_finalize(st);
    return err;
}

/* Runs a write statement (finalizes st): 0, AULA_EEXIST (primary key),
 * AULA_ENOENT (a foreign key, or no row changed when must_change), or
 * AULA_ESTORE. */
static int write1(sqlite3 *db, sqlite3_stmt *st, int rc, int must_change, const char *op,
                  const char *room_id)
{
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err;
    if (rc == SQLITE_DONE)
        err = must_change && sqlite3_changes(db) == 0 ? AULA_ENOENT : 0;
    else if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        err = AULA_EEXIST;
    else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        err = AULA_ENOENT;
    else
        err = fail(db, rc, op, room_id);
    sqlite3_finalize(st);
    return err;
}

/* ---- questions ---------------------------------------------------------------------------- */

static int op_question_add(aula_store *s, const aula_question_rec *q, int64_t since_ms,
                           int max_since, int64_t *out_id)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    int err = begin(db, "question add", q->room_id);
    if (err)
        return err;
    sqlite3_stmt *st = NULL;
    int64_t recent = 0, id = 0;
    int rc = prep(db, &st,
                  "SELECT COUNT(*) FROM questions WHERE room_id = ?1 AND participant_id = ?2 "
                  "AND ts_ms >= ?3",
                  "ttI", q->room_id, q->participant_id, since_ms);
    err = step1(db, st, rc, &recent, "question count", q->room_id);
    if (err == 0 && recent >= max_since)
        err = AULA_EAGAIN;
    if (err == 0) {
        rc = prep(db, &st, "SELECT COALESCE(MAX(id), 0) + 1 FROM questions", "");
        err = step1(db, st, rc, &id, "question id", q->room_id);
    }
    if (err == 0) {
        rc = prep(db, &st,
                  "INSERT INTO questions (id, room_id, participant_id, name, text, ts_ms) "
                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
                  "IttttI", id, q->room_id, q->participant_id, q->name, q->text, q->ts_ms);
        err = write1(db, st, rc, 1, "question add", q->room_id);
    }
    err = finish(db, err, "question add commit", q->room_id);
    if (err == 0)
        *out_id = id;
    return err;
}

static void read_question(sqlite3_stmt *st, aula_question_rec *q)
{
    q->id = sqlite3_column_int64(st, 0);
    q->room_id = col(st, 1);
    q->participant_id = col(st, 2);
    q->name = col(st, 3);
    q->text = col(st, 4);
    q->ts_ms = sqlite3_column_int64(st, 5);
    q->votes = sqlite3_column_int64(st, 6);
    q->answered = sqlite3_column_int(st, 7);
    q->answer_text = col(st, 8);
    q->answer_live = sqlite3_column_int(st, 9);
    q->answer_by_id = col(st, 10);
    q->answer_by_name = col(st, 11);
    q->hidden = sqlite3_column_int(st, 12);
    q->voted = sqlite3_column_int(st, 13);
}

/* Binds the viewer as ?9 (QUESTION_COLUMNS refers to it). */
static int bind_viewer(sqlite3_stmt *st, int rc, const char *viewer_id)
{
    if (rc != SQLITE_OK)
        return rc;
    return viewer_id ? sqlite3_bind_text(st, 9, viewer_id, -1, SQLITE_STATIC)
                     : sqlite3_bind_null(st, 9);
}

static int op_question_get(aula_store *s, const char *room_id, int64_t id, const char *viewer_id,
                           aula_question_rec *out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prep(db, &st,
                  "SELECT " QUESTION_COLUMNS " FROM questions q WHERE q.room_id = ?1 AND q.id = ?2",
                  "tI", room_id, id);
    rc = bind_viewer(st, rc, viewer_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW)
        read_question(st, out);
    else if (rc == SQLITE_DONE)
        err = AULA_ENOENT;
    else
        err = fail(db, rc, "question get", room_id);
    sqlite3_finalize(st);
    return err;
}

static int op_questions_list(aula_store *s, const char *room_id, const char *viewer_id,
                             aula_question_rec **out, size_t *n_out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prep(db, &st,
                  "SELECT " QUESTION_COLUMNS " FROM questions q WHERE q.room_id = ?1 ORDER BY q.id",
                  "t", room_id);
    rc = bind_viewer(st, rc, viewer_id);
    aula_question_rec *recs = NULL;
    size_t n = 0, cap = 0;
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
            break;
        if (n == cap) {
            cap = cap ? cap * 2 : 16;
            recs = aula_realloc(recs, cap * sizeof *recs);
        }
        memset(&recs[n], 0, sizeof recs[n]);
        read_question(st, &recs[n++]);
    }
    int err = rc == SQLITE_DONE ? 0 : fail(db, rc, "questions list", room_id);
    sqlite3_finalize(st);
    if (err || n == 0) {
        aula_question_recs_free(recs, n);
        return err;
    }
    *out = recs;
    *n_out = n;
    return 0;
}

/* The vote row is the "once" rule; the count on the question is kept in
 * the same transaction so lists need no aggregate. */
static int op_question_vote(aula_store *s, const char *room_id, int64_t id,
                            const char *participant_id, int64_t now_ms)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    int err = begin(db, "question vote", room_id);
    if (err)
        return err;
    sqlite3_stmt *st = NULL;
    int rc =
        prep(db, &st, "SELECT id FROM questions WHERE room_id = ?1 AND id = ?2", "tI", room_id, id);
    err = step1(db, st, rc, NULL, "question vote check", room_id);
    if (err == 0) {
        rc = prep(db, &st,
                  "INSERT INTO question_votes (question_id, participant_id, ts_ms) "
                  "VALUES (?1, ?2, ?3)",
                  "ItI", id, participant_id, now_ms);
        err = write1(db, st, rc, 1, "question vote", room_id);
    }
    if (err == 0) {
        rc = prep(db, &st, "UPDATE questions SET votes = votes + 1 WHERE id = ?1", "I", id);
        err = write1(db, st, rc, 1, "question vote count", room_id);
    }
    return finish(db, err, "question vote commit", room_id);
}

static int op_question_answer(aula_store *s, const char *room_id, int64_t id, const char *text,
                              int live, const char *by_id, const char *by_name)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prep(db, &st,
                  "UPDATE questions SET answered = 1, answer_text = ?3, answer_live = ?4, "
                  "answer_by_id = ?5, answer_by_name = ?6 WHERE room_id = ?1 AND id = ?2",
                  "tItitt", room_id, id, text, live, by_id, by_name);
    return write1(db, st, rc, 1, "question answer", room_id);
}

static int op_question_hide(aula_store *s, const char *room_id, int64_t id, int hidden)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prep(db, &st, "UPDATE questions SET hidden = ?3 WHERE room_id = ?1 AND id = ?2", "tIi",
                  room_id, id, hidden);
    return write1(db, st, rc, 1, "question hide", room_id);
}

/* ---- polls -------------------------------------------------------------------------------- */

static int op_poll_create(aula_store *s, const aula_poll_rec *p, int64_t *out_id)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    int err = begin(db, "poll create", p->room_id);
    if (err)
        return err;
    sqlite3_stmt *st = NULL;
    int64_t id = 0;
    int rc = prep(db, &st, "SELECT COALESCE(MAX(id), 0) + 1 FROM polls", "");
    err = step1(db, st, rc, &id, "poll id", p->room_id);
    if (err == 0) {
        rc = prep(db, &st,
                  "INSERT INTO polls (id, room_id, question, multiple, state, show_results, "
                  "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
                  "IttiiiI", id, p->room_id, p->question, p->multiple ? 1 : 0, (int)p->state,
                  p->show_results ? 1 : 0, p->created_ms);
        err = write1(db, st, rc, 1, "poll create", p->room_id);
    }
    for (size_t i = 0; err == 0 && i < p->n_choices; i++) {
        rc = prep(db, &st, "INSERT INTO poll_choices (poll_id, idx, text) VALUES (?1, ?2, ?3)",
                  "Iit", id, (int)i, p->choices[i]);
        err = write1(db, st, rc, 1, "poll choice", p->room_id);
    }
    err = finish(db, err, "poll create commit", p->room_id);
    if (err == 0)
        *out_id = id;
    return err;
}

#define POLL_COLUMNS "id, room_id, question, multiple, state, show_results, created_ms"

static int read_choices(sqlite3 *db, aula_poll_rec *p)
{
    sqlite3_stmt *st = NULL;
    int rc =
        prep(db, &st, "SELECT text FROM poll_choices WHERE poll_id = ?1 ORDER BY idx", "I", p->id);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW || p->n_choices == AULA_POLL_MAX_CHOICES)
            break;
        p->choices[p->n_choices++] = col(st, 0);
    }
    int err = rc == SQLITE_DONE || rc == SQLITE_ROW ? 0 : fail(db, rc, "poll choices", p->room_id);
    sqlite3_finalize(st);
    return err;
}

static void read_poll(sqlite3_stmt *st, aula_poll_rec *p)
{
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    p->room_id = col(st, 1);
    p->question = col(st, 2);
    p->multiple = sqlite3_column_int(st, 3);
    p->state = (aula_poll_state)sqlite3_column_int(st, 4);
    p->show_results = sqlite3_column_int(st, 5);
    p->created_ms = sqlite3_column_int64(st, 6);
}

static int op_poll_get(aula_store *s, const char *room_id, int64_t id, aula_poll_rec *out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prep(db, &st, "SELECT " POLL_COLUMNS " FROM polls WHERE room_id = ?1 AND id = ?2",
                  "tI", room_id, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW)
        read_poll(st, out);
    else if (rc == SQLITE_DONE)
        err = AULA_ENOENT;
    else
        err = fail(db, rc, "poll get", room_id);
    sqlite3_finalize(st);
    if (err == 0 && (err = read_choices(db, out)) != 0)
        aula_poll_rec_deinit(out);
    return err;
}

static int op_polls_list(aula_store *s, const char *room_id, aula_poll_rec **out, size_t *n_out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prep(db, &st, "SELECT " POLL_COLUMNS " FROM polls WHERE room_id = ?1 ORDER BY id", "t",
                  room_id);
    aula_poll_rec *recs = NULL;
    size_t n = 0, cap = 0;
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
            break;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            recs = aula_realloc(recs, cap * sizeof *recs);
        }
        read_poll(st, &recs[n++]);
    }
    int err = rc == SQLITE_DONE ? 0 : fail(db, rc, "polls list", room_id);
    sqlite3_finalize(st);
    for (size_t i = 0; err == 0 && i < n; i++)
        err = read_choices(db, &recs[i]);
    if (err || n == 0) {
        aula_poll_recs_free(recs, n);
        return err;
    }
    *out = recs;
    *n_out = n;
    return 0;
}

static int op_poll_update(aula_store *s, const char *room_id, int64_t id, int state,
                          int show_results)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prep(db, &st,
                  "UPDATE polls SET state = CASE WHEN ?3 < 0 THEN state ELSE ?3 END, "
                  "show_results = CASE WHEN ?4 < 0 THEN show_results ELSE ?4 END "
                  "WHERE room_id = ?1 AND id = ?2",
                  "tIii", room_id, id, state, show_results);
    return write1(db, st, rc, 1, "poll update", room_id);
}

static int op_poll_vote(aula_store *s, const char *room_id, int64_t id, const char *participant_id,
                        uint32_t choices, int64_t now_ms)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    int err = begin(db, "poll vote", room_id);
    if (err)
        return err;
    sqlite3_stmt *st = NULL;
    int rc =
        prep(db, &st, "SELECT id FROM polls WHERE room_id = ?1 AND id = ?2", "tI", room_id, id);
    err = step1(db, st, rc, NULL, "poll vote check", room_id);
    if (err == 0) {
        rc = prep(db, &st,
                  "INSERT INTO poll_votes (poll_id, participant_id, choices, ts_ms) "
                  "VALUES (?1, ?2, ?3, ?4)",
                  "ItII", id, participant_id, (int64_t)choices, now_ms);
        err = write1(db, st, rc, 1, "poll vote", room_id);
    }
    return finish(db, err, "poll vote commit", room_id);
}

static int op_poll_counts(aula_store *s, int64_t id, int64_t counts[AULA_POLL_MAX_CHOICES],
                          int64_t *voters)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prep(db, &st, "SELECT choices FROM poll_votes WHERE poll_id = ?1", "I", id);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
            break;
        uint32_t set = (uint32_t)sqlite3_column_int64(st, 0);
        (*voters)++;
        for (int i = 0; i < AULA_POLL_MAX_CHOICES; i++)
            if (set & (1u << i))
                counts[i]++;
    }
    int err = rc == SQLITE_DONE ? 0 : fail(db, rc, "poll counts", NULL);
    sqlite3_finalize(st);
    return err;
}

static int op_poll_voted(aula_store *s, int64_t id, const char *participant_id, uint32_t *choices)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    int rc =
        prep(db, &st, "SELECT choices FROM poll_votes WHERE poll_id = ?1 AND participant_id = ?2",
             "It", id, participant_id);
    int err = step1(db, st, rc, &v, "poll voted", NULL);
    if (err == AULA_ENOENT)
        return 0;
    *choices = (uint32_t)v;
    return err;
}

static int op_room_set_chat_mode(aula_store *s, const char *room_id, const char *mode)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prep(db, &st, "UPDATE rooms SET chat_mode = ?2 WHERE id = ?1", "tt", room_id, mode);
    return write1(db, st, rc, 1, "room chat mode", room_id);
}

const aula_store_webinar_ops aula__sqlite_webinar_ops = {
    .question_add = op_question_add,
    .question_get = op_question_get,
    .questions_list = op_questions_list,
    .question_vote = op_question_vote,
    .question_answer = op_question_answer,
    .question_hide = op_question_hide,
    .poll_create = op_poll_create,
    .poll_get = op_poll_get,
    .polls_list = op_polls_list,
    .poll_update = op_poll_update,
    .poll_vote = op_poll_vote,
    .poll_counts = op_poll_counts,
    .poll_voted = op_poll_voted,
    .room_set_chat_mode = op_room_set_chat_mode,
};
