/* The SQLite side of the file records (migration 3, table files).
 *
 * Statements are prepared per call rather than cached: uploads and
 * deletions are rare next to chat lines, and it keeps this file apart from
 * store_sqlite.c's statement table. Each call leaves no statement open. */
#include "store/store_files.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "store/store_sqlite_internal.h"

#include <stdio.h>
#include <string.h>

#define FILE_COLUMNS "id, room_id, name, type, sha256, uploader_id, uploader_name, size, created_ms"

static int fail(sqlite3 *db, int rc, const char *op, const char *room_id)
{
    char qop[64], qroom[128], qmsg[512];
    AULA_LOG_ERROR("store", "sqlite error", "op=%s room=%s code=%d detail=%s",
                   aula_log_quote(qop, sizeof qop, op),
                   aula_log_quote(qroom, sizeof qroom, room_id ? room_id : ""), rc,
                   aula_log_quote(qmsg, sizeof qmsg, sqlite3_errmsg(db)));
    return AULA_ESTORE;
}

static char *col(sqlite3_stmt *st, int i)
{
    const unsigned char *t = sqlite3_column_text(st, i);
    return t ? aula_strndup((const char *)t, (size_t)sqlite3_column_bytes(st, i)) : aula_strdup("");
}

static void read_row(sqlite3_stmt *st, aula_file_rec *r)
{
    r->id = col(st, 0);
    r->room_id = col(st, 1);
    r->name = col(st, 2);
    r->type = col(st, 3);
    r->sha256 = col(st, 4);
    r->uploader_id = col(st, 5);
    r->uploader_name = col(st, 6);
    r->size = sqlite3_column_int64(st, 7);
    r->created_ms = sqlite3_column_int64(st, 8);
}

static int bind(sqlite3_stmt *st, int i, const char *v)
{
    return sqlite3_bind_text(st, i, v, -1, SQLITE_STATIC);
}

static int op_add(aula_store *s, const aula_file_rec *r)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "INSERT INTO files (" FILE_COLUMNS ") "
                                "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                -1, &st, NULL);
    const char *text[] = {r->id,     r->room_id,     r->name,         r->type,
                          r->sha256, r->uploader_id, r->uploader_name};
    for (int i = 0; i < 7 && rc == SQLITE_OK; i++)
        rc = bind(st, i + 1, text[i]);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 8, r->size);
    if (rc == SQLITE_OK)
        rc = sqlite3_bind_int64(st, 9, r->created_ms);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
        err = AULA_EEXIST;
    else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        err = AULA_ENOENT; /* the room */
    else if (rc != SQLITE_DONE)
        err = fail(db, rc, "file add", r->room_id);
    sqlite3_finalize(st);
    return err;
}

static int op_list(aula_store *s, const char *room_id, aula_file_rec **out, size_t *n_out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db,
                                "SELECT " FILE_COLUMNS " FROM files WHERE room_id = ?1 "
                                "ORDER BY created_ms, rowid",
                                -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = bind(st, 1, room_id);
    aula_file_rec *recs = NULL;
    size_t n = 0, cap = 0;
    while (rc == SQLITE_OK || rc == SQLITE_ROW) {
        rc = sqlite3_step(st);
        if (rc != SQLITE_ROW)
            break;
        if (n == cap) {
            cap = cap ? cap * 2 : 8;
            recs = aula_realloc(recs, cap * sizeof *recs);
        }
        read_row(st, &recs[n++]);
    }
    int err = rc == SQLITE_DONE ? 0 : fail(db, rc, "files list", room_id);
    sqlite3_finalize(st);
    if (err || n == 0) {
        aula_file_recs_free(recs, n);
        return err;
    }
    *out = recs;
    *n_out = n;
    return 0;
}

static int op_get(aula_store *s, const char *room_id, const char *id, aula_file_rec *out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(
        db, "SELECT " FILE_COLUMNS " FROM files WHERE room_id = ?1 AND id = ?2", -1, &st, NULL);
    if (rc == SQLITE_OK)
        rc = bind(st, 1, room_id);
    if (rc == SQLITE_OK)
        rc = bind(st, 2, id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW)
        read_row(st, out);
    else if (rc == SQLITE_DONE)
        err = AULA_ENOENT;
    else
        err = fail(db, rc, "file get", room_id);
    sqlite3_finalize(st);
    return err;
}

/* One statement step that returns no row or one integer. */
static int exec1(sqlite3 *db, const char *sql, const char *a, const char *b, int64_t *out)
{
    sqlite3_stmt *st = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
    if (rc == SQLITE_OK && a)
        rc = bind(st, 1, a);
    if (rc == SQLITE_OK && b)
        rc = bind(st, 2, b);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    if (rc == SQLITE_ROW && out)
        *out = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return rc;
}

/* The row goes and the blob's remaining references are counted inside one
 * transaction, so the answer cannot be stale. */
static int op_del(aula_store *s, const char *room_id, const char *id, char sha256_out[65],
                  int *blob_unused)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    aula_file_rec r = {0};
    int rc = exec1(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    if (rc != SQLITE_DONE)
        return fail(db, rc, "file delete begin", room_id);
    int err = op_get(s, room_id, id, &r);
    if (err == 0) {
        rc = exec1(db, "DELETE FROM files WHERE room_id = ?1 AND id = ?2", room_id, id, NULL);
        if (rc != SQLITE_DONE)
            err = fail(db, rc, "file delete", room_id);
    }
    int64_t left = 1;
    if (err == 0) {
        rc = exec1(db, "SELECT COUNT(*) FROM files WHERE sha256 = ?1", r.sha256, NULL, &left);
        if (rc != SQLITE_ROW)
            err = fail(db, rc, "file refs", room_id);
    }
    if (err == 0) {
        rc = exec1(db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_DONE)
            err = fail(db, rc, "file delete commit", room_id);
    }
    if (err != 0 && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    if (err == 0) {
        snprintf(sha256_out, 65, "%s", r.sha256);
        *blob_unused = left == 0;
    }
    aula_file_rec_deinit(&r);
    return err;
}

const aula_store_file_ops aula__sqlite_file_ops = {
    .add = op_add,
    .list = op_list,
    .get = op_get,
    .del = op_del,
};
