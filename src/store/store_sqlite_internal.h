/* What store_sqlite.c shares with the other SQLite files of the store
 * (store_sqlite_files.c). Not for use outside src/store/. */
#ifndef AULA_STORE_STORE_SQLITE_INTERNAL_H
#define AULA_STORE_STORE_SQLITE_INTERNAL_H

#include "store/store.h"
#include "store/store_events.h"
#include "store/store_files.h"
#include "store/store_webinar.h"

#include <sqlite3.h>

/* The connection of an SQLite store (borrowed). */
sqlite3 *aula__store_sqlite_db(aula_store *s);

/* The file operations of the SQLite backend (store_sqlite_files.c). */
extern const aula_store_file_ops aula__sqlite_file_ops;

/* The webinar operations of the SQLite backend (store_sqlite_webinar.c). */
extern const aula_store_webinar_ops aula__sqlite_webinar_ops;

/* The event operations of the SQLite backend (store_sqlite_events.c). */
extern const aula_store_event_ops aula__sqlite_event_ops;

#endif
