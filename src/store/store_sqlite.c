/* The SQLite backend of the store.
 *
 * Durability: the database runs in WAL mode with synchronous=FULL. In WAL
 * mode synchronous=NORMAL syncs only at checkpoints, so a commit that has
 * returned can still vanish on power loss; FULL syncs the WAL on every
 * commit, which is what lets callers acknowledge as soon as a write returns.
 * The cost is one fsync per write, acceptable at chat rates.
 *
 * Every statement the hot paths use is prepared once at open and cached in
 * the store object; after each use it is reset and its bindings cleared, so
 * no statement holds a read snapshot between calls. Writes that touch more
 * than one row run inside BEGIN IMMEDIATE, which takes the write lock up
 * front so the transaction cannot fail half-way on a lock upgrade. */
#include "store/store.h"

#include <assert.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "store/migrations.h"
#include "store/store_sqlite_internal.h"

#define BUSY_TIMEOUT_MS 5000

enum stmt_id {
    ST_BEGIN,
    ST_COMMIT,
    ST_ROLLBACK,
    ST_SCHEMA_VERSION,
    ST_ROOM_INSERT,
    ST_ROOM_GET,
    ST_ROOM_COUNT,
    ST_ROOM_SET_FLAGS,
    ST_ROOMS_BY_OWNER,
    ST_PARTICIPANT_INSERT,
    ST_PARTICIPANT_LEFT,
    ST_PARTICIPANT_SEEN,
    ST_CHAT_NEXT_SEQ,
    ST_CHAT_INSERT,
    ST_CHAT_PAGE,
    ST_USER_INSERT,
    ST_USER_BY_EMAIL,
    ST_USER_GET,
    ST_SESSION_PURGE,
    ST_SESSION_INSERT,
    ST_SESSION_GET,
    ST_SESSION_DELETE,
    ST_COUNT_
};

/* Column lists shared by the queries that fill a record, in the order the
 * readers (read_room, read_user) take them. */
#define ROOM_COLUMNS                                                                               \
    "id, title, created_ms, owner_id, host_key, password_hash, lobby, locked, kind, chat_mode, "   \
    "event_id"
#define USER_COLUMNS "id, email, name, password_hash, created_ms"

static const char *const stmt_sql[ST_COUNT_] = {
    [ST_BEGIN] = "BEGIN IMMEDIATE",
    [ST_COMMIT] = "COMMIT",
    [ST_ROLLBACK] = "ROLLBACK",
    [ST_SCHEMA_VERSION] = "SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
    [ST_ROOM_INSERT] = "INSERT INTO rooms (id, title, created_ms, owner_id, host_key, "
                       "password_hash, lobby, locked, kind, chat_mode, event_id) VALUES (?1, ?2, "
                       "?3, ?4, ?5, ?6, ?7, ?8, COALESCE(?9, 'meeting'), COALESCE(?10, "
                       "'everyone'), ?11)",
    [ST_ROOM_GET] = "SELECT " ROOM_COLUMNS " FROM rooms WHERE id = ?1",
    [ST_ROOM_COUNT] = "SELECT COUNT(*) FROM rooms",
    [ST_ROOM_SET_FLAGS] = "UPDATE rooms SET lobby = CASE WHEN ?2 < 0 THEN lobby ELSE ?2 END, "
                          "locked = CASE WHEN ?3 < 0 THEN locked ELSE ?3 END WHERE id = ?1",
    [ST_ROOMS_BY_OWNER] = "SELECT " ROOM_COLUMNS " FROM rooms WHERE owner_id = ?1 "
                          "ORDER BY created_ms DESC, id",
    /* A rejoin (same id, same room) clears the leave time and takes the new
     * name; the WHERE makes an id of another room change nothing, which
     * the caller reads as "taken". */
    [ST_PARTICIPANT_INSERT] = "INSERT INTO participants (id, room_id, name, joined_ms) "
                              "VALUES (?1, ?2, ?3, ?4) ON CONFLICT (id) DO UPDATE SET "
                              "name = excluded.name, left_ms = NULL "
                              "WHERE participants.room_id = excluded.room_id",
    /* COALESCE keeps the first leave time if it is reported twice. SQLite
     * counts the row as changed either way, so "no row changed" still
     * means "no such participant". */
    [ST_PARTICIPANT_LEFT] = "UPDATE participants SET left_ms = COALESCE(left_ms, ?2) WHERE id = ?1",
    [ST_PARTICIPANT_SEEN] = "SELECT 1 FROM participants WHERE id = ?1 AND room_id = ?2",
    [ST_CHAT_NEXT_SEQ] = "UPDATE rooms SET last_chat_seq = last_chat_seq + 1 WHERE id = ?1 "
                         "RETURNING last_chat_seq",
    [ST_CHAT_INSERT] =
        "INSERT INTO chat_messages (room_id, seq, participant_id, name, text, ts_ms, to_hosts) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    /* Newest first so LIMIT keeps the newest lines; reversed in C. ?4 is
     * "the viewer is a host", ?5 the viewer's id (NULL matches nothing). */
    [ST_CHAT_PAGE] = "SELECT seq, participant_id, name, text, ts_ms, to_hosts FROM chat_messages "
                     "WHERE room_id = ?1 AND seq < ?2 "
                     "AND (?4 <> 0 OR to_hosts = 0 OR participant_id = ?5) "
                     "ORDER BY seq DESC LIMIT ?3",
    [ST_USER_INSERT] = "INSERT INTO users (id, email, name, password_hash, created_ms) "
                       "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_USER_BY_EMAIL] = "SELECT " USER_COLUMNS " FROM users WHERE email = ?1",
    [ST_USER_GET] = "SELECT " USER_COLUMNS " FROM users WHERE id = ?1",
    [ST_SESSION_PURGE] = "DELETE FROM sessions WHERE user_id = ?1 AND expires_ms <= ?2",
    [ST_SESSION_INSERT] =
        "INSERT INTO sessions (token_hash, user_id, csrf, created_ms, expires_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5)",
    [ST_SESSION_GET] = "SELECT token_hash, user_id, csrf, created_ms, expires_ms FROM sessions "
                       "WHERE token_hash = ?1 AND expires_ms > ?2",
    [ST_SESSION_DELETE] = "DELETE FROM sessions WHERE token_hash = ?1",
};

typedef struct store_sqlite {
    aula_store base;               /* must be first: the dispatchers cast */
    sqlite3 *db;                   /* owned */
    char *path;                    /* owned: for log lines */
    sqlite3_stmt *stmt[ST_COUNT_]; /* owned */
} store_sqlite;

static store_sqlite *from_base(aula_store *s)
{
    return (store_sqlite *)s;
}

static int64_t wall_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Logs a failed SQLite call with the connection's message and whatever
 * context is known (either id may be NULL). Must run before anything else
 * touches the connection, which would overwrite the message. Returns
 * AULA_ESTORE so callers can write "return fail(...)". */
static int fail(sqlite3 *db, const char *path, int rc, const char *op, const char *room_id,
                const char *participant_id)
{
    char qop[160], qpath[256], qroom[128], qpart[128], qerr[64], qmsg[512];
    char ctx[300] = "";
    int n = 0;
    if (room_id)
        n = snprintf(ctx, sizeof ctx, " room=%s", aula_log_quote(qroom, sizeof qroom, room_id));
    if (participant_id && n >= 0 && (size_t)n < sizeof ctx)
        snprintf(ctx + n, sizeof ctx - (size_t)n, " participant=%s",
                 aula_log_quote(qpart, sizeof qpart, participant_id));
    AULA_LOG_ERROR("store", "sqlite error", "op=%s%s path=%s code=%d err=%s detail=%s",
                   aula_log_quote(qop, sizeof qop, op), ctx,
                   aula_log_quote(qpath, sizeof qpath, path ? path : ""), rc,
                   aula_log_quote(qerr, sizeof qerr, sqlite3_errstr(rc)),
                   aula_log_quote(qmsg, sizeof qmsg, db ? sqlite3_errmsg(db) : ""));
    return AULA_ESTORE;
}

static int fail_s(store_sqlite *s, int rc, const char *op, const char *room_id,
                  const char *participant_id)
{
    return fail(s->db, s->path, rc, op, room_id, participant_id);
}

/* Returns a cached statement to its idle state: no bindings, no snapshot. */
static void stmt_done(sqlite3_stmt *st)
{
    sqlite3_reset(st);
    sqlite3_clear_bindings(st);
}

/* Reads a row of ROOM_COLUMNS. */
static void read_room(sqlite3_stmt *st, void *rec)
{
    aula_room_rec *out = rec;
    out->id = aula__sqlite_text(st, 0);
    out->title = aula__sqlite_text(st, 1);
    out->created_ms = sqlite3_column_int64(st, 2);
    out->owner_id = aula__sqlite_text_dup(st, 3);
    out->host_key = aula__sqlite_text_dup(st, 4);
    out->password_hash = aula__sqlite_text_dup(st, 5);
    out->lobby = sqlite3_column_int(st, 6) != 0;
    out->locked = sqlite3_column_int(st, 7) != 0;
    out->kind = aula__sqlite_text(st, 8);
    out->chat_mode = aula__sqlite_text(st, 9);
    out->event_id = aula__sqlite_text_dup(st, 10);
}

/* Reads a row of USER_COLUMNS. */
static void read_user(sqlite3_stmt *st, aula_user_rec *out)
{
    out->id = aula__sqlite_text(st, 0);
    out->email = aula__sqlite_text(st, 1);
    out->name = aula__sqlite_text(st, 2);
    out->password_hash = aula__sqlite_text(st, 3);
    out->created_ms = sqlite3_column_int64(st, 4);
}

/* Runs one cached statement that returns no rows. Returns the SQLite code
 * (SQLITE_DONE on success) with the statement already reset. */
static int run(store_sqlite *s, enum stmt_id id)
{
    int rc = sqlite3_step(s->stmt[id]);
    stmt_done(s->stmt[id]);
    return rc;
}

/* Undoes an open transaction after a failure. SQLite rolls some failures
 * back by itself (SQLITE_FULL, SQLITE_IOERR...), hence the autocommit
 * check. The caller has logged the original error already. */
static void rollback(store_sqlite *s)
{
    if (sqlite3_get_autocommit(s->db))
        return;
    int rc = run(s, ST_ROLLBACK);
    if (rc != SQLITE_DONE)
        fail_s(s, rc, "rollback", NULL, NULL);
}

/* ---- opening and migrations ---------------------------------------------------------------- */

static int exec_sql(sqlite3 *db, const char *path, const char *sql, const char *op)
{
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    if (rc != SQLITE_OK)
        return fail(db, path, rc, op, NULL, NULL);
    return 0;
}

/* Runs a statement that returns one row and copies its first column as
 * text into out (size n). Used for PRAGMAs, which return their new value. */
static int query_text(sqlite3 *db, const char *path, const char *sql, char *out, size_t n)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        if (rc == SQLITE_DONE)
            AULA_LOG_ERROR("store", "query returned no row", "sql=\"%s\"", sql);
        else
            fail(db, path, rc, sql, NULL, NULL);
        sqlite3_finalize(st);
        return AULA_ESTORE;
    }
    const unsigned char *t = sqlite3_column_text(st, 0);
    snprintf(out, n, "%s", t ? (const char *)t : "");
    sqlite3_finalize(st);
    return 0;
}

/* Sets a PRAGMA and reads it back: SQLite ignores PRAGMAs it cannot honour
 * (journal_mode=WAL on some file systems, foreign_keys in a build without
 * them), and the guarantees in store.h depend on these. */
static int pragma_set(sqlite3 *db, const char *path, const char *set_sql, const char *get_sql,
                      const char *want)
{
    char got[32];
    if (exec_sql(db, path, set_sql, set_sql) < 0)
        return AULA_ESTORE;
    if (query_text(db, path, get_sql, got, sizeof got) < 0)
        return AULA_ESTORE;
    if (strcmp(got, want) != 0) {
        char qpath[256];
        AULA_LOG_ERROR("store", "sqlite refused a setting", "pragma=\"%s\" want=%s got=%s path=%s",
                       get_sql, want, got, aula_log_quote(qpath, sizeof qpath, path));
        return AULA_ESTORE;
    }
    return 0;
}

static int configure(sqlite3 *db, const char *path)
{
    sqlite3_extended_result_codes(db, 1);
    sqlite3_busy_timeout(db, BUSY_TIMEOUT_MS);
    if (pragma_set(db, path, "PRAGMA journal_mode=WAL", "PRAGMA journal_mode", "wal") < 0 ||
        pragma_set(db, path, "PRAGMA synchronous=FULL", "PRAGMA synchronous", "2") < 0 ||
        pragma_set(db, path, "PRAGMA foreign_keys=ON", "PRAGMA foreign_keys", "1") < 0)
        return AULA_ESTORE;
    return 0;
}

/* Reads the applied version inside the caller's transaction and checks
 * that schema_migrations holds exactly 1..version, so a table edited by
 * hand is refused rather than migrated from a wrong starting point. */
static int read_version(sqlite3 *db, const char *path, int *out)
{
    static const char sql[] =
        "SELECT COUNT(*), COALESCE(MIN(version), 1), COALESCE(MAX(version), 0) "
        "FROM schema_migrations";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_ROW) {
        fail(db, path, rc, "read schema version", NULL, NULL);
        sqlite3_finalize(st);
        return AULA_ESTORE;
    }
    int64_t count = sqlite3_column_int64(st, 0);
    int64_t min = sqlite3_column_int64(st, 1);
    int64_t max = sqlite3_column_int64(st, 2);
    sqlite3_finalize(st);
    if (count != max || min != 1 || max > INT_MAX) {
        char qpath[256];
        AULA_LOG_ERROR("store", "schema_migrations is inconsistent",
                       "rows=%lld min=%lld max=%lld path=%s", (long long)count, (long long)min,
                       (long long)max, aula_log_quote(qpath, sizeof qpath, path));
        return AULA_ESTORE;
    }
    *out = (int)max;
    return 0;
}

static int record_migration(sqlite3 *db, const char *path, int version)
{
    static const char sql[] = "INSERT INTO schema_migrations (version, applied_ms) VALUES (?1, ?2)";
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = aula__sqlite_bind(st, "dl", version, wall_ms());
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        fail(db, path, rc, "record migration", NULL, NULL);
    sqlite3_finalize(st);
    return rc == SQLITE_DONE ? 0 : AULA_ESTORE;
}

/* Brings the schema up to date, one migration per transaction. Each round
 * re-reads the version under the write lock, so two processes opening the
 * same file at once cannot both apply the same step. Refuses a database
 * whose version is newer than this binary knows. */
static int migrate(sqlite3 *db, const char *path)
{
    size_t n;
    const aula_store_migration *m = aula_store_migrations(&n);
    const int latest = aula_store_schema_latest();
    char qpath[256];
    aula_log_quote(qpath, sizeof qpath, path);

    for (;;) {
        int version = 0;
        if (exec_sql(db, path, "BEGIN IMMEDIATE", "begin migration") < 0)
            return AULA_ESTORE;
        int err = exec_sql(db, path, aula_store_migrations_table_sql(), "create schema_migrations");
        if (err == 0)
            err = read_version(db, path, &version);
        if (err == 0 && version > latest) {
            AULA_LOG_ERROR("store", "database schema is newer than this aula",
                           "db_version=%d known_version=%d path=%s hint=\"upgrade aula\"", version,
                           latest, qpath);
            err = AULA_ESTORE;
        }
        if (err == 0 && version == latest) {
            err = exec_sql(db, path, "COMMIT", "commit");
            if (err == 0)
                return 0;
        } else if (err == 0) {
            const aula_store_migration *next = &m[version];
            assert((size_t)version < n && next->version == version + 1);
            err = exec_sql(db, path, next->sql, "apply migration");
            if (err == 0)
                err = record_migration(db, path, next->version);
            if (err == 0)
                err = exec_sql(db, path, "COMMIT", "commit migration");
            if (err == 0)
                AULA_LOG_INFO("store", "schema migrated", "version=%d what=\"%s\" path=%s",
                              next->version, next->description, qpath);
        }
        if (err < 0) {
            if (!sqlite3_get_autocommit(db))
                sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
            return err;
        }
    }
}

static int prepare_all(store_sqlite *s)
{
    for (int i = 0; i < ST_COUNT_; i++) {
        int rc = sqlite3_prepare_v3(s->db, stmt_sql[i], -1, SQLITE_PREPARE_PERSISTENT, &s->stmt[i],
                                    NULL);
        if (rc != SQLITE_OK)
            return fail_s(s, rc, stmt_sql[i], NULL, NULL);
    }
    return 0;
}

/* ---- operations ---------------------------------------------------------------------------- */

static void op_close(aula_store *base)
{
    store_sqlite *s = from_base(base);
    for (int i = 0; i < ST_COUNT_; i++)
        sqlite3_finalize(s->stmt[i]);
    if (s->db) {
        /* TRUNCATE leaves a zero-length WAL, so the data lives in the main
         * file alone and a copy of that file is a complete backup. */
        int log_frames = 0, ckpt_frames = 0;
        int rc = sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_TRUNCATE, &log_frames,
                                           &ckpt_frames);
        if (rc != SQLITE_OK)
            fail_s(s, rc, "wal checkpoint", NULL, NULL);
        rc = sqlite3_close(s->db);
        if (rc != SQLITE_OK)
            fail_s(s, rc, "close", NULL, NULL);
    }
    aula_free(s->path);
    aula_free(s);
}

static int op_schema_version(aula_store *base, int *out)
{
    store_sqlite *s = from_base(base);
    sqlite3_stmt *st = s->stmt[ST_SCHEMA_VERSION];
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int(st, 0);
    else
        fail_s(s, rc, "schema version", NULL, NULL);
    stmt_done(st);
    return rc == SQLITE_ROW ? 0 : AULA_ESTORE;
}

static int op_room_create(aula_store *base, const aula_room_rec *rec)
{
    store_sqlite *s = from_base(base);
    sqlite3_stmt *st = s->stmt[ST_ROOM_INSERT];
    int rc = aula__sqlite_bind(st, "sslsssddsss", rec->id, rec->title, rec->created_ms,
                               rec->owner_id, rec->host_key, rec->password_hash, rec->lobby,
                               rec->locked, rec->kind, rec->chat_mode, rec->event_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        err = AULA_EEXIST;
    else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        err = AULA_ENOENT; /* the only foreign key is owner_id */
    else if (rc != SQLITE_DONE)
        err = fail_s(s, rc, "room create", rec->id, NULL);
    stmt_done(st);
    return err;
}

static int op_room_get(aula_store *base, const char *id, aula_room_rec *out)
{
    store_sqlite *s = from_base(base);
    sqlite3_stmt *st = s->stmt[ST_ROOM_GET];
    int rc = aula__sqlite_bind(st, "s", id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW) {
        read_room(st, out);
    } else if (rc == SQLITE_DONE) {
        err = AULA_ENOENT;
    } else {
        err = fail_s(s, rc, "room get", id, NULL);
    }
    stmt_done(st);
    return err;
}

static int op_room_count(aula_store *base, int64_t *out)
{
    store_sqlite *s = from_base(base);
    sqlite3_stmt *st = s->stmt[ST_ROOM_COUNT];
    int rc = sqlite3_step(st);
    if (rc == SQLITE_ROW)
        *out = sqlite3_column_int64(st, 0);
    else
        fail_s(s, rc, "room count", NULL, NULL);
    stmt_done(st);
    return rc == SQLITE_ROW ? 0 : AULA_ESTORE;
}

static int op_room_set_flags(aula_store *base, const char *id, int lobby, int locked)
{
    store_sqlite *s = from_base(base);
    sqlite3_stmt *st = s->stmt[ST_ROOM_SET_FLAGS];
    int rc = aula__sqlite_bind(st, "sdd", id, lobby, locked);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc != SQLITE_DONE)
        err = fail_s(s, rc, "room set flags", id, NULL);
    else if (sqlite3_changes(s->db) == 0)
        err = AULA_ENOENT;
    stmt_done(st);
    return err;
}

static int op_rooms_by_owner(aula_store *base, const char *owner_id, aula_room_rec **out,
                             size_t *n_out)
{
    store_sqlite *s = from_base(base);
    sqlite3_stmt *st = s->stmt[ST_ROOMS_BY_OWNER];
    int rc = aula__sqlite_bind(st, "s", owner_id);
    size_t n = 0;
    aula_room_rec *recs = aula__sqlite_rows(st, &rc, sizeof *recs, read_room, &n);
    int err = rc == SQLITE_DONE ? 0 : fail_s(s, rc, "rooms by owner", NULL, NULL);
    stmt_done(st);
    if (err < 0 || n == 0) {
        aula_room_recs_free(recs, n);
        return err;
    }
    *out = recs;
    *n_out = n;
    return 0;
}

static int op_participant_add(aula_store *base, const char *room_id, const char *participant_id,
                              const char *name, int64_t now_ms)
{
    store_sqlite *s = from_base(base);
    sqlite3_stmt *st = s->stmt[ST_PARTICIPANT_INSERT];
    int rc = aula__sqlite_bind(st, "sssl", participant_id, room_id, name, now_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        err = AULA_ENOENT; /* the only foreign key is room_id */
    else if (rc != SQLITE_DONE)
        err = fail_s(s, rc, "participant add", room_id, participant_id);
    else if (sqlite3_changes(s->db) == 0)
        err = AULA_EEXIST; /* the id belongs to another room */
    stmt_done(st);
    return err;
}

static int op_participant_left(aula_store *base, const char *participant_id, int64_t now_ms)
{
    store_sqlite *s = from_base(base);
    sqlite3_stmt *st = s->stmt[ST_PARTICIPANT_LEFT];
    int rc = aula__sqlite_bind(st, "sl", participant_id, now_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc != SQLITE_DONE)
        err = fail_s(s, rc, "participant left", NULL, participant_id);
    else if (sqlite3_changes(s->db) == 0)
        err = AULA_ENOENT;
    stmt_done(st);
    return err;
}

static int op_participant_seen(aula_store *base, const char *room_id, const char *participant_id)
{
    store_sqlite *s = from_base(base);
    sqlite3_stmt *st = s->stmt[ST_PARTICIPANT_SEEN];
    int rc = aula__sqlite_bind(st, "ss", participant_id, room_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_DONE)
        err = AULA_ENOENT;
    else if (rc != SQLITE_ROW)
        err = fail_s(s, rc, "participant seen", room_id, participant_id);
    stmt_done(st);
    return err;
}

/* Takes the room's next seq. Returns 0, AULA_ENOENT (no such room) or
 * AULA_ESTORE (logged). Runs inside the caller's transaction. */
static int chat_next_seq(store_sqlite *s, const char *room_id, int64_t *seq)
{
    sqlite3_stmt *st = s->stmt[ST_CHAT_NEXT_SEQ];
    int rc = aula__sqlite_bind(st, "s", room_id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW) {
        *seq = sqlite3_column_int64(st, 0);
        /* Step to the end so the UPDATE is complete before the reset. */
        rc = sqlite3_step(st);
        if (rc != SQLITE_DONE)
            err = fail_s(s, rc, "chat next seq", room_id, NULL);
    } else if (rc == SQLITE_DONE) {
        err = AULA_ENOENT;
    } else {
        err = fail_s(s, rc, "chat next seq", room_id, NULL);
    }
    stmt_done(st);
    return err;
}

static int chat_insert(store_sqlite *s, const char *room_id, int64_t seq,
                       const char *participant_id, const char *name, const char *text, int to_hosts,
                       int64_t now_ms)
{
    sqlite3_stmt *st = s->stmt[ST_CHAT_INSERT];
    int rc = aula__sqlite_bind(st, "slsssld", room_id, seq, participant_id, name, text, now_ms,
                               to_hosts);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = rc == SQLITE_DONE ? 0 : fail_s(s, rc, "chat insert", room_id, participant_id);
    stmt_done(st);
    return err;
}

static int op_chat_append(aula_store *base, const char *room_id, const char *participant_id,
                          const char *name, const char *text, int to_hosts, int64_t now_ms,
                          int64_t *out_seq)
{
    store_sqlite *s = from_base(base);
    int64_t seq = 0;
    int rc = run(s, ST_BEGIN);
    if (rc != SQLITE_DONE)
        return fail_s(s, rc, "chat begin", room_id, participant_id);
    int err = chat_next_seq(s, room_id, &seq);
    if (err == 0)
        err = chat_insert(s, room_id, seq, participant_id, name, text, to_hosts, now_ms);
    if (err == 0) {
        rc = run(s, ST_COMMIT);
        if (rc != SQLITE_DONE)
            err = fail_s(s, rc, "chat commit", room_id, participant_id);
    }
    if (err < 0) {
        rollback(s);
        return err;
    }
    *out_seq = seq;
    return 0;
}

static int op_chat_page(aula_store *base, const char *room_id, int64_t before_seq, size_t limit,
                        const char *viewer_id, int viewer_is_host, aula_chat_rec **out,
                        size_t *n_out)
{
    store_sqlite *s = from_base(base);
    sqlite3_stmt *st = s->stmt[ST_CHAT_PAGE];
    assert(limit > 0); /* the dispatcher answers limit 0 itself */
    int64_t lim = limit > (size_t)INT64_MAX ? INT64_MAX : (int64_t)limit;
    aula_chat_rec *recs = NULL;
    size_t n = 0, cap = 0;

    int rc = aula__sqlite_bind(st, "sllds", room_id, before_seq <= 0 ? INT64_MAX : before_seq, lim,
                               viewer_is_host, viewer_id);
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
            break;
        if (n == cap) {
            cap = cap ? cap * 2 : (limit < 64 ? limit : 64);
            recs = aula_realloc(recs, cap * sizeof *recs);
        }
        aula_chat_rec *r = &recs[n++];
        r->seq = sqlite3_column_int64(st, 0);
        r->participant_id = aula__sqlite_text(st, 1);
        r->name = aula__sqlite_text(st, 2);
        r->text = aula__sqlite_text(st, 3);
        r->ts_ms = sqlite3_column_int64(st, 4);
        r->to_hosts = sqlite3_column_int(st, 5) != 0;
    }
    int err = rc == SQLITE_DONE ? 0 : fail_s(s, rc, "chat page", room_id, NULL);
    stmt_done(st);
    if (err < 0) {
        aula_chat_recs_free(recs, n);
        return err;
    }
    for (size_t i = 0; i < n / 2; i++) {
        aula_chat_rec tmp = recs[i];
        recs[i] = recs[n - 1 - i];
        recs[n - 1 - i] = tmp;
    }
    *out = n ? recs : NULL;
    *n_out = n;
    if (!n)
        aula_free(recs);
    return 0;
}

/* ---- accounts and sessions ------------------------------------------------------------------ */

static int op_user_create(aula_store *base, const aula_user_rec *u)
{
    store_sqlite *s = from_base(base);
    sqlite3_stmt *st = s->stmt[ST_USER_INSERT];
    int rc =
        aula__sqlite_bind(st, "ssssl", u->id, u->email, u->name, u->password_hash, u->created_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
        err = AULA_EEXIST;
    else if (rc != SQLITE_DONE)
        err = fail_s(s, rc, "user create", NULL, NULL);
    stmt_done(st);
    return err;
}

/* Runs a USER_COLUMNS query keyed by one string. */
static int user_query(store_sqlite *s, enum stmt_id id, const char *key, aula_user_rec *out)
{
    sqlite3_stmt *st = s->stmt[id];
    int rc = aula__sqlite_bind(st, "s", key);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW)
        read_user(st, out);
    else if (rc == SQLITE_DONE)
        err = AULA_ENOENT;
    else
        err = fail_s(s, rc, "user get", NULL, NULL);
    stmt_done(st);
    return err;
}

static int op_user_by_email(aula_store *base, const char *email, aula_user_rec *out)
{
    return user_query(from_base(base), ST_USER_BY_EMAIL, email, out);
}

static int op_user_get(aula_store *base, const char *id, aula_user_rec *out)
{
    return user_query(from_base(base), ST_USER_GET, id, out);
}

static int op_session_create(aula_store *base, const char *token_hash, const char *user_id,
                             const char *csrf, int64_t now_ms, int64_t expires_ms)
{
    store_sqlite *s = from_base(base);
    /* Housekeeping first: a user's expired sessions go as a new one comes.
     * A failure here is logged and does not stop the login. */
    sqlite3_stmt *st = s->stmt[ST_SESSION_PURGE];
    int rc = aula__sqlite_bind(st, "sl", user_id, now_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc != SQLITE_DONE)
        fail_s(s, rc, "session purge", NULL, NULL);
    stmt_done(st);

    st = s->stmt[ST_SESSION_INSERT];
    rc = aula__sqlite_bind(st, "sssll", token_hash, user_id, csrf, now_ms, expires_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        err = AULA_EEXIST;
    else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        err = AULA_ENOENT;
    else if (rc != SQLITE_DONE)
        err = fail_s(s, rc, "session create", NULL, NULL);
    stmt_done(st);
    return err;
}

static int op_session_get(aula_store *base, const char *token_hash, int64_t now_ms,
                          aula_session_rec *out)
{
    store_sqlite *s = from_base(base);
    sqlite3_stmt *st = s->stmt[ST_SESSION_GET];
    int rc = aula__sqlite_bind(st, "sl", token_hash, now_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW) {
        out->token_hash = aula__sqlite_text(st, 0);
        out->user_id = aula__sqlite_text(st, 1);
        out->csrf = aula__sqlite_text(st, 2);
        out->created_ms = sqlite3_column_int64(st, 3);
        out->expires_ms = sqlite3_column_int64(st, 4);
    } else if (rc == SQLITE_DONE) {
        err = AULA_ENOENT;
    } else {
        err = fail_s(s, rc, "session get", NULL, NULL);
    }
    stmt_done(st);
    return err;
}

static int op_session_delete(aula_store *base, const char *token_hash)
{
    store_sqlite *s = from_base(base);
    sqlite3_stmt *st = s->stmt[ST_SESSION_DELETE];
    int rc = aula__sqlite_bind(st, "s", token_hash);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = rc == SQLITE_DONE ? 0 : fail_s(s, rc, "session delete", NULL, NULL);
    stmt_done(st);
    return err;
}

static const aula_store_ops sqlite_ops = {
    .name = "sqlite",
    .close = op_close,
    .schema_version = op_schema_version,
    .room_create = op_room_create,
    .room_get = op_room_get,
    .room_count = op_room_count,
    .room_set_flags = op_room_set_flags,
    .rooms_by_owner = op_rooms_by_owner,
    .participant_add = op_participant_add,
    .participant_left = op_participant_left,
    .participant_seen = op_participant_seen,
    .chat_append = op_chat_append,
    .chat_page = op_chat_page,
    .user_create = op_user_create,
    .user_by_email = op_user_by_email,
    .user_get = op_user_get,
    .session_create = op_session_create,
    .session_get = op_session_get,
    .session_delete = op_session_delete,
    .files = &aula__sqlite_file_ops,      /* store_sqlite_files.c */
    .webinar = &aula__sqlite_webinar_ops, /* store_sqlite_webinar.c */
    .events = &aula__sqlite_event_ops,    /* store_sqlite_events.c */
};

sqlite3 *aula__store_sqlite_db(aula_store *s)
{
    return from_base(s)->db;
}

int aula_store_sqlite_open(const char *path, aula_store **out)
{
    assert(path && out);
    *out = NULL;

    sqlite3 *db = NULL;
    int rc = sqlite3_open_v2(
        path, &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, NULL);
    if (rc != SQLITE_OK) {
        fail(db, path, rc, "open", NULL, NULL);
        sqlite3_close(db);
        return AULA_ESTORE;
    }
    if (configure(db, path) < 0 || migrate(db, path) < 0) {
        sqlite3_close(db);
        return AULA_ESTORE;
    }

    store_sqlite *s = aula_calloc(1, sizeof *s);
    s->base.ops = &sqlite_ops;
    s->db = db;
    s->path = aula_strdup(path);
    if (prepare_all(s) < 0) {
        op_close(&s->base);
        return AULA_ESTORE;
    }

    int version = 0;
    op_schema_version(&s->base, &version);
    char qpath[256];
    AULA_LOG_INFO("store", "store open", "backend=sqlite path=%s schema_version=%d sqlite=%s",
                  aula_log_quote(qpath, sizeof qpath, path), version, sqlite3_libversion());
    *out = &s->base;
    return 0;
}
