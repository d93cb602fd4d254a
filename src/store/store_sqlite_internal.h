/* What the SQLite files of the store (store_sqlite.c, store_sqlite_files.c,
 * store_sqlite_events.c, store_sqlite_webinar.c) share: the connection, the
 * per-area operation tables, and the statement helpers of
 * store_sqlite_util.c. Not for use outside src/store/. All of it runs on the
 * thread that owns the store. */
#ifndef AULA_STORE_STORE_SQLITE_INTERNAL_H
#define AULA_STORE_STORE_SQLITE_INTERNAL_H

#include "store/store.h"
#include "store/store_events.h"
#include "store/store_files.h"
#include "store/store_webinar.h"

#include <sqlite3.h>
#include <stddef.h>
#include <stdint.h>

/* The connection of an SQLite store (borrowed). */
sqlite3 *aula__store_sqlite_db(aula_store *s);

/* The file operations of the SQLite backend (store_sqlite_files.c). */
extern const aula_store_file_ops aula__sqlite_file_ops;

/* The webinar operations of the SQLite backend (store_sqlite_webinar.c). */
extern const aula_store_webinar_ops aula__sqlite_webinar_ops;

/* The event operations of the SQLite backend (store_sqlite_events.c). */
extern const aula_store_event_ops aula__sqlite_event_ops;

/* ---- statement helpers (store_sqlite_util.c) ------------------------------------------------ */

/* Logs a failed SQLite call as "op=… <key_name>=… code=… detail=…" with the
 * connection's message (key NULL logs ""). Must run before anything else
 * touches the connection, which would overwrite the message. Returns
 * AULA_ESTORE so callers can write "return aula__sqlite_fail(...)". */
int aula__sqlite_fail(sqlite3 *db, int rc, const char *op, const char *key_name, const char *key);

/* Binds parameters ?1, ?2, ... of st from the arguments fmt describes, one
 * letter each:
 *   's'  const char *  text; NULL binds NULL
 *   'd'  int           integer
 *   'l'  int64_t       integer
 *   'z'  int64_t       integer; 0 binds NULL (an unset time)
 * Text is bound SQLITE_STATIC: the caller's strings must outlive the
 * statement's next reset or finalize. Another letter is a programmer error
 * (asserted). Returns an SQLite code (SQLITE_OK on success). */
int aula__sqlite_bind(sqlite3_stmt *st, const char *fmt, ...);

/* Prepares sql into *st (the caller finalizes it, also on failure) and
 * binds the arguments as aula__sqlite_bind does. Returns an SQLite code. */
int aula__sqlite_prepare(sqlite3 *db, sqlite3_stmt **st, const char *sql, const char *fmt, ...);

/* Copies a TEXT column (owned by the caller). aula__sqlite_text reads NULL
 * as "" (for NOT NULL columns, where NULL can only be a broken row);
 * aula__sqlite_text_dup keeps NULL as NULL (for nullable columns). */
char *aula__sqlite_text(sqlite3_stmt *st, int col);
char *aula__sqlite_text_dup(sqlite3_stmt *st, int col);

/* Steps a write statement unless rc (the preparing code) already failed,
 * and finalizes st. Returns 0, AULA_EEXIST (a primary key or UNIQUE
 * constraint), AULA_ENOENT (a foreign key, or no row changed when
 * must_change), or AULA_ESTORE (logged with op and key). */
int aula__sqlite_write(sqlite3 *db, sqlite3_stmt *st, int rc, int must_change, const char *op,
                       const char *key_name, const char *key);

/* Steps a statement that returns at most one row and reads its first
 * column into *out (may be NULL); finalizes st. Returns 0, AULA_ENOENT (no
 * row, or a foreign key), AULA_EEXIST (a primary key or UNIQUE constraint)
 * or AULA_ESTORE (logged). */
int aula__sqlite_step_int(sqlite3 *db, sqlite3_stmt *st, int rc, int64_t *out, const char *op,
                          const char *key_name, const char *key);

/* Steps st to its end unless *rc already failed, appending one zeroed
 * record of size bytes per row, filled by read. Returns the array (owned by
 * the caller, NULL when no row was read) and its length in *n, also on
 * failure so the caller can free what was read; *rc is SQLITE_DONE when
 * every row was read. Does not finalize or reset st. */
void *aula__sqlite_rows(sqlite3_stmt *st, int *rc, size_t size,
                        void (*read)(sqlite3_stmt *st, void *rec), size_t *n);

/* BEGIN IMMEDIATE on db. Returns 0 or AULA_ESTORE (logged). */
int aula__sqlite_begin(sqlite3 *db, const char *op, const char *key_name, const char *key);

/* Ends the transaction aula__sqlite_begin opened: COMMIT when err is 0,
 * else ROLLBACK (unless SQLite rolled back by itself). Returns err, or
 * AULA_ESTORE when the commit failed (logged with op). */
int aula__sqlite_finish(sqlite3 *db, int err, const char *op, const char *key_name,
                        const char *key);

#endif
