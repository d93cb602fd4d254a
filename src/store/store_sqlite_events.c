/* The SQLite side of events and registrations (migration 4).
 *
 * As in store_sqlite_files.c, statements are prepared per call: events are
 * written a few times a day, not per packet, and this keeps the file apart
 * from store_sqlite.c's statement table. Each call leaves no statement
 * open. Writes spanning two tables run in one IMMEDIATE transaction. */
#include "store/store_events.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "store/store_sqlite_internal.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#define EVENT_COLUMNS                                                                              \
    "id, room_id, owner_id, title, description, time_zone, type, access, password_hash, "          \
    "welcome_text, presenter_key, starts_ms, duration_min, cancelled_ms, reminder_sent_ms, "       \
    "created_ms, sequence"
#define REG_COLUMNS "id, event_id, name, email, lang, join_key, consent_ms, created_ms, mailed_ms"

static int fail(sqlite3 *db, int rc, const char *op, const char *id)
{
    char qop[64], qid[128], qmsg[512];
    AULA_LOG_ERROR("store", "sqlite error", "op=%s event=%s code=%d detail=%s",
                   aula_log_quote(qop, sizeof qop, op),
                   aula_log_quote(qid, sizeof qid, id ? id : ""), rc,
                   aula_log_quote(qmsg, sizeof qmsg, sqlite3_errmsg(db)));
    return AULA_ESTORE;
}

/* Prepares sql and binds the arguments fmt describes, one letter each:
 * 's' a string (NULL binds NULL), 'i' an int64_t, 'z' an int64_t where 0
 * binds NULL. Returns an SQLite code. */
static int prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, const char *fmt, ...)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
    va_list ap;
    va_start(ap, fmt);
    for (int i = 0; fmt[i] && rc == SQLITE_OK; i++) {
        if (fmt[i] == 's') {
            const char *v = va_arg(ap, const char *);
            rc = v ? sqlite3_bind_text(*st, i + 1, v, -1, SQLITE_STATIC)
                   : sqlite3_bind_null(*st, i + 1);
        } else {
            int64_t v = va_arg(ap, int64_t);
            rc = fmt[i] == 'z' && v == 0 ? sqlite3_bind_null(*st, i + 1)
                                         : sqlite3_bind_int64(*st, i + 1, v);
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

static char *col_text(sqlite3_stmt *st, int i)
{
    char *s = col(st, i);
    return s ? s : aula_strdup("");
}

static void read_event(sqlite3_stmt *st, aula_event_rec *r)
{
    r->id = col_text(st, 0);
    r->room_id = col_text(st, 1);
    r->owner_id = col_text(st, 2);
    r->title = col_text(st, 3);
    r->description = col_text(st, 4);
    r->time_zone = col_text(st, 5);
    r->type = col_text(st, 6);
    r->access = col_text(st, 7);
    r->password_hash = col(st, 8);
    r->welcome_text = col_text(st, 9);
    r->presenter_key = col_text(st, 10);
    r->starts_ms = sqlite3_column_int64(st, 11);
    r->duration_min = sqlite3_column_int64(st, 12);
    r->cancelled_ms = sqlite3_column_int64(st, 13);
    r->reminder_sent_ms = sqlite3_column_int64(st, 14);
    r->created_ms = sqlite3_column_int64(st, 15);
    r->sequence = sqlite3_column_int64(st, 16);
}

static void read_reg(sqlite3_stmt *st, aula_registration_rec *r)
{
    r->id = col_text(st, 0);
    r->event_id = col_text(st, 1);
    r->name = col_text(st, 2);
    r->email = col_text(st, 3);
    r->lang = col_text(st, 4);
    r->join_key = col_text(st, 5);
    r->consent_ms = sqlite3_column_int64(st, 6);
    r->created_ms = sqlite3_column_int64(st, 7);
    r->mailed_ms = sqlite3_column_int64(st, 8);
}

static int exec(sqlite3 *db, const char *sql, const char *op)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : fail(db, rc, op, NULL);
}

/* Ends a transaction: COMMIT when err is 0, else ROLLBACK (if SQLite has
 * not rolled back by itself). Returns err, or the commit's failure. */
static int finish(sqlite3 *db, int err)
{
    if (err == 0)
        return exec(db, "COMMIT", "event commit");
    if (!sqlite3_get_autocommit(db))
        exec(db, "ROLLBACK", "event rollback");
    return err;
}

/* Steps a write statement and maps the result. */
static int step_write(sqlite3 *db, sqlite3_stmt *st, int rc, const char *op, const char *id)
{
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
        err = AULA_EEXIST;
    else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        err = AULA_ENOENT;
    else if (rc != SQLITE_DONE)
        err = fail(db, rc, op, id);
    sqlite3_finalize(st);
    return err;
}

static int op_create(aula_store *s, const aula_room_rec *room, const aula_event_rec *ev)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    int err = exec(db, "BEGIN IMMEDIATE", "event begin");
    if (err)
        return err;
    err = aula_store_room_create(s, room);
    if (err == 0) {
        sqlite3_stmt *st = NULL;
        int rc = prepare(db, &st,
                         "INSERT INTO events (" EVENT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
                         "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
                         "sssssssssssiizzii", ev->id, ev->room_id, ev->owner_id, ev->title,
                         ev->description, ev->time_zone, ev->type, ev->access, ev->password_hash,
                         ev->welcome_text, ev->presenter_key, ev->starts_ms, ev->duration_min,
                         ev->cancelled_ms, ev->reminder_sent_ms, ev->created_ms, ev->sequence);
        err = step_write(db, st, rc, "event create", ev->id);
    }
    return finish(db, err);
}

/* Runs a SELECT of EVENT_COLUMNS (already bound) and collects the rows. */
static int collect_events(sqlite3 *db, sqlite3_stmt *st, int rc, const char *op,
                          aula_event_rec **out, size_t *n_out)
{
    aula_event_rec *recs = NULL;
    size_t n = 0, cap = 0;
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
            break;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            recs = aula_realloc(recs, cap * sizeof *recs);
        }
        memset(&recs[n], 0, sizeof recs[n]);
        read_event(st, &recs[n++]);
    }
    int err = rc == SQLITE_DONE ? 0 : fail(db, rc, op, NULL);
    sqlite3_finalize(st);
    if (err || n == 0) {
        aula_event_recs_free(recs, n);
        return err;
    }
    *out = recs;
    *n_out = n;
    return 0;
}

static int op_get(aula_store *s, const char *id, aula_event_rec *out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prepare(db, &st, "SELECT " EVENT_COLUMNS " FROM events WHERE id = ?1", "s", id);
    aula_event_rec *recs = NULL;
    size_t n = 0;
    int err = collect_events(db, st, rc, "event get", &recs, &n);
    if (err)
        return err;
    if (n == 0)
        return AULA_ENOENT;
    *out = recs[0];
    aula_free(recs);
    return 0;
}

static int op_list(aula_store *s, const char *owner_id, aula_event_when when, int64_t now_ms,
                   aula_event_rec **out, size_t *n)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    const char *sql =
        when == AULA_EVENTS_UPCOMING
            ? "SELECT " EVENT_COLUMNS " FROM events WHERE owner_id = ?1 AND cancelled_ms IS NULL "
              "AND starts_ms + duration_min * 60000 > ?2 ORDER BY starts_ms, id"
            : "SELECT " EVENT_COLUMNS " FROM events WHERE owner_id = ?1 AND (cancelled_ms IS NOT "
              "NULL OR starts_ms + duration_min * 60000 <= ?2) ORDER BY starts_ms DESC, id";
    int rc = prepare(db, &st, sql, "si", owner_id, now_ms);
    return collect_events(db, st, rc, "events list", out, n);
}

static int op_update(aula_store *s, const aula_event_rec *ev)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    int err = exec(db, "BEGIN IMMEDIATE", "event begin");
    if (err)
        return err;
    sqlite3_stmt *st = NULL;
    int rc = prepare(db, &st,
                     "UPDATE events SET title = ?2, description = ?3, time_zone = ?4, type = ?5, "
                     "access = ?6, password_hash = ?7, welcome_text = ?8, starts_ms = ?9, "
                     "duration_min = ?10, reminder_sent_ms = ?11, sequence = ?12 WHERE id = ?1",
                     "ssssssssiizi", ev->id, ev->title, ev->description, ev->time_zone, ev->type,
                     ev->access, ev->password_hash, ev->welcome_text, ev->starts_ms,
                     ev->duration_min, ev->reminder_sent_ms, ev->sequence);
    err = step_write(db, st, rc, "event update", ev->id);
    if (err == 0 && sqlite3_changes(db) == 0)
        err = AULA_ENOENT;
    if (err == 0) {
        rc = prepare(db, &st,
                     "UPDATE rooms SET kind = ?2, title = ?3 WHERE id = "
                     "(SELECT room_id FROM events WHERE id = ?1)",
                     "sss", ev->id, ev->type, ev->title);
        err = step_write(db, st, rc, "event room update", ev->id);
    }
    return finish(db, err);
}

static int op_cancel(aula_store *s, const char *id, int64_t now_ms)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prepare(db, &st,
                     "UPDATE events SET cancelled_ms = ?2, sequence = sequence + 1 "
                     "WHERE id = ?1 AND cancelled_ms IS NULL",
                     "si", id, now_ms);
    int err = step_write(db, st, rc, "event cancel", id);
    if (err == 0 && sqlite3_changes(db) == 0) {
        aula_event_rec ev = {0};
        err = op_get(s, id, &ev) == 0 ? AULA_EEXIST : AULA_ENOENT;
        aula_event_rec_deinit(&ev);
    }
    return err;
}

static int op_reminder_due(aula_store *s, int64_t now_ms, int64_t before_ms, aula_event_rec **out,
                           size_t *n)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prepare(db, &st,
                     "SELECT " EVENT_COLUMNS " FROM events WHERE cancelled_ms IS NULL AND "
                     "reminder_sent_ms IS NULL AND starts_ms <= ?1 + ?2 AND "
                     "starts_ms + duration_min * 60000 > ?1 ORDER BY starts_ms, id",
                     "ii", now_ms, before_ms);
    return collect_events(db, st, rc, "events reminder due", out, n);
}

static int op_reminder_sent(aula_store *s, const char *id, int64_t now_ms)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc =
        prepare(db, &st, "UPDATE events SET reminder_sent_ms = ?2 WHERE id = ?1", "si", id, now_ms);
    int err = step_write(db, st, rc, "event reminder sent", id);
    return err == 0 && sqlite3_changes(db) == 0 ? AULA_ENOENT : err;
}

static int op_reg_add(aula_store *s, const aula_registration_rec *r)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prepare(db, &st,
                     "INSERT INTO registrations (" REG_COLUMNS ") VALUES "
                     "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                     "ssssssiiz", r->id, r->event_id, r->name, r->email, r->lang, r->join_key,
                     r->consent_ms, r->created_ms, r->mailed_ms);
    return step_write(db, st, rc, "registration add", r->event_id);
}

static int collect_regs(sqlite3 *db, sqlite3_stmt *st, int rc, const char *op,
                        aula_registration_rec **out, size_t *n_out)
{
    aula_registration_rec *recs = NULL;
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
        read_reg(st, &recs[n++]);
    }
    int err = rc == SQLITE_DONE ? 0 : fail(db, rc, op, NULL);
    sqlite3_finalize(st);
    if (err || n == 0) {
        aula_registration_recs_free(recs, n);
        return err;
    }
    *out = recs;
    *n_out = n;
    return 0;
}

static int reg_one(aula_store *s, const char *sql, const char *event_id, const char *v,
                   aula_registration_rec *out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prepare(db, &st, sql, "ss", event_id, v);
    aula_registration_rec *recs = NULL;
    size_t n = 0;
    int err = collect_regs(db, st, rc, "registration get", &recs, &n);
    if (err)
        return err;
    if (n == 0)
        return AULA_ENOENT;
    *out = recs[0];
    aula_free(recs);
    return 0;
}

static int op_reg_by_email(aula_store *s, const char *event_id, const char *email,
                           aula_registration_rec *out)
{
    return reg_one(s,
                   "SELECT " REG_COLUMNS " FROM registrations WHERE event_id = ?1 AND email = ?2",
                   event_id, email, out);
}

static int op_reg_by_key(aula_store *s, const char *event_id, const char *key,
                         aula_registration_rec *out)
{
    return reg_one(
        s, "SELECT " REG_COLUMNS " FROM registrations WHERE event_id = ?1 AND join_key = ?2",
        event_id, key, out);
}

static int op_reg_list(aula_store *s, const char *event_id, aula_registration_rec **out, size_t *n)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = prepare(db, &st,
                     "SELECT " REG_COLUMNS " FROM registrations WHERE event_id = ?1 "
                     "ORDER BY created_ms, rowid",
                     "s", event_id);
    return collect_regs(db, st, rc, "registrations list", out, n);
}

static int op_reg_count(aula_store *s, const char *event_id, int64_t *out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc =
        prepare(db, &st, "SELECT COUNT(*) FROM registrations WHERE event_id = ?1", "s", event_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        err = fail(db, rc, "registrations count", event_id);
    sqlite3_finalize(st);
    return err;
}

static int op_reg_mailed(aula_store *s, const char *id, int64_t now_ms)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc =
        prepare(db, &st, "UPDATE registrations SET mailed_ms = ?2 WHERE id = ?1", "si", id, now_ms);
    int err = step_write(db, st, rc, "registration mailed", id);
    return err == 0 && sqlite3_changes(db) == 0 ? AULA_ENOENT : err;
}

const aula_store_event_ops aula__sqlite_event_ops = {
    .create = op_create,
    .get = op_get,
    .list = op_list,
    .update = op_update,
    .cancel = op_cancel,
    .reminder_due = op_reminder_due,
    .reminder_sent = op_reminder_sent,
    .reg_add = op_reg_add,
    .reg_by_email = op_reg_by_email,
    .reg_by_key = op_reg_by_key,
    .reg_list = op_reg_list,
    .reg_count = op_reg_count,
    .reg_mailed = op_reg_mailed,
};
