/* The SQLite side of events and registrations (migration 4).
 *
 * As in store_sqlite_files.c, statements are prepared per call: events are
 * written a few times a day, not per packet, and this keeps the file apart
 * from store_sqlite.c's statement table. Each call leaves no statement
 * open. Writes spanning two tables run in one IMMEDIATE transaction. */
#include "store/store_events.h"

#include "core/alloc.h"
#include "core/error.h"
#include "store/store_sqlite_internal.h"

#define EVENT_COLUMNS                                                                              \
    "id, room_id, owner_id, title, description, time_zone, type, access, password_hash, "          \
    "welcome_text, presenter_key, starts_ms, duration_min, cancelled_ms, reminder_sent_ms, "       \
    "created_ms, sequence"
#define REG_COLUMNS "id, event_id, name, email, lang, join_key, consent_ms, created_ms, mailed_ms"

static void read_event(sqlite3_stmt *st, void *rec)
{
    aula_event_rec *r = rec;
    r->id = aula__sqlite_text(st, 0);
    r->room_id = aula__sqlite_text(st, 1);
    r->owner_id = aula__sqlite_text(st, 2);
    r->title = aula__sqlite_text(st, 3);
    r->description = aula__sqlite_text(st, 4);
    r->time_zone = aula__sqlite_text(st, 5);
    r->type = aula__sqlite_text(st, 6);
    r->access = aula__sqlite_text(st, 7);
    r->password_hash = aula__sqlite_text_dup(st, 8);
    r->welcome_text = aula__sqlite_text(st, 9);
    r->presenter_key = aula__sqlite_text(st, 10);
    r->starts_ms = sqlite3_column_int64(st, 11);
    r->duration_min = sqlite3_column_int64(st, 12);
    r->cancelled_ms = sqlite3_column_int64(st, 13);
    r->reminder_sent_ms = sqlite3_column_int64(st, 14);
    r->created_ms = sqlite3_column_int64(st, 15);
    r->sequence = sqlite3_column_int64(st, 16);
}

static void read_reg(sqlite3_stmt *st, void *rec)
{
    aula_registration_rec *r = rec;
    r->id = aula__sqlite_text(st, 0);
    r->event_id = aula__sqlite_text(st, 1);
    r->name = aula__sqlite_text(st, 2);
    r->email = aula__sqlite_text(st, 3);
    r->lang = aula__sqlite_text(st, 4);
    r->join_key = aula__sqlite_text(st, 5);
    r->consent_ms = sqlite3_column_int64(st, 6);
    r->created_ms = sqlite3_column_int64(st, 7);
    r->mailed_ms = sqlite3_column_int64(st, 8);
}

/* The key of this file's log lines. */
#define KEY "event"

static int op_create(aula_store *s, const aula_room_rec *room, const aula_event_rec *ev)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    int err = aula__sqlite_begin(db, "event begin", KEY, NULL);
    if (err)
        return err;
    err = aula_store_room_create(s, room);
    if (err == 0) {
        sqlite3_stmt *st = NULL;
        int rc = aula__sqlite_prepare(
            db, &st,
            "INSERT INTO events (" EVENT_COLUMNS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, "
            "?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
            "sssssssssssllzzll", ev->id, ev->room_id, ev->owner_id, ev->title, ev->description,
            ev->time_zone, ev->type, ev->access, ev->password_hash, ev->welcome_text,
            ev->presenter_key, ev->starts_ms, ev->duration_min, ev->cancelled_ms,
            ev->reminder_sent_ms, ev->created_ms, ev->sequence);
        err = aula__sqlite_write(db, st, rc, 0, "event create", KEY, ev->id);
    }
    return aula__sqlite_finish(db, err, "event commit", KEY, NULL);
}

/* Runs a SELECT of EVENT_COLUMNS (already bound) and collects the rows. */
static int collect_events(sqlite3 *db, sqlite3_stmt *st, int rc, const char *op,
                          aula_event_rec **out, size_t *n_out)
{
    size_t n = 0;
    aula_event_rec *recs = aula__sqlite_rows(st, &rc, sizeof *recs, read_event, &n);
    int err = rc == SQLITE_DONE ? 0 : aula__sqlite_fail(db, rc, op, KEY, NULL);
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
    int rc = aula__sqlite_prepare(db, &st, "SELECT " EVENT_COLUMNS " FROM events WHERE id = ?1",
                                  "s", id);
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
    int rc = aula__sqlite_prepare(db, &st, sql, "sl", owner_id, now_ms);
    return collect_events(db, st, rc, "events list", out, n);
}

static int op_update(aula_store *s, const aula_event_rec *ev)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    int err = aula__sqlite_begin(db, "event begin", KEY, NULL);
    if (err)
        return err;
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(
        db, &st,
        "UPDATE events SET title = ?2, description = ?3, time_zone = ?4, type = ?5, "
        "access = ?6, password_hash = ?7, welcome_text = ?8, starts_ms = ?9, "
        "duration_min = ?10, reminder_sent_ms = ?11, sequence = ?12 WHERE id = ?1",
        "ssssssssllzl", ev->id, ev->title, ev->description, ev->time_zone, ev->type, ev->access,
        ev->password_hash, ev->welcome_text, ev->starts_ms, ev->duration_min, ev->reminder_sent_ms,
        ev->sequence);
    err = aula__sqlite_write(db, st, rc, 1, "event update", KEY, ev->id);
    if (err == 0) {
        rc = aula__sqlite_prepare(db, &st,
                                  "UPDATE rooms SET kind = ?2, title = ?3 WHERE id = "
                                  "(SELECT room_id FROM events WHERE id = ?1)",
                                  "sss", ev->id, ev->type, ev->title);
        err = aula__sqlite_write(db, st, rc, 0, "event room update", KEY, ev->id);
    }
    return aula__sqlite_finish(db, err, "event commit", KEY, NULL);
}

static int op_cancel(aula_store *s, const char *id, int64_t now_ms)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(db, &st,
                                  "UPDATE events SET cancelled_ms = ?2, sequence = sequence + 1 "
                                  "WHERE id = ?1 AND cancelled_ms IS NULL",
                                  "sl", id, now_ms);
    int err = aula__sqlite_write(db, st, rc, 0, "event cancel", KEY, id);
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
    int rc =
        aula__sqlite_prepare(db, &st,
                             "SELECT " EVENT_COLUMNS " FROM events WHERE cancelled_ms IS NULL AND "
                             "reminder_sent_ms IS NULL AND starts_ms <= ?1 + ?2 AND "
                             "starts_ms + duration_min * 60000 > ?1 ORDER BY starts_ms, id",
                             "ll", now_ms, before_ms);
    return collect_events(db, st, rc, "events reminder due", out, n);
}

static int op_reminder_sent(aula_store *s, const char *id, int64_t now_ms)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(db, &st, "UPDATE events SET reminder_sent_ms = ?2 WHERE id = ?1",
                                  "sl", id, now_ms);
    return aula__sqlite_write(db, st, rc, 1, "event reminder sent", KEY, id);
}

static int op_reg_add(aula_store *s, const aula_registration_rec *r)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(db, &st,
                                  "INSERT INTO registrations (" REG_COLUMNS ") VALUES "
                                  "(?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                  "ssssssllz", r->id, r->event_id, r->name, r->email, r->lang,
                                  r->join_key, r->consent_ms, r->created_ms, r->mailed_ms);
    return aula__sqlite_write(db, st, rc, 0, "registration add", KEY, r->event_id);
}

static int collect_regs(sqlite3 *db, sqlite3_stmt *st, int rc, const char *op,
                        aula_registration_rec **out, size_t *n_out)
{
    size_t n = 0;
    aula_registration_rec *recs = aula__sqlite_rows(st, &rc, sizeof *recs, read_reg, &n);
    int err = rc == SQLITE_DONE ? 0 : aula__sqlite_fail(db, rc, op, KEY, NULL);
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
    int rc = aula__sqlite_prepare(db, &st, sql, "ss", event_id, v);
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
    int rc = aula__sqlite_prepare(db, &st,
                                  "SELECT " REG_COLUMNS " FROM registrations WHERE event_id = ?1 "
                                  "ORDER BY created_ms, rowid",
                                  "s", event_id);
    return collect_regs(db, st, rc, "registrations list", out, n);
}

static int op_reg_count(aula_store *s, const char *event_id, int64_t *out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(db, &st, "SELECT COUNT(*) FROM registrations WHERE event_id = ?1",
                                  "s", event_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        err = aula__sqlite_fail(db, rc, "registrations count", KEY, event_id);
    sqlite3_finalize(st);
    return err;
}

static int op_reg_mailed(aula_store *s, const char *id, int64_t now_ms)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(db, &st, "UPDATE registrations SET mailed_ms = ?2 WHERE id = ?1",
                                  "sl", id, now_ms);
    return aula__sqlite_write(db, st, rc, 1, "registration mailed", KEY, id);
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
