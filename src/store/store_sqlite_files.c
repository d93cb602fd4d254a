/* The SQLite side of the file records (migration 3, table files).
 *
 * Statements are prepared per call rather than cached: uploads and
 * deletions are rare next to chat lines, and it keeps this file apart from
 * store_sqlite.c's statement table. Each call leaves no statement open. */
#include "store/store_files.h"

#include "core/alloc.h"
#include "core/error.h"
#include "store/store_sqlite_internal.h"

#include <stdio.h>

#define FILE_COLUMNS "id, room_id, name, type, sha256, uploader_id, uploader_name, size, created_ms"

static void read_row(sqlite3_stmt *st, void *rec)
{
    aula_file_rec *r = rec;
    r->id = aula__sqlite_text(st, 0);
    r->room_id = aula__sqlite_text(st, 1);
    r->name = aula__sqlite_text(st, 2);
    r->type = aula__sqlite_text(st, 3);
    r->sha256 = aula__sqlite_text(st, 4);
    r->uploader_id = aula__sqlite_text(st, 5);
    r->uploader_name = aula__sqlite_text(st, 6);
    r->size = sqlite3_column_int64(st, 7);
    r->created_ms = sqlite3_column_int64(st, 8);
}

static int op_add(aula_store *s, const aula_file_rec *r)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(db, &st,
                                  "INSERT INTO files (" FILE_COLUMNS ") "
                                  "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                                  "sssssssll", r->id, r->room_id, r->name, r->type, r->sha256,
                                  r->uploader_id, r->uploader_name, r->size, r->created_ms);
    return aula__sqlite_write(db, st, rc, 0, "file add", "room", r->room_id);
}

static int op_list(aula_store *s, const char *room_id, aula_file_rec **out, size_t *n_out)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    sqlite3_stmt *st = NULL;
    int rc = aula__sqlite_prepare(db, &st,
                                  "SELECT " FILE_COLUMNS " FROM files WHERE room_id = ?1 "
                                  "ORDER BY created_ms, rowid",
                                  "s", room_id);
    size_t n = 0;
    aula_file_rec *recs = aula__sqlite_rows(st, &rc, sizeof *recs, read_row, &n);
    int err = rc == SQLITE_DONE ? 0 : aula__sqlite_fail(db, rc, "files list", "room", room_id);
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
    int rc = aula__sqlite_prepare(
        db, &st, "SELECT " FILE_COLUMNS " FROM files WHERE room_id = ?1 AND id = ?2", "ss", room_id,
        id);
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW)
        read_row(st, out);
    else if (rc == SQLITE_DONE)
        err = AULA_ENOENT;
    else
        err = aula__sqlite_fail(db, rc, "file get", "room", room_id);
    sqlite3_finalize(st);
    return err;
}

/* The row goes and the blob's remaining references are counted inside one
 * transaction, so the answer cannot be stale. */
static int op_del(aula_store *s, const char *room_id, const char *id, char sha256_out[65],
                  int *blob_unused)
{
    sqlite3 *db = aula__store_sqlite_db(s);
    aula_file_rec r = {0};
    int err = aula__sqlite_begin(db, "file delete begin", "room", room_id);
    if (err)
        return err;
    err = op_get(s, room_id, id, &r);
    sqlite3_stmt *st = NULL;
    if (err == 0) {
        int rc = aula__sqlite_prepare(db, &st, "DELETE FROM files WHERE room_id = ?1 AND id = ?2",
                                      "ss", room_id, id);
        err = aula__sqlite_write(db, st, rc, 0, "file delete", "room", room_id);
    }
    int64_t left = 1;
    if (err == 0) {
        int rc = aula__sqlite_prepare(db, &st, "SELECT COUNT(*) FROM files WHERE sha256 = ?1", "s",
                                      r.sha256);
        err = aula__sqlite_step_int(db, st, rc, &left, "file refs", "room", room_id);
    }
    err = aula__sqlite_finish(db, err, "file delete commit", "room", room_id);
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
