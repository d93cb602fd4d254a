/* Tests for the store additions of migration 2: host accounts, login
 * sessions, room access fields and flags, rooms by owner, participant
 * rejoin (upsert) and "seen", and hosts-only chat lines with the viewer
 * filter. Each test gets a fresh database in a temporary directory. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/error.h"
#include "store/migrations.h"
#include "store/store.h"

typedef struct fixture {
    char dir[64];
    char path[128];
    aula_store *s;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    assert_non_null(f);
    snprintf(f->dir, sizeof f->dir, "/tmp/aula-store2-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/aula.db", f->dir);
    assert_int_equal(aula_store_sqlite_open(f->path, &f->s), 0);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    aula_store_close(f->s);
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

static void add_user(aula_store *s, const char *id, const char *email)
{
    aula_user_rec u = {.id = (char *)id,
                       .email = (char *)email,
                       .name = "Anna Nowak",
                       .password_hash = "$argon2id$v=19$m=19456,t=2,p=1$x$y",
                       .created_ms = 100};
    assert_int_equal(aula_store_user_create(s, &u), 0);
}

static void schema_is_at_latest(void **state)
{
    fixture *f = *state;
    int v = 0;
    assert_int_equal(aula_store_schema_version(f->s, &v), 0);
    assert_int_equal(v, aula_store_schema_latest());
    assert_true(v >= 2);
}

static void users(void **state)
{
    fixture *f = *state;
    add_user(f->s, "u1", "Anna.Nowak@Szkola.PL");
    aula_user_rec u;
    assert_int_equal(aula_store_user_by_email(f->s, "anna.nowak@szkola.pl", &u), 0);
    assert_string_equal(u.id, "u1");
    assert_string_equal(u.email, "anna.nowak@szkola.pl"); /* stored lower-cased */
    assert_string_equal(u.name, "Anna Nowak");
    assert_string_equal(u.password_hash, "$argon2id$v=19$m=19456,t=2,p=1$x$y");
    assert_int_equal(u.created_ms, 100);
    aula_user_rec_deinit(&u);
    assert_null(u.id);

    assert_int_equal(aula_store_user_by_email(f->s, "ANNA.NOWAK@szkola.pl", &u), 0);
    aula_user_rec_deinit(&u);
    assert_int_equal(aula_store_user_get(f->s, "u1", &u), 0);
    assert_string_equal(u.email, "anna.nowak@szkola.pl");
    aula_user_rec_deinit(&u);

    assert_int_equal(aula_store_user_by_email(f->s, "nobody@szkola.pl", &u), AULA_ENOENT);
    assert_int_equal(aula_store_user_get(f->s, "u2", &u), AULA_ENOENT);

    /* The same e-mail in other case is taken; so is the same id. */
    aula_user_rec dup = {.id = "u2",
                         .email = "anna.nowak@SZKOLA.pl",
                         .name = "x",
                         .password_hash = "h",
                         .created_ms = 1};
    assert_int_equal(aula_store_user_create(f->s, &dup), AULA_EEXIST);
    dup.id = "u1";
    dup.email = "other@szkola.pl";
    assert_int_equal(aula_store_user_create(f->s, &dup), AULA_EEXIST);
}

static void sessions(void **state)
{
    fixture *f = *state;
    add_user(f->s, "u1", "a@b.pl");
    assert_int_equal(aula_store_session_create(f->s, "hash1", "u1", "csrf1", 1000, 5000), 0);
    assert_int_equal(aula_store_session_create(f->s, "hash1", "u1", "csrf1", 1000, 5000),
                     AULA_EEXIST);
    assert_int_equal(aula_store_session_create(f->s, "hash9", "nobody", "c", 1000, 5000),
                     AULA_ENOENT);

    aula_session_rec r;
    assert_int_equal(aula_store_session_get(f->s, "hash1", 4999, &r), 0);
    assert_string_equal(r.token_hash, "hash1");
    assert_string_equal(r.user_id, "u1");
    assert_string_equal(r.csrf, "csrf1");
    assert_int_equal(r.created_ms, 1000);
    assert_int_equal(r.expires_ms, 5000);
    aula_session_rec_deinit(&r);

    /* Expired at expires_ms, and unknown hashes are not found. */
    assert_int_equal(aula_store_session_get(f->s, "hash1", 5000, &r), AULA_ENOENT);
    assert_int_equal(aula_store_session_get(f->s, "nope", 1000, &r), AULA_ENOENT);

    /* A new session of the same user purges the expired one. */
    assert_int_equal(aula_store_session_create(f->s, "hash2", "u1", "csrf2", 6000, 9000), 0);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT COUNT(*) FROM sessions WHERE token_hash='hash1'",
                                        -1, &st, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    assert_int_equal(sqlite3_column_int(st, 0), 0);
    sqlite3_finalize(st);
    sqlite3_close(db);

    assert_int_equal(aula_store_session_delete(f->s, "hash2"), 0);
    assert_int_equal(aula_store_session_get(f->s, "hash2", 6000, &r), AULA_ENOENT);
    assert_int_equal(aula_store_session_delete(f->s, "hash2"), 0); /* idempotent */
}

static void room_fields_and_flags(void **state)
{
    fixture *f = *state;
    add_user(f->s, "u1", "a@b.pl");
    aula_room_rec rec = {.id = "abc-defg-hjk",
                         .title = "Maths",
                         .created_ms = 10,
                         .owner_id = "u1",
                         .host_key = "k3y",
                         .password_hash = "$argon2id$...",
                         .lobby = 7, /* any true value is stored as 1 */
                         .locked = 0};
    assert_int_equal(aula_store_room_create(f->s, &rec), 0);
    aula_room_rec quick = {.id = "zzz-zzzz-zzz", .created_ms = 11};
    assert_int_equal(aula_store_room_create(f->s, &quick), 0);
    aula_room_rec orphan = {.id = "ooo-oooo-ooo", .owner_id = "ghost"};
    assert_int_equal(aula_store_room_create(f->s, &orphan), AULA_ENOENT);

    aula_room_rec got;
    assert_int_equal(aula_store_room_get(f->s, "abc-defg-hjk", &got), 0);
    assert_string_equal(got.owner_id, "u1");
    assert_string_equal(got.host_key, "k3y");
    assert_string_equal(got.password_hash, "$argon2id$...");
    assert_int_equal(got.lobby, 1);
    assert_int_equal(got.locked, 0);
    aula_room_rec_deinit(&got);

    assert_int_equal(aula_store_room_get(f->s, "zzz-zzzz-zzz", &got), 0);
    assert_string_equal(got.title, "");
    assert_null(got.owner_id);
    assert_null(got.host_key);
    assert_null(got.password_hash);
    assert_int_equal(got.lobby, 0);
    aula_room_rec_deinit(&got);

    /* -1 leaves a flag alone. */
    assert_int_equal(aula_store_room_set_flags(f->s, "abc-defg-hjk", -1, 1), 0);
    assert_int_equal(aula_store_room_get(f->s, "abc-defg-hjk", &got), 0);
    assert_int_equal(got.lobby, 1);
    assert_int_equal(got.locked, 1);
    aula_room_rec_deinit(&got);
    assert_int_equal(aula_store_room_set_flags(f->s, "abc-defg-hjk", 0, -1), 0);
    assert_int_equal(aula_store_room_get(f->s, "abc-defg-hjk", &got), 0);
    assert_int_equal(got.lobby, 0);
    assert_int_equal(got.locked, 1);
    aula_room_rec_deinit(&got);
    assert_int_equal(aula_store_room_set_flags(f->s, "nope-nope-no", 1, 1), AULA_ENOENT);
}

static void rooms_by_owner_newest_first(void **state)
{
    fixture *f = *state;
    add_user(f->s, "u1", "a@b.pl");
    add_user(f->s, "u2", "c@d.pl");
    const char *ids[] = {"aaa-aaaa-aaa", "bbb-bbbb-bbb", "ccc-cccc-ccc"};
    const int64_t times[] = {300, 100, 200};
    for (int i = 0; i < 3; i++) {
        aula_room_rec r = {.id = (char *)ids[i], .created_ms = times[i], .owner_id = "u1"};
        assert_int_equal(aula_store_room_create(f->s, &r), 0);
    }
    aula_room_rec theirs = {.id = "ddd-dddd-ddd", .created_ms = 999, .owner_id = "u2"};
    assert_int_equal(aula_store_room_create(f->s, &theirs), 0);
    aula_room_rec quick = {.id = "eee-eeee-eee", .created_ms = 999};
    assert_int_equal(aula_store_room_create(f->s, &quick), 0);

    aula_room_rec *recs = NULL;
    size_t n = 0;
    assert_int_equal(aula_store_rooms_by_owner(f->s, "u1", &recs, &n), 0);
    assert_int_equal(n, 3);
    assert_string_equal(recs[0].id, "aaa-aaaa-aaa");
    assert_string_equal(recs[1].id, "ccc-cccc-ccc");
    assert_string_equal(recs[2].id, "bbb-bbbb-bbb");
    assert_string_equal(recs[0].owner_id, "u1");
    aula_room_recs_free(recs, n);

    assert_int_equal(aula_store_rooms_by_owner(f->s, "nobody", &recs, &n), 0);
    assert_int_equal(n, 0);
    assert_null(recs);
    aula_room_recs_free(NULL, 0);
}

static int64_t left_ms(const fixture *f, const char *pid, char *name, size_t namelen)
{
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    sqlite3_stmt *st = NULL;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT COALESCE(left_ms, -1), name, joined_ms "
                                        "FROM participants WHERE id = ?1",
                                        -1, &st, NULL),
                     SQLITE_OK);
    sqlite3_bind_text(st, 1, pid, -1, SQLITE_STATIC);
    assert_int_equal(sqlite3_step(st), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(st, 0);
    snprintf(name, namelen, "%s", (const char *)sqlite3_column_text(st, 1));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return v;
}

static void participant_rejoin_and_seen(void **state)
{
    fixture *f = *state;
    aula_room_rec a = {.id = "aaa-aaaa-aaa"}, b = {.id = "bbb-bbbb-bbb"};
    assert_int_equal(aula_store_room_create(f->s, &a), 0);
    assert_int_equal(aula_store_room_create(f->s, &b), 0);

    assert_int_equal(aula_store_participant_seen(f->s, "aaa-aaaa-aaa", "p1"), AULA_ENOENT);
    assert_int_equal(aula_store_participant_add(f->s, "aaa-aaaa-aaa", "p1", "Ala", 10), 0);
    assert_int_equal(aula_store_participant_seen(f->s, "aaa-aaaa-aaa", "p1"), 0);
    assert_int_equal(aula_store_participant_seen(f->s, "bbb-bbbb-bbb", "p1"), AULA_ENOENT);
    assert_int_equal(aula_store_participant_left(f->s, "p1", 20), 0);
    char name[64];
    assert_int_equal(left_ms(f, "p1", name, sizeof name), 20);
    /* Still "seen" after leaving: a locked room takes its own people back. */
    assert_int_equal(aula_store_participant_seen(f->s, "aaa-aaaa-aaa", "p1"), 0);

    /* Rejoin: same id, same room -> back in, with the new name. */
    assert_int_equal(aula_store_participant_add(f->s, "aaa-aaaa-aaa", "p1", "Ala K.", 30), 0);
    assert_int_equal(left_ms(f, "p1", name, sizeof name), -1);
    assert_string_equal(name, "Ala K.");

    /* The same id in another room is refused and changes nothing. */
    assert_int_equal(aula_store_participant_add(f->s, "bbb-bbbb-bbb", "p1", "Eve", 40),
                     AULA_EEXIST);
    assert_int_equal(left_ms(f, "p1", name, sizeof name), -1);
    assert_string_equal(name, "Ala K.");
    assert_int_equal(aula_store_participant_add(f->s, "nope-nope-no", "p2", "X", 40), AULA_ENOENT);
}

static void append(aula_store *s, const char *pid, const char *text, int to_hosts)
{
    int64_t seq = 0;
    assert_int_equal(aula_store_chat_append(s, "aaa-aaaa-aaa", pid, pid, text, to_hosts, 1, &seq),
                     0);
}

static void chat_viewer_filter(void **state)
{
    fixture *f = *state;
    aula_room_rec a = {.id = "aaa-aaaa-aaa"};
    assert_int_equal(aula_store_room_create(f->s, &a), 0);
    append(f->s, "ala", "hello all", 0);      /* seq 1 */
    append(f->s, "ala", "psst hosts", 1);     /* seq 2 */
    append(f->s, "bob", "bob to hosts", 1);   /* seq 3 */
    append(f->s, "host", "host to all", 0);   /* seq 4 */
    append(f->s, "host", "host to hosts", 1); /* seq 5 */

    aula_chat_rec *recs = NULL;
    size_t n = 0;
    /* A host sees every line, with its flag. */
    assert_int_equal(aula_store_chat_page(f->s, "aaa-aaaa-aaa", 0, 10, "host", 1, &recs, &n), 0);
    assert_int_equal(n, 5);
    assert_int_equal(recs[1].to_hosts, 1);
    assert_int_equal(recs[0].to_hosts, 0);
    aula_chat_recs_free(recs, n);

    /* Ala sees public lines and her own hosts-only line, not Bob's. */
    assert_int_equal(aula_store_chat_page(f->s, "aaa-aaaa-aaa", 0, 10, "ala", 0, &recs, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(recs[0].seq, 1);
    assert_int_equal(recs[1].seq, 2);
    assert_string_equal(recs[1].text, "psst hosts");
    assert_int_equal(recs[2].seq, 4);
    aula_chat_recs_free(recs, n);

    /* Nobody in particular: public lines only; limits count visible lines. */
    assert_int_equal(aula_store_chat_page(f->s, "aaa-aaaa-aaa", 0, 10, NULL, 0, &recs, &n), 0);
    assert_int_equal(n, 2);
    aula_chat_recs_free(recs, n);
    assert_int_equal(aula_store_chat_page(f->s, "aaa-aaaa-aaa", 5, 1, "bob", 0, &recs, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(recs[0].seq, 4);
    aula_chat_recs_free(recs, n);
    assert_int_equal(aula_store_chat_page(f->s, "aaa-aaaa-aaa", 4, 1, "bob", 0, &recs, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(recs[0].seq, 3);
    aula_chat_recs_free(recs, n);
}

/* A database written by the first schema keeps its rooms and chat when
 * migration 2 runs, and the new columns read as "absent". */
static void migration_2_keeps_old_rows(void **state)
{
    fixture *f = *state;
    aula_store_close(f->s);
    f->s = NULL;
    unlink(f->path);
    char p[160];
    snprintf(p, sizeof p, "%s-wal", f->path);
    unlink(p);
    snprintf(p, sizeof p, "%s-shm", f->path);
    unlink(p);

    size_t n = 0;
    const aula_store_migration *m = aula_store_migrations(&n);
    sqlite3 *db = NULL;
    assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, aula_store_migrations_table_sql(), NULL, NULL, NULL),
                     SQLITE_OK);
    assert_int_equal(sqlite3_exec(db, m[0].sql, NULL, NULL, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_exec(db,
                                  "INSERT INTO schema_migrations VALUES (1, 1);"
                                  "INSERT INTO rooms (id, title, created_ms, last_chat_seq) "
                                  "VALUES ('old-room-xyz', 'Old', 5, 1);"
                                  "INSERT INTO chat_messages VALUES "
                                  "('old-room-xyz', 1, 'p', 'P', 'hi', 6);",
                                  NULL, NULL, NULL),
                     SQLITE_OK);
    sqlite3_close(db);

    assert_int_equal(aula_store_sqlite_open(f->path, &f->s), 0);
    aula_room_rec got;
    assert_int_equal(aula_store_room_get(f->s, "old-room-xyz", &got), 0);
    assert_string_equal(got.title, "Old");
    assert_null(got.owner_id);
    assert_null(got.host_key);
    assert_null(got.password_hash);
    assert_int_equal(got.lobby, 0);
    assert_int_equal(got.locked, 0);
    aula_room_rec_deinit(&got);
    aula_chat_rec *recs = NULL;
    assert_int_equal(aula_store_chat_page(f->s, "old-room-xyz", 0, 10, NULL, 0, &recs, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(recs[0].text, "hi");
    assert_int_equal(recs[0].to_hosts, 0);
    aula_chat_recs_free(recs, n);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(schema_is_at_latest, setup, teardown),
        cmocka_unit_test_setup_teardown(users, setup, teardown),
        cmocka_unit_test_setup_teardown(sessions, setup, teardown),
        cmocka_unit_test_setup_teardown(room_fields_and_flags, setup, teardown),
        cmocka_unit_test_setup_teardown(rooms_by_owner_newest_first, setup, teardown),
        cmocka_unit_test_setup_teardown(participant_rejoin_and_seen, setup, teardown),
        cmocka_unit_test_setup_teardown(chat_viewer_filter, setup, teardown),
        cmocka_unit_test_setup_teardown(migration_2_keeps_old_rows, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
