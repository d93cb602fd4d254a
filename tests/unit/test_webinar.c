/* Webinar rooms without sockets: attendees are not announced to each
 * other (hosts are told; everyone gets a throttled count), the join list
 * an attendee gets, who may publish, the stage, and chat modes. */
#include "store/store_webinar.h"

#include "webinar_fixture.h"

#include <jansson.h>

#define HOST "00000000000000a1"
#define ALA "00000000000000b1"
#define BOB "00000000000000c1"
#define CEL "00000000000000d1"

/* params.count of a room.attendees notification text. */
static json_int_t count_of(const char *text)
{
    json_t *msg = json_loads(text, 0, NULL);
    assert_non_null(msg);
    json_int_t n = json_integer_value(json_object_get(json_object_get(msg, "params"), "count"));
    json_decref(msg);
    return n;
}

static int meeting_setup(void **state)
{
    return open_fixture(state, "meeting");
}

static void attendees_are_counted_not_announced(void **state)
{
    fixture *f = *state;
    inbox *h = box(f), *a = box(f), *b = box(f), *c = box(f);
    aula_participant *host = enter(f, HOST, "Host", AULA_ROLE_HOST, h);
    aula_room *r = aula_participant_room(host);
    assert_true(aula_room_is_webinar(r));
    /* A plain participant entering a webinar is an attendee. */
    aula_participant *ala = enter(f, ALA, "Ala", AULA_ROLE_PARTICIPANT, a);
    assert_int_equal(aula_participant_role(ala), AULA_ROLE_ATTENDEE);
    enter(f, BOB, "Bob", AULA_ROLE_ATTENDEE, b);
    assert_int_equal(got(h, "participant.joined", NULL), 2);
    assert_int_equal(got(a, "participant.joined", NULL), 0);
    assert_int_equal(aula_room_attendees(r), 2);
    /* One count for both joins, then nothing more within the second. */
    assert_int_equal(aula_webinar_flush(r, 5000), 0);
    const char *last = NULL;
    assert_int_equal(got(a, "room.attendees", &last), 1);
    assert_int_equal(count_of(last), 2);
    assert_int_equal(got(h, "room.attendees", NULL), 1);
    enter(f, CEL, "Cel", AULA_ROLE_ATTENDEE, c);
    assert_int_equal(aula_webinar_flush(r, 5500), 5000 + AULA_WEBINAR_COUNT_EVERY_MS);
    assert_int_equal(got(a, "room.attendees", NULL), 1);
    assert_int_equal(aula_webinar_flush(r, 6000), 0);
    assert_int_equal(got(a, "room.attendees", &last), 2);
    assert_int_equal(count_of(last), 3);
    /* Leaving: hosts hear it, attendees only the count. */
    aula_participant_leave(c->p, 6100);
    c->p = NULL;
    assert_int_equal(got(h, "participant.left", NULL), 1);
    assert_int_equal(got(a, "participant.left", NULL), 0);
    assert_int_equal(aula_webinar_flush(r, 7000), 0);
    assert_int_equal(got(b, "room.attendees", NULL), 3);

    /* The join list: everyone for hosts, no attendees for attendees. */
    json_t *all = aula_webinar_participants_json(r, host);
    assert_int_equal(json_array_size(all), 3);
    json_decref(all);
    json_t *seen = aula_webinar_participants_json(r, ala);
    assert_int_equal(json_array_size(seen), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(seen, 0), "id")), HOST);
    json_decref(seen);
    json_t *res = json_object();
    aula_webinar_join_extras(r, ala, res);
    assert_int_equal(json_integer_value(json_object_get(res, "attendees")), 2);
    assert_string_equal(json_string_value(json_object_get(res, "kind")), "webinar");
    assert_false(json_is_true(json_object_get(res, "on_stage")));
    json_decref(res);
}

static void the_stage_decides_who_publishes(void **state)
{
    fixture *f = *state;
    inbox *h = box(f), *a = box(f), *b = box(f);
    aula_participant *host = enter(f, HOST, "Host", AULA_ROLE_HOST, h);
    aula_participant *ala = enter(f, ALA, "Ala", AULA_ROLE_ATTENDEE, a);
    aula_participant *bob = enter(f, BOB, "Bob", AULA_ROLE_ATTENDEE, b);
    aula_room *r = aula_participant_room(host);
    assert_true(aula_webinar_may_publish(host));
    assert_false(aula_webinar_may_publish(ala));
    char why[160] = "";
    assert_int_equal(aula_webinar_stage(bob, ALA, 1, 100, why, sizeof why), AULA_EPERM);
    assert_int_equal(aula_webinar_stage(host, "ffffffffffffffff", 1, 100, why, sizeof why),
                     AULA_ENOENT);
    assert_int_equal(aula_webinar_stage(host, ALA, 0, 100, why, sizeof why), AULA_EINVAL);
    assert_int_equal(aula_webinar_stage(host, ALA, 1, 100, why, sizeof why), 0);
    assert_true(aula_webinar_may_publish(ala));
    assert_int_equal(aula_participant_role(ala), AULA_ROLE_PRESENTER);
    assert_int_equal(a->role_changed, 1); /* a fresh token goes to Ala */
    assert_int_equal(got(b, "participant.stage", NULL), 1);
    assert_int_equal(aula_room_attendees(r), 1);
    /* Bob now sees Ala in the list. */
    json_t *seen = aula_webinar_participants_json(r, bob);
    assert_int_equal(json_array_size(seen), 2);
    json_decref(seen);

    assert_int_equal(aula_webinar_stage(host, ALA, 0, 200, why, sizeof why), 0);
    assert_false(aula_webinar_may_publish(ala));
    assert_int_equal(a->role_changed, 2);
    assert_int_equal(aula_room_attendees(r), 2);
    /* Coming back with the presenter token of before: still an attendee. */
    aula_participant_leave(ala, 300);
    a->p = NULL;
    ala = enter(f, ALA, "Ala", AULA_ROLE_PRESENTER, a);
    assert_int_equal(aula_participant_role(ala), AULA_ROLE_ATTENDEE);

    /* The store keeps it, also once the room was unloaded (everyone left):
     * Ala stays in the audience, Bob (on stage when he left) comes back on
     * stage. */
    assert_int_equal(aula_webinar_stage(host, BOB, 1, 400, why, sizeof why), 0);
    int off = 0;
    assert_int_equal(aula_store_stage_is_off(f->store, aula_room_id(r), ALA, &off), 0);
    assert_int_equal(off, 1);
    assert_int_equal(aula_store_stage_is_off(f->store, aula_room_id(r), BOB, &off), 0);
    assert_int_equal(off, 0);
    aula_participant_leave(ala, 500);
    aula_participant_leave(bob, 500);
    aula_participant_leave(host, 500);
    a->p = b->p = h->p = NULL;
    ala = enter(f, ALA, "Ala", AULA_ROLE_PRESENTER, a);
    bob = enter(f, BOB, "Bob", AULA_ROLE_PRESENTER, b);
    assert_int_equal(aula_participant_role(ala), AULA_ROLE_ATTENDEE);
    assert_int_equal(aula_participant_role(bob), AULA_ROLE_PRESENTER);
}

static void chat_modes(void **state)
{
    fixture *f = *state;
    inbox *h = box(f), *a = box(f);
    aula_participant *host = enter(f, HOST, "Host", AULA_ROLE_HOST, h);
    aula_participant *ala = enter(f, ALA, "Ala", AULA_ROLE_ATTENDEE, a);
    char why[160] = "";
    int to_hosts = 0;
    assert_int_equal(aula_webinar_chat_route(ala, &to_hosts, why, sizeof why), 0);
    assert_int_equal(to_hosts, 0);
    assert_int_equal(aula_webinar_set_chat_mode(ala, AULA_CHAT_OFF, why, sizeof why), AULA_EPERM);
    assert_int_equal(aula_webinar_set_chat_mode(host, AULA_CHAT_HOSTS, why, sizeof why), 0);
    assert_int_equal(got(a, "room.chat_mode", NULL), 1);
    assert_int_equal(aula_webinar_chat_route(ala, &to_hosts, why, sizeof why), 0);
    assert_int_equal(to_hosts, 1);
    assert_int_equal(aula_webinar_set_chat_mode(host, AULA_CHAT_OFF, why, sizeof why), 0);
    to_hosts = 0;
    assert_int_equal(aula_webinar_chat_route(ala, &to_hosts, why, sizeof why), AULA_EPERM);
    assert_string_equal(why, "chat is off");
    assert_int_equal(aula_webinar_chat_route(host, &to_hosts, why, sizeof why), 0);
    /* Stored: the room loads with it next time. */
    aula_room_rec rec;
    assert_int_equal(aula_store_room_get(f->store, ROOM, &rec), 0);
    assert_string_equal(rec.chat_mode, "off");
    aula_room_rec_deinit(&rec);
}

static void attendee_reactions_reach_the_stage(void **state)
{
    fixture *f = *state;
    inbox *h = box(f), *a = box(f), *b = box(f);
    aula_participant *host = enter(f, HOST, "Host", AULA_ROLE_HOST, h);
    aula_participant *ala = enter(f, ALA, "Ala", AULA_ROLE_ATTENDEE, a);
    enter(f, BOB, "Bob", AULA_ROLE_ATTENDEE, b);
    aula_webinar_notify_reaction(ala, json_pack("{s:s}", "emoji", "x"));
    assert_int_equal(got(h, "reaction", NULL), 1);
    assert_int_equal(got(a, "reaction", NULL), 1);
    assert_int_equal(got(b, "reaction", NULL), 0);
    aula_webinar_notify_reaction(host, json_pack("{s:s}", "emoji", "y"));
    assert_int_equal(got(b, "reaction", NULL), 1);
    assert_int_equal(got(h, "reaction", NULL), 2);
}

static void meetings_keep_their_rules(void **state)
{
    fixture *f = *state;
    inbox *h = box(f), *a = box(f), *b = box(f);
    aula_participant *host = enter(f, HOST, "Host", AULA_ROLE_HOST, h);
    aula_participant *ala = enter(f, ALA, "Ala", AULA_ROLE_PARTICIPANT, a);
    enter(f, BOB, "Bob", AULA_ROLE_PARTICIPANT, b);
    aula_room *r = aula_participant_room(host);
    assert_false(aula_room_is_webinar(r));
    assert_int_equal(aula_participant_role(ala), AULA_ROLE_PARTICIPANT);
    assert_true(aula_webinar_may_publish(ala));
    assert_int_equal(got(a, "participant.joined", NULL), 1);
    json_t *seen = aula_webinar_participants_json(r, ala);
    assert_int_equal(json_array_size(seen), 3);
    json_decref(seen);
    char why[160] = "";
    assert_int_equal(aula_webinar_stage(host, ALA, 1, 1, why, sizeof why), AULA_EINVAL);
    assert_int_equal(aula_webinar_flush(r, 1), 0);
    assert_int_equal(got(a, "room.attendees", NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(attendees_are_counted_not_announced, setup, teardown),
        cmocka_unit_test_setup_teardown(the_stage_decides_who_publishes, setup, teardown),
        cmocka_unit_test_setup_teardown(chat_modes, setup, teardown),
        cmocka_unit_test_setup_teardown(attendee_reactions_reach_the_stage, setup, teardown),
        cmocka_unit_test_setup_teardown(meetings_keep_their_rules, meeting_setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
