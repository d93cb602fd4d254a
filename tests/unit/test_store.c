/* Tests for the store (src/store/) against real SQLite databases in a fresh
 * temporary directory per test. Where the store's own API cannot show a
 * property (journal mode, the migrations table, the schema), the test looks
 * through a second, plain sqlite3 connection, as an operator would. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/error.h"
#include "core/log.h"
#include "store/migrations.h"
#include "store/store.h"

typedef struct fixture {
    char dir[64];
    char path[128];
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    const char *tmp = getenv("TMPDIR");
    if (!tmp || !*tmp || strlen(tmp) > 40)
        tmp = "/tmp";
    snprintf(f->dir, sizeof f->dir, "%s/aula-store-XXXXXX", tmp);
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/aula.db", f->dir);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    static const char *const suffixes[] = {"", "-wal", "-shm", "-journal"};
    char p[160];
    for (size_t i = 0; i < sizeof suffixes / sizeof suffixes[0]; i++) {
        snprintf(p, sizeof p, "%s%s", f->path, suffixes[i]);
        unlink(p);
    }
    rmdir(f->dir);
    free(f);
    return 0;
}

static aula_store *open_ok(const fixture *f)
{
    aula_store *s = NULL;
    assert_int_equal(aula_store_sqlite_open(f->path, &s), 0);
    assert_non_null(s);
    return s;
}

/* A second connection, as the sqlite3 shell would open it. */
static sqlite3 *raw_open(const fixture *f)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    return db;
}

static int64_t raw_int(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    return v;
}

/* The old short form of room_create: a room with only an id, title and time. */
static int mkroom(aula_store *s, const char *id, const char *title, int64_t created_ms)
{
    aula_room_rec rec = {.id = (char *)id, .title = (char *)title, .created_ms = created_ms};
    return aula_store_room_create(s, &rec);
}

static void raw_exec(sqlite3 *db, const char *sql)
{
    char *msg = NULL;
    int rc = sqlite3_exec(db, sql, NULL, NULL, &msg);
    if (rc != SQLITE_OK)
        fail_msg("%s: %s", sql, msg ? msg : "?");
}

static void append(aula_store *s, const char *room, const char *text, int64_t want_seq)
{
    int64_t seq = -1;
    assert_int_equal(aula_store_chat_append(s, room, "p1", "Ala", text, 0, 1000 + want_seq, &seq),
                     0);
    assert_int_equal(seq, want_seq);
}

/* ---- migrations ------------------------------------------------------------------------------ */

static void test_migration_table_is_ordered(void **state)
{
    (void)state;
    size_t n = 0;
    const aula_store_migration *m = aula_store_migrations(&n);
    assert_true(n >= 1);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(m[i].version, (int)i + 1);
        assert_non_null(m[i].description);
        assert_non_null(m[i].sql);
        assert_true(sqlite3_complete(m[i].sql));
    }
    assert_int_equal(aula_store_schema_latest(), m[n - 1].version);
}

static void test_open_applies_and_records_migrations(void **state)
{
    fixture *f = *state;
    const int latest = aula_store_schema_latest();
    aula_store *s = open_ok(f);
    int version = -1;
    assert_int_equal(aula_store_schema_version(s, &version), 0);
    assert_int_equal(version, latest);
    aula_store_close(s);

    sqlite3 *db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM schema_migrations"), latest);
    assert_int_equal(raw_int(db, "SELECT MIN(version) FROM schema_migrations"), 1);
    assert_int_equal(raw_int(db, "SELECT MAX(version) FROM schema_migrations"), latest);
    /* applied_ms is wall-clock milliseconds: after 2020-01-01. */
    assert_true(raw_int(db, "SELECT MIN(applied_ms) FROM schema_migrations") > 1577836800000LL);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'table' AND "
                                 "name IN ('rooms', 'participants', 'chat_messages')"),
                     3);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND "
                                 "name = 'participants_room_id'"),
                     1);
    /* The foreign keys are declared in the schema. */
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM pragma_foreign_key_list('participants') "
                                 "WHERE \"table\" = 'rooms' AND \"from\" = 'room_id'"),
                     1);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM pragma_foreign_key_list('chat_messages') "
                                 "WHERE \"table\" = 'rooms' AND \"from\" = 'room_id'"),
                     1);
    sqlite3_close(db);
}

static void test_reopen_does_not_reapply(void **state)
{
    fixture *f = *state;
    aula_store_close(open_ok(f));

    sqlite3 *db = raw_open(f);
    /* Mark the rows so a re-application (which would insert fresh ones or
     * fail on the existing tables) would be visible. */
    raw_exec(db, "UPDATE schema_migrations SET applied_ms = 42");
    sqlite3_close(db);

    aula_store *s = open_ok(f);
    int version = -1;
    assert_int_equal(aula_store_schema_version(s, &version), 0);
    assert_int_equal(version, aula_store_schema_latest());
    aula_store_close(s);

    db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM schema_migrations"),
                     aula_store_schema_latest());
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM schema_migrations WHERE applied_ms <> 42"),
                     0);
    sqlite3_close(db);
}

static void test_future_schema_is_refused(void **state)
{
    fixture *f = *state;
    aula_store_close(open_ok(f));

    sqlite3 *db = raw_open(f);
    char sql[128];
    snprintf(sql, sizeof sql, "INSERT INTO schema_migrations VALUES (%d, 1)",
             aula_store_schema_latest() + 1);
    raw_exec(db, sql);
    sqlite3_close(db);

    aula_store dummy = {0};
    aula_store *s = &dummy; /* must come back NULL */
    assert_int_equal(aula_store_sqlite_open(f->path, &s), AULA_ESTORE);
    assert_null(s);

    /* Refusing must not have touched the newer schema. */
    db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT MAX(version) FROM schema_migrations"),
                     aula_store_schema_latest() + 1);
    sqlite3_close(db);
}

static void test_gap_in_migrations_is_refused(void **state)
{
    fixture *f = *state;
    sqlite3 *db = raw_open(f);
    raw_exec(db, "CREATE TABLE schema_migrations (version INTEGER NOT NULL PRIMARY KEY, "
                 "applied_ms BIGINT NOT NULL); INSERT INTO schema_migrations VALUES (2, 1)");
    sqlite3_close(db);

    aula_store *s = NULL;
    assert_int_equal(aula_store_sqlite_open(f->path, &s), AULA_ESTORE);
    assert_null(s);
}

static void test_failed_migration_is_rolled_back(void **state)
{
    fixture *f = *state;
    /* A foreign table in the way makes migration 1 fail half-way through. */
    sqlite3 *db = raw_open(f);
    raw_exec(db, "CREATE TABLE chat_messages (x INTEGER)");
    sqlite3_close(db);

    aula_store *s = NULL;
    assert_int_equal(aula_store_sqlite_open(f->path, &s), AULA_ESTORE);
    assert_null(s);

    /* Nothing of it remains: no rooms table, no migrations row. */
    db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM sqlite_schema WHERE name IN "
                                 "('rooms', 'participants', 'schema_migrations')"),
                     0);
    sqlite3_close(db);
}

/* ---- opening -----------------------------------------------------------------------------------
 */

static void test_wal_mode_and_foreign_keys(void **state)
{
    fixture *f = *state;
    aula_store *s = open_ok(f);

    /* journal_mode=WAL is a property of the file, visible to every
     * connection. foreign_keys is per connection, so it is checked by its
     * effect: only an enforced foreign key can refuse these two. */
    sqlite3 *db = raw_open(f);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_string_equal((const char *)sqlite3_column_text(st, 0), "wal");
    sqlite3_finalize(st);
    sqlite3_close(db);

    assert_int_equal(aula_store_participant_add(s, "nowhere", "p1", "Ala", 1), AULA_ENOENT);
    int64_t seq = 0;
    assert_int_equal(aula_store_chat_append(s, "nowhere", "p1", "Ala", "hi", 0, 1, &seq),
                     AULA_ENOENT);
    aula_store_close(s);

    db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM participants"), 0);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM chat_messages"), 0);
    sqlite3_close(db);
}

static void test_open_failures(void **state)
{
    fixture *f = *state;
    char p[160];
    aula_store *s = NULL;

    /* The caller creates the data directory; a missing one is an error. */
    snprintf(p, sizeof p, "%s/missing/aula.db", f->dir);
    assert_int_equal(aula_store_sqlite_open(p, &s), AULA_ESTORE);
    assert_null(s);

    /* A file that is not a database is refused, not overwritten. */
    static const char junk[] = "this is not an sqlite database\n";
    FILE *fp = fopen(f->path, "w");
    assert_non_null(fp);
    for (int i = 0; i < 64; i++)
        fputs(junk, fp);
    fclose(fp);
    assert_int_equal(aula_store_sqlite_open(f->path, &s), AULA_ESTORE);
    assert_null(s);
    struct stat sb;
    assert_int_equal(stat(f->path, &sb), 0);
    assert_int_equal(sb.st_size, 64 * (sizeof junk - 1));
}

static void test_close_null_and_free_helpers(void **state)
{
    (void)state;
    aula_store_close(NULL);
    aula_chat_recs_free(NULL, 0);
    aula_room_rec r = {0};
    aula_room_rec_deinit(&r);
    aula_room_rec_deinit(NULL);
}

/* ---- rooms and participants -------------------------------------------------------------------
 */

static void test_rooms(void **state)
{
    fixture *f = *state;
    aula_store *s = open_ok(f);
    int64_t count = -1;
    assert_int_equal(aula_store_room_count(s, &count), 0);
    assert_int_equal(count, 0);

    assert_int_equal(mkroom(s, "abc-defg-hjk", "Maths 4B", 1796000000000LL), 0);
    assert_int_equal(mkroom(s, "zzz-zzzz-zzz", NULL, 5), 0);
    assert_int_equal(mkroom(s, "abc-defg-hjk", "Other", 7), AULA_EEXIST);
    assert_int_equal(aula_store_room_count(s, &count), 0);
    assert_int_equal(count, 2);

    aula_room_rec r = {0};
    assert_int_equal(aula_store_room_get(s, "abc-defg-hjk", &r), 0);
    assert_string_equal(r.id, "abc-defg-hjk");
    assert_string_equal(r.title, "Maths 4B"); /* not replaced by the duplicate */
    assert_int_equal(r.created_ms, 1796000000000LL);
    aula_room_rec_deinit(&r);
    assert_null(r.id);

    assert_int_equal(aula_store_room_get(s, "zzz-zzzz-zzz", &r), 0);
    assert_string_equal(r.title, "");
    aula_room_rec_deinit(&r);

    assert_int_equal(aula_store_room_get(s, "nope", &r), AULA_ENOENT);
    assert_null(r.id);
    aula_store_close(s);
}

static void test_participants(void **state)
{
    fixture *f = *state;
    aula_store *s = open_ok(f);
    assert_int_equal(mkroom(s, "r1", "T", 1), 0);
    assert_int_equal(aula_store_participant_add(s, "r1", "p1", "Ala", 100), 0);
    /* The same id again in the same room is a rejoin (see
     * test_store_accounts.c); in another room it is taken. */
    assert_int_equal(mkroom(s, "r3", "T", 1), 0);
    assert_int_equal(aula_store_participant_add(s, "r3", "p1", "Ola", 101), AULA_EEXIST);
    assert_int_equal(aula_store_participant_add(s, "r2", "p2", "Ola", 102), AULA_ENOENT);
    assert_int_equal(aula_store_participant_left(s, "p1", 200), 0);
    /* A repeated report keeps the first leave time. */
    assert_int_equal(aula_store_participant_left(s, "p1", 300), 0);
    assert_int_equal(aula_store_participant_left(s, "p9", 300), AULA_ENOENT);
    aula_store_close(s);

    sqlite3 *db = raw_open(f);
    assert_int_equal(raw_int(db, "SELECT COUNT(*) FROM participants"), 1);
    assert_int_equal(raw_int(db, "SELECT joined_ms FROM participants WHERE id = 'p1'"), 100);
    assert_int_equal(raw_int(db, "SELECT left_ms FROM participants WHERE id = 'p1'"), 200);
    assert_int_equal(raw_int(db, "SELECT room_id = 'r1' AND name = 'Ala' FROM participants"), 1);
    sqlite3_close(db);
}

/* ---- chat --------------------------------------------------------------------------------------
 */

static void test_chat_seq_per_room(void **state)
{
    fixture *f = *state;
    aula_store *s = open_ok(f);
    assert_int_equal(mkroom(s, "a", "A", 1), 0);
    assert_int_equal(mkroom(s, "b", "B", 1), 0);
    append(s, "a", "a1", 1);
    append(s, "a", "a2", 2);
    append(s, "b", "b1", 1);
    append(s, "a", "a3", 3);
    /* A failed append to a missing room changes nothing anywhere. */
    int64_t seq = 77;
    assert_int_equal(aula_store_chat_append(s, "c", "p1", "Ala", "x", 0, 1, &seq), AULA_ENOENT);
    assert_int_equal(seq, 77);
    append(s, "b", "b2", 2);
    append(s, "a", "a4", 4);
    aula_store_close(s);
}

static void test_chat_page(void **state)
{
    fixture *f = *state;
    aula_store *s = open_ok(f);
    assert_int_equal(mkroom(s, "r", "R", 1), 0);
    assert_int_equal(mkroom(s, "quiet", "Q", 1), 0);
    assert_int_equal(mkroom(s, "other", "O", 1), 0);
    char text[16];
    for (int i = 1; i <= 10; i++) {
        snprintf(text, sizeof text, "line %d", i);
        append(s, "r", text, i);
    }
    append(s, "other", "elsewhere", 1);

    aula_chat_rec *recs = NULL;
    size_t n = 0;

    /* Newest page, oldest first. */
    assert_int_equal(aula_store_chat_page(s, "r", 0, 3, NULL, 1, &recs, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(recs[0].seq, 8);
    assert_int_equal(recs[1].seq, 9);
    assert_int_equal(recs[2].seq, 10);
    assert_string_equal(recs[2].text, "line 10");
    assert_string_equal(recs[2].participant_id, "p1");
    assert_string_equal(recs[2].name, "Ala");
    assert_int_equal(recs[2].ts_ms, 1010);
    aula_chat_recs_free(recs, n);

    /* The page before it. */
    assert_int_equal(aula_store_chat_page(s, "r", 8, 3, NULL, 1, &recs, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(recs[0].seq, 5);
    assert_int_equal(recs[2].seq, 7);
    aula_chat_recs_free(recs, n);

    /* A short last page, then nothing. */
    assert_int_equal(aula_store_chat_page(s, "r", 2, 5, NULL, 1, &recs, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(recs[0].seq, 1);
    assert_string_equal(recs[0].text, "line 1");
    aula_chat_recs_free(recs, n);

    recs = (aula_chat_rec *)&recs;
    n = 99;
    assert_int_equal(aula_store_chat_page(s, "r", 1, 5, NULL, 1, &recs, &n), 0);
    assert_int_equal(n, 0);
    assert_null(recs);

    /* Negative before means newest; a big limit returns everything. */
    assert_int_equal(aula_store_chat_page(s, "r", -5, 1000, NULL, 1, &recs, &n), 0);
    assert_int_equal(n, 10);
    for (size_t i = 0; i < n; i++)
        assert_int_equal(recs[i].seq, (int64_t)i + 1);
    aula_chat_recs_free(recs, n);

    assert_int_equal(aula_store_chat_page(s, "r", 0, SIZE_MAX, NULL, 1, &recs, &n), 0);
    assert_int_equal(n, 10);
    aula_chat_recs_free(recs, n);

    /* Limit 0, a room without lines and a missing room: empty. */
    assert_int_equal(aula_store_chat_page(s, "r", 0, 0, NULL, 1, &recs, &n), 0);
    assert_int_equal(n, 0);
    assert_null(recs);
    assert_int_equal(aula_store_chat_page(s, "quiet", 0, 50, NULL, 1, &recs, &n), 0);
    assert_int_equal(n, 0);
    assert_null(recs);
    assert_int_equal(aula_store_chat_page(s, "missing", 0, 50, NULL, 1, &recs, &n), 0);
    assert_int_equal(n, 0);
    assert_null(recs);

    /* Rooms do not see each other's lines. */
    assert_int_equal(aula_store_chat_page(s, "other", 0, 50, NULL, 1, &recs, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(recs[0].text, "elsewhere");
    aula_chat_recs_free(recs, n);
    aula_store_close(s);
}

static void test_utf8_round_trip(void **state)
{
    fixture *f = *state;
    static const char title[] = "Matematyka 4B \xe2\x80\x93 \xc5\xbc\xc3\xb3\xc5\x82w";
    static const char name[] = "Zo\xc3\xab \xe6\x97\xa5\xe6\x9c\xac";
    static const char text[] =
        "Cze\xc5\x9b\xc4\x87! \xf0\x9f\x98\x80 \xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 "
        "\xd8\xb3\xd9\x84\xd8\xa7\xd9\x85 'quotes' \"and\" \\ backslash";
    aula_store *s = open_ok(f);
    assert_int_equal(mkroom(s, "r", title, 1), 0);
    int64_t seq = 0;
    assert_int_equal(aula_store_chat_append(s, "r", "p1", name, text, 0, 2, &seq), 0);
    aula_store_close(s);

    s = open_ok(f);
    aula_room_rec r = {0};
    assert_int_equal(aula_store_room_get(s, "r", &r), 0);
    assert_string_equal(r.title, title);
    aula_room_rec_deinit(&r);
    aula_chat_rec *recs = NULL;
    size_t n = 0;
    assert_int_equal(aula_store_chat_page(s, "r", 0, 10, NULL, 1, &recs, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(recs[0].name, name);
    assert_string_equal(recs[0].text, text);
    assert_int_equal(strlen(recs[0].text), sizeof text - 1);
    aula_chat_recs_free(recs, n);
    aula_store_close(s);
}

/* ---- durability --------------------------------------------------------------------------------
 */

static void test_data_survives_reopen(void **state)
{
    fixture *f = *state;
    aula_store *s = open_ok(f);
    assert_int_equal(mkroom(s, "r", "Kept", 11), 0);
    assert_int_equal(aula_store_participant_add(s, "r", "p1", "Ala", 12), 0);
    append(s, "r", "one", 1);
    append(s, "r", "two", 2);
    aula_store_close(s);

    /* Close checkpointed with TRUNCATE: the WAL is empty (or gone). */
    char wal[160];
    snprintf(wal, sizeof wal, "%s-wal", f->path);
    struct stat sb;
    if (stat(wal, &sb) == 0)
        assert_int_equal(sb.st_size, 0);

    s = open_ok(f);
    aula_room_rec r = {0};
    assert_int_equal(aula_store_room_get(s, "r", &r), 0);
    assert_string_equal(r.title, "Kept");
    assert_int_equal(r.created_ms, 11);
    aula_room_rec_deinit(&r);
    assert_int_equal(aula_store_participant_left(s, "p1", 13), 0);

    /* The counter survived too: numbering continues, never restarts. */
    append(s, "r", "three", 3);
    aula_chat_rec *recs = NULL;
    size_t n = 0;
    assert_int_equal(aula_store_chat_page(s, "r", 0, 10, NULL, 1, &recs, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(recs[0].text, "one");
    assert_string_equal(recs[1].text, "two");
    assert_string_equal(recs[2].text, "three");
    aula_chat_recs_free(recs, n);
    aula_store_close(s);
}

static void test_failed_append_is_rolled_back(void **state)
{
    fixture *f = *state;
    aula_store *s = open_ok(f);
    assert_int_equal(mkroom(s, "r", "R", 1), 0);
    append(s, "r", "one", 1);

    /* With chat_messages gone, the insert fails after the room's counter
     * was bumped in the same transaction; the bump must not survive. */
    sqlite3 *db = raw_open(f);
    raw_exec(db, "ALTER TABLE chat_messages RENAME TO hidden");
    int64_t seq = 0;
    assert_int_equal(aula_store_chat_append(s, "r", "p1", "Ala", "lost", 0, 2, &seq), AULA_ESTORE);
    assert_int_equal(raw_int(db, "SELECT last_chat_seq FROM rooms WHERE id = 'r'"), 1);
    aula_chat_rec *recs = NULL;
    size_t n = 0;
    assert_int_equal(aula_store_chat_page(s, "r", 0, 10, NULL, 1, &recs, &n), AULA_ESTORE);
    assert_null(recs);
    raw_exec(db, "ALTER TABLE hidden RENAME TO chat_messages");
    sqlite3_close(db);

    /* The store recovers without reopening, and numbering has no gap. */
    append(s, "r", "two", 2);
    assert_int_equal(aula_store_chat_page(s, "r", 0, 10, NULL, 1, &recs, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(recs[1].text, "two");
    aula_chat_recs_free(recs, n);
    aula_store_close(s);
}

static void test_committed_before_return(void **state)
{
    fixture *f = *state;
    aula_store *s = open_ok(f);
    assert_int_equal(mkroom(s, "r", "R", 1), 0);

    /* A reader holding an open snapshot does not block writes (WAL), and
     * every write is visible to a fresh reader as soon as the call returns:
     * nothing is left in an open transaction. */
    sqlite3 *reader = raw_open(f);
    raw_exec(reader, "BEGIN");
    assert_int_equal(raw_int(reader, "SELECT COUNT(*) FROM chat_messages"), 0);
    append(s, "r", "while reading", 1);
    assert_int_equal(raw_int(reader, "SELECT COUNT(*) FROM chat_messages"), 0);
    raw_exec(reader, "COMMIT");
    assert_int_equal(raw_int(reader, "SELECT COUNT(*) FROM chat_messages"), 1);
    assert_int_equal(raw_int(reader, "SELECT last_chat_seq FROM rooms WHERE id = 'r'"), 1);

    assert_int_equal(aula_store_participant_add(s, "r", "p1", "Ala", 2), 0);
    assert_int_equal(raw_int(reader, "SELECT COUNT(*) FROM participants"), 1);
    sqlite3_close(reader);
    aula_store_close(s);
}

int main(void)
{
    /* Expected failures log at error level; keep the output to real news
     * unless AULA_TEST_LOG asks for a level (AULA_TEST_LOG=debug). */
    const char *lvl = getenv("AULA_TEST_LOG");
    aula_log_level = lvl ? aula_log_level_parse(lvl) : AULA_LOG_LEVEL_OFF;
    if (aula_log_level < 0)
        aula_log_level = AULA_LOG_LEVEL_OFF;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_migration_table_is_ordered),
        cmocka_unit_test_setup_teardown(test_open_applies_and_records_migrations, setup, teardown),
        cmocka_unit_test_setup_teardown(test_reopen_does_not_reapply, setup, teardown),
        cmocka_unit_test_setup_teardown(test_future_schema_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_gap_in_migrations_is_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_migration_is_rolled_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wal_mode_and_foreign_keys, setup, teardown),
        cmocka_unit_test_setup_teardown(test_open_failures, setup, teardown),
        cmocka_unit_test(test_close_null_and_free_helpers),
        cmocka_unit_test_setup_teardown(test_rooms, setup, teardown),
        cmocka_unit_test_setup_teardown(test_participants, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chat_seq_per_room, setup, teardown),
        cmocka_unit_test_setup_teardown(test_chat_page, setup, teardown),
        cmocka_unit_test_setup_teardown(test_utf8_round_trip, setup, teardown),
        cmocka_unit_test_setup_teardown(test_data_survives_reopen, setup, teardown),
        cmocka_unit_test_setup_teardown(test_failed_append_is_rolled_back, setup, teardown),
        cmocka_unit_test_setup_teardown(test_committed_before_return, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
