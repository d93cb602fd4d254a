/* Live rooms: join loads the stored room, everyone else hears of joins and
 * leaves, the last one out unloads the room; all against a real SQLite
 * store in a temporary folder, with sinks standing in for sockets. */
#include "core/error.h"
#include "room/room.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct inbox {
    char last[1024];
    int count;
} inbox;

static void deliver(void *ud, const char *text, size_t len)
{
    inbox *in = ud;
    snprintf(in->last, sizeof in->last, "%.*s", (int)len, text);
    in->count++;
}

static const aula_participant_sink sink = {.deliver = deliver};

typedef struct fixture {
    char dir[64];
    char path[128];
    aula_store *store;
    aula_rooms *rooms;
} fixture;

static int setup(void **state)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/aula-room-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/aula.db", f->dir);
    assert_int_equal(aula_store_sqlite_open(f->path, &f->store), 0);
    assert_int_equal(
        aula_store_room_create(
            f->store, &(aula_room_rec){.id = "abc-defg-hjk", .title = "Maths", .created_ms = 1}),
        0);
    f->rooms = aula_rooms_create(f->store);
    *state = f;
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    aula_rooms_destroy(f->rooms);
    aula_store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static void join_notify_leave(void **state)
{
    fixture *f = *state;
    inbox a = {0}, b = {0};
    aula_participant *pa = NULL, *pb = NULL;
    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Ala", &sink, &a, 10, &pa), 0);
    assert_int_equal(aula_rooms_live(f->rooms), 1);
    assert_int_equal(a.count, 0); /* nobody else to tell */
    aula_room *r = aula_participant_room(pa);
    assert_string_equal(aula_room_title(r), "Maths");

    assert_int_equal(aula_rooms_join(f->rooms, "abc-defg-hjk", "Bartek", &sink, &b, 11, &pb), 0);
    assert_ptr_equal(aula_participant_room(pb), r);
    assert_int_equal(aula_room_size(r), 2);
    assert_int_equal(aula_rooms_participants(f->rooms), 2);
    assert_int_equal(a.count, 1);
    assert_non_null(strstr(a.last, "\"participant.joined\""));
    assert_non_null(strstr(a.last, "\"Bartek\""));
    assert_int_equal(b.count, 0);

    json_t *list = aula_room_participants_json(r);
    assert_int_equal(json_array_size(list), 2);
    assert_string_equal(json_string_value(json_object_get(json_array_get(list, 0), "name")), "Ala");
    json_decref(list);

    aula_room_notify(r, "chat.message", json_pack("{s:s}", "text", "hi"), pa);
    assert_int_equal(a.count, 1);
    assert_int_equal(b.count, 1);
    assert_non_null(strstr(b.last, "\"hi\""));

    aula_participant_leave(pa, 20);
    assert_int_equal(b.count, 2);
    assert_non_null(strstr(b.last, "\"participant.left\""));
    assert_non_null(strstr(b.last, "\"Ala\""));
    assert_int_equal(aula_rooms_live(f->rooms), 1);
    aula_participant_leave(pb, 21);
    assert_int_equal(aula_rooms_live(f->rooms), 0);
    assert_null(aula_rooms_find(f->rooms, "abc-defg-hjk"));
    assert_int_equal(aula_rooms_participants(f->rooms), 0);
}

static void unknown_room(void **state)
{
    fixture *f = *state;
    inbox a = {0};
    aula_participant *p = NULL;
    assert_int_equal(aula_rooms_join(f->rooms, "zzz-zzzz-zzz", "Ala", &sink, &a, 1, &p),
                     AULA_ENOENT);
    assert_null(p);
    assert_int_equal(aula_rooms_live(f->rooms), 0);
}

static void many_rooms_grow_the_table(void **state)
{
    fixture *f = *state;
    enum { N = 200 };
    aula_participant *ps[N];
    inbox in = {0};
    for (int i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%03d-room-xx", i);
        assert_int_equal(aula_store_room_create(
                             f->store, &(aula_room_rec){.id = id, .title = "t", .created_ms = 1}),
                         0);
        assert_int_equal(aula_rooms_join(f->rooms, id, "x", &sink, &in, 1, &ps[i]), 0);
    }
    assert_int_equal(aula_rooms_live(f->rooms), N);
    for (int i = 0; i < N; i++) {
        char id[16];
        snprintf(id, sizeof id, "r%03d-room-xx", i);
        assert_ptr_equal(aula_rooms_find(f->rooms, id), aula_participant_room(ps[i]));
    }
    for (int i = 0; i < N; i++)
        aula_participant_leave(ps[i], 2);
    assert_int_equal(aula_rooms_live(f->rooms), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(join_notify_leave, setup, teardown),
        cmocka_unit_test_setup_teardown(unknown_room, setup, teardown),
        cmocka_unit_test_setup_teardown(many_rooms_grow_the_table, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
