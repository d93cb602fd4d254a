/* A webinar room for the unit tests of qa.c, polls.c and webinar.c: a real
 * SQLite store in a temporary folder, participants whose sinks record
 * what a session would have been sent. */
#ifndef AULA_TESTS_WEBINAR_FIXTURE_H
#define AULA_TESTS_WEBINAR_FIXTURE_H

#include "core/error.h"
#include "room/room.h"
#include "room/webinar.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#define ROOM "abc-defg-hjk"
#define INBOX_MAX 64

typedef struct inbox {
    char texts[INBOX_MAX][1024];
    int n;
    int role_changed;
    aula_participant *p;
} inbox;

static void deliver(void *ud, const char *text, size_t len)
{
    inbox *in = ud;
    if (in->n < INBOX_MAX)
        snprintf(in->texts[in->n++], sizeof in->texts[0], "%.*s", (int)len, text);
}

static void role_changed(void *ud)
{
    ((inbox *)ud)->role_changed++;
}

static const aula_participant_sink sink = {deliver, NULL, NULL, role_changed};

/* How many notifications of method in has; *last (may be NULL) the last. */
static inline int got(const inbox *in, const char *method, const char **last)
{
    char a[80], b[80];
    snprintf(a, sizeof a, "\"method\": \"%s\"", method);
    snprintf(b, sizeof b, "\"method\":\"%s\"", method);
    int n = 0;
    for (int i = 0; i < in->n; i++)
        if (strstr(in->texts[i], a) || strstr(in->texts[i], b)) {
            n++;
            if (last)
                *last = in->texts[i];
        }
    return n;
}

typedef struct fixture {
    char dir[64];
    char path[128];
    aula_store *store;
    aula_rooms *rooms;
    inbox boxes[8]; /* the sessions of a test; teardown makes them leave */
    int n_boxes;
} fixture;

/* A fresh inbox owned by the fixture (it outlives the test's body, so the
 * leaves at teardown have somewhere to deliver). */
static inline inbox *box(fixture *f)
{
    assert_true(f->n_boxes < 8);
    return &f->boxes[f->n_boxes++];
}

static inline int open_fixture(void **state, const char *kind)
{
    fixture *f = calloc(1, sizeof *f);
    strcpy(f->dir, "/tmp/aula-webinar-XXXXXX");
    assert_non_null(mkdtemp(f->dir));
    snprintf(f->path, sizeof f->path, "%s/aula.db", f->dir);
    assert_int_equal(aula_store_sqlite_open(f->path, &f->store), 0);
    aula_room_rec rec = {.id = ROOM, .title = "Lecture", .created_ms = 1, .kind = (char *)kind};
    assert_int_equal(aula_store_room_create(f->store, &rec), 0);
    f->rooms = aula_rooms_create(f->store);
    *state = f;
    return 0;
}

static inline int setup(void **state)
{
    return open_fixture(state, "webinar");
}

static inline int teardown(void **state)
{
    fixture *f = *state;
    for (int i = 0; i < f->n_boxes; i++)
        if (f->boxes[i].p)
            aula_participant_leave(f->boxes[i].p, 99);
    aula_rooms_destroy(f->rooms);
    aula_store_close(f->store);
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf %s", f->dir);
    assert_int_equal(system(cmd), 0);
    free(f);
    return 0;
}

static inline aula_participant *enter(fixture *f, const char *id, const char *name, aula_role role,
                                      inbox *in)
{
    aula_entry e = {.participant_id = id, .name = name, .role = role};
    assert_int_equal(aula_rooms_enter(f->rooms, ROOM, &e, &sink, in, 10, &in->p, NULL), 0);
    return in->p;
}

#endif
