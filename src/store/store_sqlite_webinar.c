/* The SQLite side of the webinar records (migration 5: questions,
 * question_votes, polls, poll_choices, poll_votes; rooms.chat_mode from
 * migration 4; stage_off from migration 7).
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
#include "store/store_sqlite_internal.h"

#include <string.h>

#define QUESTION_COLUMNS                                                                           \
    "q.id, q.room_id, q.participant_id, q.name, q.text, q.ts_ms, q.votes, q.answered, "            \
    "q.answer_text, q.answer_live, q.answer_by_id, q.answer_by_name, q.hidden, "                   \
    "EXISTS (SELECT 1 FROM question_votes v WHERE v.question_id = q.id AND "                       \
    "v.participant_id = ?9)"

/* The key of this file's log lines. */
#define KEY "room"

/* ---- questions ---------------------------------------------------------------------------- */

static int op_question_add(aula_store *s, const aula_question_rec *q, int64_t since_ms,
                           int max_since, int64_t *out_id)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    int err = aula__sqlite_begin(db, "question add", KEY, q->room_id);
    if (err)
        return err;
    sqlite3_stmt *st = NULL;
    int64_t recent = 0, id = 0;
    int rc = aula__sqlite_prepare(
        db, &st,
        "SELECT COUNT(*) FROM questions WHERE room_id = ?1 AND participant_id = ?2 "
        "AND ts_ms >= ?3",
        "ssl", q->room_id, q->participant_id, since_ms);
    err = aula__sqlite_step_int(db, st, rc, &recent, "question count", KEY, q->room_id);
    if (err == 0 && recent >= max_since)
        err = AULA_EAGAIN;
    if (err == 0) {
        rc = aula__sqlite_prepare(db, &st, "SELECT COALESCE(MAX(id), 0) + 1 FROM questions", "");
        err = aula__sqlite_step_int(db, st, rc, &id, "question id", KEY, q->room_id);
    }
    if (err == 0) {
        rc = aula__sqlite_prepare(
            db, &st,
            "INSERT INTO questions (id, room_id, participant_id, name, text, ts_ms) "
            "VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            "lssssl", id, q->room_id, q->participant_id, q->name, q->text, q->ts_ms);
        err = aula__sqlite_write(db, st, rc, 1, "question add", KEY, q->room_id);
    }
    err = aula__sqlite_finish(db, err, "question add commit", KEY, q->room_id);
    if (err == 0)
        *out_id = id;
    return err;
}

static void read_question(sqlite3_stmt *st, void *rec)
{
    aula_question_rec *q = rec;
    q->id = sqlite3_column_int64(st, 0);
    q->room_id = aula__sqlite_text_dup(st, 1);
    q->participant_id = aula__sqlite_text_dup(st, 2);
    q->name = aula__sqlite_text_dup(st, 3);
    q->text = aula__sqlite_text_dup(st, 4);
    q->ts_ms = sqlite3_column_int64(st, 5);
    q->votes = sqlite3_column_int64(st, 6);
    q->answered = sqlite3_column_int(st, 7);
    q->answer_text = aula__sqlite_text_dup(st, 8);
    q->answer_live = sqlite3_column_int(st, 9);
    q->answer_by_id = aula__sqlite_text_dup(st, 10);
    q->answer_by_name = aula__sqlite_text_dup(st, 11);
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
    int rc = aula__sqlite_prepare(
        db, &st, "SELECT " QUESTION_COLUMNS " FROM questions q WHERE q.room_id = ?1 AND q.id = ?2",
        "sl", room_id, id);
    rc = bind_viewer(st, rc, viewer_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW)
        read_question(st, out);
    else if (rc == SQLITE_DONE)
        err = AULA_ENOENT;
    else
        err = aula__sqlite_fail(db, rc, "question get", KEY, room_id);
    sqlite3_finalize(st);
    return err;
}

static int op_questions_list(aula_store *s, const char *room_id, const char *viewer_id,
                             aula_question_rec **out, size_t *n_out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(
        db, &st, "SELECT " QUESTION_COLUMNS " FROM questions q WHERE q.room_id = ?1 ORDER BY q.id",
        "s", room_id);
    rc = bind_viewer(st, rc, viewer_id);
    size_t n = 0;
    aula_question_rec *recs = aula__sqlite_rows(st, &rc, sizeof *recs, read_question, &n);
    int err = rc == SQLITE_DONE ? 0 : aula__sqlite_fail(db, rc, "questions list", KEY, room_id);
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
    int err = aula__sqlite_begin(db, "question vote", KEY, room_id);
    if (err)
        return err;
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(
        db, &st, "SELECT id FROM questions WHERE room_id = ?1 AND id = ?2", "sl", room_id, id);
    err = aula__sqlite_step_int(db, st, rc, NULL, "question vote check", KEY, room_id);
    if (err == 0) {
        rc = aula__sqlite_prepare(db, &st,
                                  "INSERT INTO question_votes (question_id, participant_id, ts_ms) "
                                  "VALUES (?1, ?2, ?3)",
                                  "lsl", id, participant_id, now_ms);
        err = aula__sqlite_write(db, st, rc, 1, "question vote", KEY, room_id);
    }
    if (err == 0) {
        rc = aula__sqlite_prepare(db, &st, "UPDATE questions SET votes = votes + 1 WHERE id = ?1",
                                  "l", id);
        err = aula__sqlite_write(db, st, rc, 1, "question vote count", KEY, room_id);
    }
    return aula__sqlite_finish(db, err, "question vote commit", KEY, room_id);
}

static int op_question_answer(aula_store *s, const char *room_id, int64_t id, const char *text,
                              int live, const char *by_id, const char *by_name)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(
        db, &st,
        "UPDATE questions SET answered = 1, answer_text = ?3, answer_live = ?4, "
        "answer_by_id = ?5, answer_by_name = ?6 WHERE room_id = ?1 AND id = ?2",
        "slsdss", room_id, id, text, live, by_id, by_name);
    return aula__sqlite_write(db, st, rc, 1, "question answer", KEY, room_id);
}

static int op_question_hide(aula_store *s, const char *room_id, int64_t id, int hidden)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(db, &st,
                                  "UPDATE questions SET hidden = ?3 WHERE room_id = ?1 AND id = ?2",
                                  "sld", room_id, id, hidden);
    return aula__sqlite_write(db, st, rc, 1, "question hide", KEY, room_id);
}

/* ---- polls -------------------------------------------------------------------------------- */

static int op_poll_create(aula_store *s, const aula_poll_rec *p, int64_t *out_id)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    int err = aula__sqlite_begin(db, "poll create", KEY, p->room_id);
    if (err)
        return err;
    sqlite3_stmt *st = NULL;
    int64_t id = 0;
    int rc = aula__sqlite_prepare(db, &st, "SELECT COALESCE(MAX(id), 0) + 1 FROM polls", "");
    err = aula__sqlite_step_int(db, st, rc, &id, "poll id", KEY, p->room_id);
    if (err == 0) {
        rc = aula__sqlite_prepare(
            db, &st,
            "INSERT INTO polls (id, room_id, question, multiple, state, show_results, "
            "created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            "lssdddl", id, p->room_id, p->question, p->multiple ? 1 : 0, (int)p->state,
            p->show_results ? 1 : 0, p->created_ms);
        err = aula__sqlite_write(db, st, rc, 1, "poll create", KEY, p->room_id);
    }
    for (size_t i = 0; err == 0 && i < p->n_choices; i++) {
        rc = aula__sqlite_prepare(
            db, &st, "INSERT INTO poll_choices (poll_id, idx, text) VALUES (?1, ?2, ?3)", "lds", id,
            (int)i, p->choices[i]);
        err = aula__sqlite_write(db, st, rc, 1, "poll choice", KEY, p->room_id);
    }
    err = aula__sqlite_finish(db, err, "poll create commit", KEY, p->room_id);
    if (err == 0)
        *out_id = id;
    return err;
}

#define POLL_COLUMNS "id, room_id, question, multiple, state, show_results, created_ms"

static int read_choices(sqlite3 *db, aula_poll_rec *p)
{
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(
        db, &st, "SELECT text FROM poll_choices WHERE poll_id = ?1 ORDER BY idx", "l", p->id);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW || p->n_choices == AULA_POLL_MAX_CHOICES)
            break;
        p->choices[p->n_choices++] = aula__sqlite_text_dup(st, 0);
    }
    int err = rc == SQLITE_DONE || rc == SQLITE_ROW
                  ? 0
                  : aula__sqlite_fail(db, rc, "poll choices", KEY, p->room_id);
    sqlite3_finalize(st);
    return err;
}

static void read_poll(sqlite3_stmt *st, void *rec)
{
    aula_poll_rec *p = rec;
    memset(p, 0, sizeof *p);
    p->id = sqlite3_column_int64(st, 0);
    p->room_id = aula__sqlite_text_dup(st, 1);
    p->question = aula__sqlite_text_dup(st, 2);
    p->multiple = sqlite3_column_int(st, 3);
    p->state = (aula_poll_state)sqlite3_column_int(st, 4);
    p->show_results = sqlite3_column_int(st, 5);
    p->created_ms = sqlite3_column_int64(st, 6);
}

static int op_poll_get(aula_store *s, const char *room_id, int64_t id, aula_poll_rec *out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(
        db, &st, "SELECT " POLL_COLUMNS " FROM polls WHERE room_id = ?1 AND id = ?2", "sl", room_id,
        id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW)
        read_poll(st, out);
    else if (rc == SQLITE_DONE)
        err = AULA_ENOENT;
    else
        err = aula__sqlite_fail(db, rc, "poll get", KEY, room_id);
    sqlite3_finalize(st);
    if (err == 0 && (err = read_choices(db, out)) != 0)
        aula_poll_rec_deinit(out);
    return err;
}

static int op_polls_list(aula_store *s, const char *room_id, aula_poll_rec **out, size_t *n_out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(
        db, &st, "SELECT " POLL_COLUMNS " FROM polls WHERE room_id = ?1 ORDER BY id", "s", room_id);
    size_t n = 0;
    aula_poll_rec *recs = aula__sqlite_rows(st, &rc, sizeof *recs, read_poll, &n);
    int err = rc == SQLITE_DONE ? 0 : aula__sqlite_fail(db, rc, "polls list", KEY, room_id);
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
    int rc =
        aula__sqlite_prepare(db, &st,
                             "UPDATE polls SET state = CASE WHEN ?3 < 0 THEN state ELSE ?3 END, "
                             "show_results = CASE WHEN ?4 < 0 THEN show_results ELSE ?4 END "
                             "WHERE room_id = ?1 AND id = ?2",
                             "sldd", room_id, id, state, show_results);
    return aula__sqlite_write(db, st, rc, 1, "poll update", KEY, room_id);
}

static int op_poll_vote(aula_store *s, const char *room_id, int64_t id, const char *participant_id,
                        uint32_t choices, int64_t now_ms)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    int err = aula__sqlite_begin(db, "poll vote", KEY, room_id);
    if (err)
        return err;
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(db, &st, "SELECT id FROM polls WHERE room_id = ?1 AND id = ?2",
                                  "sl", room_id, id);
    err = aula__sqlite_step_int(db, st, rc, NULL, "poll vote check", KEY, room_id);
    if (err == 0) {
        rc =
            aula__sqlite_prepare(db, &st,
                                 "INSERT INTO poll_votes (poll_id, participant_id, choices, ts_ms) "
                                 "VALUES (?1, ?2, ?3, ?4)",
                                 "lsll", id, participant_id, (int64_t)choices, now_ms);
        err = aula__sqlite_write(db, st, rc, 1, "poll vote", KEY, room_id);
    }
    return aula__sqlite_finish(db, err, "poll vote commit", KEY, room_id);
}

static int op_poll_counts(aula_store *s, int64_t id, int64_t counts[AULA_POLL_MAX_CHOICES],
                          int64_t *voters)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc =
        aula__sqlite_prepare(db, &st, "SELECT choices FROM poll_votes WHERE poll_id = ?1", "l", id);
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
    int err = rc == SQLITE_DONE ? 0 : aula__sqlite_fail(db, rc, "poll counts", KEY, NULL);
    sqlite3_finalize(st);
    return err;
}

static int op_poll_voted(aula_store *s, int64_t id, const char *participant_id, uint32_t *choices)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int64_t v = 0;
    int rc = aula__sqlite_prepare(
        db, &st, "SELECT choices FROM poll_votes WHERE poll_id = ?1 AND participant_id = ?2", "ls",
        id, participant_id);
    int err = aula__sqlite_step_int(db, st, rc, &v, "poll voted", KEY, NULL);
    if (err == AULA_ENOENT)
        return 0;
    *choices = (uint32_t)v;
    return err;
}

static int op_room_set_chat_mode(aula_store *s, const char *room_id, const char *mode)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(db, &st, "UPDATE rooms SET chat_mode = ?2 WHERE id = ?1", "ss",
                                  room_id, mode);
    return aula__sqlite_write(db, st, rc, 1, "room chat mode", KEY, room_id);
}

static int op_stage_set_off(aula_store *s, const char *room_id, const char *participant_id, int off,
                            int64_t now_ms)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = off ? aula__sqlite_prepare(db, &st,
                                        "INSERT INTO stage_off (room_id, participant_id, at_ms) "
                                        "VALUES (?1, ?2, ?3) ON CONFLICT (room_id, participant_id) "
                                        "DO UPDATE SET at_ms = excluded.at_ms",
                                        "ssl", room_id, participant_id, now_ms)
                 : aula__sqlite_prepare(
                       db, &st, "DELETE FROM stage_off WHERE room_id = ?1 AND participant_id = ?2",
                       "ss", room_id, participant_id);
    return aula__sqlite_write(db, st, rc, 0, "stage off", KEY, room_id);
}

static int op_stage_is_off(aula_store *s, const char *room_id, const char *participant_id, int *off)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(
        db, &st, "SELECT 1 FROM stage_off WHERE room_id = ?1 AND participant_id = ?2", "ss",
        room_id, participant_id);
    int err = aula__sqlite_step_int(db, st, rc, NULL, "stage is off", KEY, room_id);
    if (err == AULA_ENOENT)
        return 0;
    *off = err == 0;
    return err;
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
    .stage_set_off = op_stage_set_off,
    .stage_is_off = op_stage_is_off,
};
