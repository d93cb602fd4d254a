/* The store's events and registrations (migration 4) on SQLite: an event
 * and its room in one transaction, lists by time, edits, cancelling, the
 * reminder bookkeeping, registrations unique per e-mail, and all of it
 * after reopening the database. */
#include "store/store_events.h"

#include "core/error.h"
#include "event/reminder.h"
#include "store/store.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#define NOW 1900000000000LL
#define MINUTE 60000LL

static char dir[64];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/aula-test-events-XXXXXX");
    assert_non_null(mkdtemp(dir));
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static aula_store *open_store(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/aula.db", dir);
    aula_store *s = NULL;
    assert_int_equal(aula_store_sqlite_open(path, &s), 0);
    return s;
}

static void add_user(aula_store *s, const char *id)
{
    char email[64];
    snprintf(email, sizeof email, "%s@school.example", id);
    aula_user_rec u = {.id = (char *)id,
                       .email = email,
                       .name = (char *)"Ewa",
                       .password_hash = (char *)"$argon2id$x",
                       .created_ms = NOW};
    assert_int_equal(aula_store_user_create(s, &u), 0);
}

/* Creates event id (room id "r" + the rest) starting at starts. */
static int add_event(aula_store *s, const char *id, const char *room_id, const char *owner,
                     int64_t starts, const char *type)
{
    aula_room_rec room = {.id = (char *)room_id,
                          .title = (char *)"Open day",
                          .created_ms = NOW,
                          .owner_id = (char *)owner,
                          .host_key = (char *)"hk",
                          .kind = (char *)type,
                          .event_id = (char *)id};
    aula_event_rec ev = {.id = (char *)id,
                         .room_id = (char *)room_id,
                         .owner_id = (char *)owner,
                         .title = (char *)"Open day",
                         .description = (char *)"",
                         .time_zone = (char *)"Europe/Warsaw",
                         .type = (char *)type,
                         .access = (char *)"registration",
                         .welcome_text = (char *)"Welcome!",
                         .presenter_key = (char *)"pk",
                         .starts_ms = starts,
                         .duration_min = 60,
                         .created_ms = NOW};
    return aula_store_event_create(s, &room, &ev);
}

static void creates_an_event_with_its_room(void **state)
{
    (void)state;
    aula_store *s = open_store();
    int v = 0;
    assert_int_equal(aula_store_schema_version(s, &v), 0);
    assert_true(v >= 4);
    add_user(s, "u1");
    assert_int_equal(
        add_event(s, "aaa-aaaa-aaa", "raa-aaaa-aaa", "u1", NOW + 60 * MINUTE, "webinar"), 0);
    aula_room_rec room;
    assert_int_equal(aula_store_room_get(s, "raa-aaaa-aaa", &room), 0);
    assert_string_equal(room.kind, "webinar");
    assert_string_equal(room.chat_mode, "everyone");
    assert_string_equal(room.event_id, "aaa-aaaa-aaa");
    aula_room_rec_deinit(&room);
    /* A plain room keeps the defaults. */
    assert_int_equal(aula_store_room_create(s, &(aula_room_rec){.id = (char *)"pla-inro-omx",
                                                                .title = (char *)"x",
                                                                .created_ms = NOW}),
                     0);
    assert_int_equal(aula_store_room_get(s, "pla-inro-omx", &room), 0);
    assert_string_equal(room.kind, "meeting");
    assert_null(room.event_id);
    aula_room_rec_deinit(&room);

    /* A taken event id: neither the event nor its new room is written. */
    assert_int_equal(add_event(s, "aaa-aaaa-aaa", "rbb-bbbb-bbb", "u1", NOW, "meeting"),
                     AULA_EEXIST);
    assert_int_equal(aula_store_room_get(s, "rbb-bbbb-bbb", &room), AULA_ENOENT);
    /* An unknown owner. */
    assert_int_equal(add_event(s, "ccc-cccc-ccc", "rcc-cccc-ccc", "nobody", NOW, "meeting"),
                     AULA_ENOENT);

    aula_event_rec ev;
    assert_int_equal(aula_store_event_get(s, "aaa-aaaa-aaa", &ev), 0);
    assert_string_equal(ev.room_id, "raa-aaaa-aaa");
    assert_string_equal(ev.welcome_text, "Welcome!");
    assert_null(ev.password_hash);
    assert_int_equal(ev.cancelled_ms, 0);
    assert_int_equal(ev.reminder_sent_ms, 0);
    /* Edit: the room follows the type and title. */
    char *old_title = ev.title, *old_type = ev.type;
    ev.title = strdup("Open day (moved)");
    ev.type = strdup("meeting");
    ev.starts_ms += 30 * MINUTE;
    ev.sequence = 1;
    assert_int_equal(aula_store_event_update(s, &ev), 0);
    free(ev.title);
    free(ev.type);
    ev.title = old_title;
    ev.type = old_type;
    aula_event_rec_deinit(&ev);
    assert_int_equal(aula_store_event_get(s, "aaa-aaaa-aaa", &ev), 0);
    assert_string_equal(ev.title, "Open day (moved)");
    assert_int_equal(ev.starts_ms, NOW + 90 * MINUTE);
    assert_int_equal(ev.sequence, 1);
    aula_event_rec_deinit(&ev);
    assert_int_equal(aula_store_room_get(s, "raa-aaaa-aaa", &room), 0);
    assert_string_equal(room.kind, "meeting");
    assert_string_equal(room.title, "Open day (moved)");
    aula_room_rec_deinit(&room);
    assert_int_equal(aula_store_event_get(s, "zzz-zzzz-zzz", &ev), AULA_ENOENT);
    aula_store_close(s);
}

static void lists_cancels_and_reminds(void **state)
{
    (void)state;
    aula_store *s = open_store();
    add_user(s, "u2");
    assert_int_equal(
        add_event(s, "fut-urex-xxx", "rfu-urex-xxx", "u2", NOW + 120 * MINUTE, "meeting"), 0);
    assert_int_equal(
        add_event(s, "soo-nxxx-xxx", "rso-onxx-xxx", "u2", NOW + 30 * MINUTE, "meeting"), 0);
    assert_int_equal(
        add_event(s, "pas-txxx-xxx", "rpa-stxx-xxx", "u2", NOW - 61 * MINUTE, "meeting"), 0);
    aula_event_rec *list = NULL;
    size_t n = 0;
    assert_int_equal(aula_store_events_list(s, "u2", AULA_EVENTS_UPCOMING, NOW, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, "soo-nxxx-xxx"); /* soonest first */
    assert_string_equal(list[1].id, "fut-urex-xxx");
    aula_event_recs_free(list, n);

    assert_int_equal(aula_store_event_cancel(s, "fut-urex-xxx", NOW), 0);
    assert_int_equal(aula_store_event_cancel(s, "fut-urex-xxx", NOW + 1), AULA_EEXIST);
    assert_int_equal(aula_store_event_cancel(s, "zzz-zzzz-zzz", NOW), AULA_ENOENT);
    assert_int_equal(aula_store_events_list(s, "u2", AULA_EVENTS_PAST, NOW, &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, "fut-urex-xxx"); /* latest start first */
    assert_int_equal(list[0].cancelled_ms, NOW);
    assert_string_equal(list[1].id, "pas-txxx-xxx");
    aula_event_recs_free(list, n);

    /* Reminders: only the event starting within the hour and not over. */
    assert_int_equal(aula_store_events_reminder_due(s, NOW, 60 * MINUTE, &list, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].id, "soo-nxxx-xxx");
    aula_event_recs_free(list, n);
    assert_int_equal(aula_store_event_reminder_sent(s, "soo-nxxx-xxx", NOW), 0);
    assert_int_equal(aula_store_events_reminder_due(s, NOW, 60 * MINUTE, &list, &n), 0);
    assert_int_equal(n, 0);
    assert_null(list);
    assert_int_equal(aula_store_event_reminder_sent(s, "zzz-zzzz-zzz", NOW), AULA_ENOENT);
    aula_store_close(s);
}

static void keeps_registrations_unique_per_email(void **state)
{
    (void)state;
    aula_store *s = open_store();
    add_user(s, "u3");
    assert_int_equal(
        add_event(s, "reg-xxxx-xxx", "rre-gxxx-xxx", "u3", NOW + 60 * MINUTE, "webinar"), 0);
    aula_registration_rec r = {.id = (char *)"0123456789abcdef",
                               .event_id = (char *)"reg-xxxx-xxx",
                               .name = (char *)"Ola",
                               .email = (char *)"ola@school.example",
                               .lang = (char *)"pl",
                               .join_key = (char *)"k1",
                               .consent_ms = NOW,
                               .created_ms = NOW};
    assert_int_equal(aula_store_registration_add(s, &r), 0);
    r.id = (char *)"fedcba9876543210";
    r.join_key = (char *)"k2";
    assert_int_equal(aula_store_registration_add(s, &r), AULA_EEXIST); /* same e-mail */
    r.email = (char *)"jan@school.example";
    r.name = (char *)"Jan";
    r.created_ms = NOW + 1;
    assert_int_equal(aula_store_registration_add(s, &r), 0);
    r.event_id = (char *)"zzz-zzzz-zzz";
    r.id = (char *)"1111111111111111";
    assert_int_equal(aula_store_registration_add(s, &r), AULA_ENOENT);
    aula_store_close(s);

    s = open_store(); /* everything survives a reopen */
    aula_registration_rec got;
    assert_int_equal(
        aula_store_registration_by_email(s, "reg-xxxx-xxx", "ola@school.example", &got), 0);
    assert_string_equal(got.join_key, "k1");
    assert_string_equal(got.lang, "pl");
    aula_registration_rec_deinit(&got);
    assert_int_equal(aula_store_registration_by_key(s, "reg-xxxx-xxx", "k2", &got), 0);
    assert_string_equal(got.name, "Jan");
    assert_string_equal(got.id, "fedcba9876543210");
    assert_int_equal(got.mailed_ms, 0);
    aula_registration_rec_deinit(&got);
    assert_int_equal(aula_store_registration_mailed(s, "fedcba9876543210", NOW + 5), 0);
    assert_int_equal(aula_store_registration_mailed(s, "no-such-id", NOW), AULA_ENOENT);
    aula_registration_rec_deinit(&got);
    assert_int_equal(aula_store_registration_by_key(s, "reg-xxxx-xxx", "k2", &got), 0);
    assert_int_equal(got.mailed_ms, NOW + 5);
    aula_registration_rec_deinit(&got);
    assert_int_equal(aula_store_registration_by_key(s, "reg-xxxx-xxx", "k3", &got), AULA_ENOENT);
    assert_int_equal(aula_store_registration_by_key(s, "fut-urex-xxx", "k1", &got), AULA_ENOENT);
    aula_registration_rec *list = NULL;
    size_t n = 0;
    assert_int_equal(aula_store_registrations_list(s, "reg-xxxx-xxx", &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].name, "Ola");
    assert_string_equal(list[1].name, "Jan");
    aula_registration_recs_free(list, n);
    int64_t count = -1;
    assert_int_equal(aula_store_registrations_count(s, "reg-xxxx-xxx", &count), 0);
    assert_int_equal(count, 2);
    aula_store_close(s);
}

/* The reminder pass without e-mail: due events are marked (nothing to send
 * later), others are left for later, and a second pass finds nothing. */
static void reminder_pass_marks_due_events(void **state)
{
    (void)state;
    aula_store *s = open_store();
    add_user(s, "u4");
    assert_int_equal(
        add_event(s, "rem-inde-rxx", "rre-mind-erx", "u4", NOW + 10 * MINUTE, "meeting"), 0);
    assert_int_equal(
        add_event(s, "lat-erxx-xxx", "rla-terx-xxx", "u4", NOW + 600 * MINUTE, "meeting"), 0);
    aula_event_api api = {.store = s, .reminder_before_ms = 15 * MINUTE};
    size_t events = 99, mails = 99;
    /* Earlier events of the other tests in this database are due too. */
    assert_int_equal(aula_event_reminders_run(&api, NOW, &events, &mails), 0);
    assert_true(events >= 1);
    assert_int_equal(mails, 0);
    aula_event_rec ev;
    assert_int_equal(aula_store_event_get(s, "rem-inde-rxx", &ev), 0);
    assert_int_equal(ev.reminder_sent_ms, NOW);
    aula_event_rec_deinit(&ev);
    assert_int_equal(aula_store_event_get(s, "lat-erxx-xxx", &ev), 0);
    assert_int_equal(ev.reminder_sent_ms, 0);
    aula_event_rec_deinit(&ev);
    assert_int_equal(aula_event_reminders_run(&api, NOW + 1000, &events, &mails), 0);
    assert_int_equal(events, 0);
    assert_int_equal(aula_event_reminder_period_ms(3600000), 60000);
    assert_int_equal(aula_event_reminder_period_ms(4000), 1000);
    assert_int_equal(aula_event_reminder_period_ms(100000), 10000);
    aula_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(creates_an_event_with_its_room),
        cmocka_unit_test(lists_cancels_and_reminds),
        cmocka_unit_test(keeps_registrations_unique_per_email),
        cmocka_unit_test(reminder_pass_marks_due_events),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
