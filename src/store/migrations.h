/* The schema of the store, as numbered migrations.
 *
 * Migration n (n = 1, 2, ...) is entry n - 1 of the table returned by
 * aula_store_migrations(). Each one is plain SQL that a backend runs in one
 * transaction, after which it records the number in schema_migrations. The
 * SQL keeps to what SQLite and PostgreSQL both accept (TEXT, BIGINT,
 * PRIMARY KEY, REFERENCES, CREATE INDEX), so a second backend can run the
 * same texts, or mirror them entry by entry if it ever has to differ.
 *
 * Rules for adding one: append an entry, never edit or reorder a released
 * one (databases in the field have already run it), and keep it safe to run
 * inside a transaction. */
#ifndef AULA_STORE_MIGRATIONS_H
#define AULA_STORE_MIGRATIONS_H

#include <stddef.h>

typedef struct aula_store_migration {
    int version;             /* 1 for the first entry, then +1 per entry */
    const char *description; /* a few words for logs */
    const char *sql;         /* one or more statements separated by ';' */
} aula_store_migration;

/* Returns the migrations in the order they must be applied and sets *n to
 * how many there are. The table is static and immutable. Thread: any. */
const aula_store_migration *aula_store_migrations(size_t *n);

/* The highest version this binary knows, i.e. the version of the last
 * entry. A database with a higher version was written by a newer aula and
 * must not be opened. Thread: any. */
int aula_store_schema_latest(void);

/* SQL that creates the bookkeeping table schema_migrations(version,
 * applied_ms) if it does not exist yet. Run before reading the version,
 * outside the numbered migrations because it is what numbers them. */
const char *aula_store_migrations_table_sql(void);

#endif
