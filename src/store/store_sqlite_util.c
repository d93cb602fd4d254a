/* The statement helpers the SQLite files of the store share: error
 * logging, binding by a format string, copying text columns, and the
 * step-and-map patterns of the statements prepared per call. */
#include "store/store_sqlite_internal.h"

#include <assert.h>
#include <stdarg.h>
#include <string.h>

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"

int aula__sqlite_fail(sqlite3 *db, int rc, const char *op, const char *key_name, const char *key)
{
    char qop[160], qkey[128], qmsg[512];
    AULA_LOG_ERROR("store", "sqlite error", "op=%s %s=%s code=%d detail=%s",
                   aula_log_quote(qop, sizeof qop, op), key_name,
                   aula_log_quote(qkey, sizeof qkey, key ? key : ""), rc,
                   aula_log_quote(qmsg, sizeof qmsg, sqlite3_errmsg(db)));
    return AULA_ESTORE;
}

static int bind_v(sqlite3_stmt *st, const char *fmt, va_list ap)
{
    int rc = SQLITE_OK;
    for (int i = 0; fmt[i] && rc == SQLITE_OK; i++) {
        switch (fmt[i]) {
        case 's': {
            const char *v = va_arg(ap, const char *);
            rc = v ? sqlite3_bind_text(st, i + 1, v, -1, SQLITE_STATIC)
                   : sqlite3_bind_null(st, i + 1);
            break;
        }
        case 'd':
            rc = sqlite3_bind_int(st, i + 1, va_arg(ap, int));
            break;
        case 'l':
            rc = sqlite3_bind_int64(st, i + 1, va_arg(ap, int64_t));
            break;
        case 'z': {
            int64_t v = va_arg(ap, int64_t);
            rc = v == 0 ? sqlite3_bind_null(st, i + 1) : sqlite3_bind_int64(st, i + 1, v);
            break;
        }
        default:
            assert(!"aula__sqlite_bind: unknown format letter");
            rc = SQLITE_MISUSE;
        }
    }
    return rc;
}

int aula__sqlite_bind(sqlite3_stmt *st, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int rc = bind_v(st, fmt, ap);
    va_end(ap);
    return rc;
}

int aula__sqlite_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, const char *fmt, ...)
{
    int rc = sqlite3_prepare_v2(db, sql, -1, st, NULL);
    if (rc != SQLITE_OK)
        return rc;
    va_list ap;
    va_start(ap, fmt);
    rc = bind_v(*st, fmt, ap);
    va_end(ap);
    return rc;
}

char *aula__sqlite_text_dup(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t ? aula_strndup((const char *)t, (size_t)sqlite3_column_bytes(st, col)) : NULL;
}

char *aula__sqlite_text(sqlite3_stmt *st, int col)
{
    char *s = aula__sqlite_text_dup(st, col);
    return s ? s : aula_strdup("");
}

int aula__sqlite_write(sqlite3 *db, sqlite3_stmt *st, int rc, int must_change, const char *op,
                       const char *key_name, const char *key)
{
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err;
    if (rc == SQLITE_DONE)
        err = must_change && sqlite3_changes(db) == 0 ? AULA_ENOENT : 0;
    else if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE)
        err = AULA_EEXIST;
    else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY)
        err = AULA_ENOENT;
    else
        err = aula__sqlite_fail(db, rc, op, key_name, key);
    sqlite3_finalize(st);
    return err;
}

int aula__sqlite_step_int(sqlite3 *db, sqlite3_stmt *st, int rc, int64_t *out, const char *op,
                          const char *key_name, const char *key)
{
    if (rc == SQLITE_OK)
        rc = sqlite3_step(st);
    int err = 0;
    if (rc == SQLITE_ROW) {
        if (out)
            *out = sqlite3_column_int64(st, 0);
    } else if (rc == SQLITE_DONE || rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        err = AULA_ENOENT;
    } else if (rc == SQLITE_CONSTRAINT_PRIMARYKEY || rc == SQLITE_CONSTRAINT_UNIQUE) {
        err = AULA_EEXIST;
    } else {
        err = aula__sqlite_fail(db, rc, op, key_name, key);
    }
    sqlite3_finalize(st);
    return err;
}

void *aula__sqlite_rows(sqlite3_stmt *st, int *rc, size_t size,
                        void (*read)(sqlite3_stmt *st, void *rec), size_t *n)
{
    unsigned char *recs = NULL;
    size_t cap = 0;
    *n = 0;
    while (*rc == SQLITE_OK || *rc == SQLITE_ROW) {
        *rc = sqlite3_step(st);
        if (*rc != SQLITE_ROW)
            break;
        if (*n == cap) {
            cap = cap ? cap * 2 : 8;
            recs = aula_realloc(recs, cap * size);
        }
        void *rec = recs + *n * size;
        memset(rec, 0, size);
        read(st, rec);
        (*n)++;
    }
    return recs;
}

int aula__sqlite_begin(sqlite3 *db, const char *op, const char *key_name, const char *key)
{
    int rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
    return rc == SQLITE_OK ? 0 : aula__sqlite_fail(db, rc, op, key_name, key);
}

int aula__sqlite_finish(sqlite3 *db, int err, const char *op, const char *key_name, const char *key)
{
    if (err == 0) {
        int rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
        if (rc != SQLITE_OK)
            err = aula__sqlite_fail(db, rc, op, key_name, key);
    }
    if (err != 0 && !sqlite3_get_autocommit(db))
        sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    return err;
}
