/* Polls without sockets: drafts seen by hosts only, one vote per person
 * (the store's primary key, so also after a rejoin), closed polls refuse
 * votes, single choice means exactly one index, results counted and sent
 * to hosts at most every AULA_WEBINAR_RESULTS_EVERY_MS and to everyone
 * only while shown. */
#include "room/polls.h"

#include "webinar_fixture.h"

#include <jansson.h>

#define HOST "00000000000000a1"
#define ALA "00000000000000b1"
#define BOB "00000000000000c1"

static int64_t create(aula_participant *host, int multiple)
{
    char *choices[] = {"Red", "Green", "Blue"};
    json_t *p = NULL;
    char why[160] = "";
    assert_int_equal(
        aula_poll_create(host, "Favourite colour?", choices, 3, multiple, 50, &p, why, sizeof why),
        0);
    assert_string_equal(json_string_value(json_object_get(p, "state")), "draft");
    int64_t id = json_integer_value(json_object_get(p, "id"));
    json_decref(p);
    return id;
}

static int vote(aula_participant *p, int64_t id, const int *c, size_t n, int64_t now, char *why)
{
    return aula_poll_vote(p, id, c, n, now, NULL, why, 160);
}

static json_t *results_of(const char *text)
{
    json_t *msg = json_loads(text, 0, NULL);
    assert_non_null(msg);
    json_t *params = json_incref(json_object_get(msg, "params"));
    json_decref(msg);
    return params;
}

static void one_vote_per_person_on_open_polls(void **state)
{
    fixture *f = *state;
    inbox *h = box(f), *a = box(f), *b = box(f);
    aula_participant *host = enter(f, HOST, "Host", AULA_ROLE_HOST, h);
    aula_participant *ala = enter(f, ALA, "Ala", AULA_ROLE_ATTENDEE, a);
    enter(f, BOB, "Bob", AULA_ROLE_ATTENDEE, b);
    char why[160] = "";
    char *two[] = {"Yes", "No"};
    assert_int_equal(aula_poll_create(ala, "Q?", two, 2, 0, 1, NULL, why, sizeof why), AULA_EPERM);
    int64_t id = create(host, 0);
    int one[] = {1};
    /* A draft is not there for attendees at all. */
    assert_int_equal(vote(ala, id, one, 1, 100, why), AULA_ENOENT);
    json_t *l = NULL;
    assert_int_equal(aula_poll_list(ala, &l, why, sizeof why), 0);
    assert_int_equal(json_array_size(l), 0);
    json_decref(l);
    assert_int_equal(got(a, "poll.created", NULL), 0);
    assert_int_equal(got(h, "poll.created", NULL), 1);

    assert_int_equal(aula_poll_set_open(ala, id, 1, NULL, why, sizeof why), AULA_EPERM);
    assert_int_equal(aula_poll_set_open(host, id, 1, NULL, why, sizeof why), 0);
    assert_int_equal(got(a, "poll.opened", NULL), 1);
    int none[1];
    int both[] = {0, 1};
    assert_int_equal(vote(ala, id, none, 0, 101, why), AULA_EINVAL);
    assert_int_equal(vote(ala, id, both, 2, 101, why), AULA_EINVAL);
    assert_string_equal(why, "choices: this poll takes exactly one choice");
    int bad[] = {3};
    assert_int_equal(vote(ala, id, bad, 1, 101, why), AULA_EINVAL);
    assert_int_equal(vote(ala, id, one, 1, 102, why), 0);
    assert_int_equal(vote(ala, id, one, 1, 103, why), AULA_EEXIST);
    assert_string_equal(why, "you have already voted in this poll");
    /* Rejoining does not give a second vote. */
    aula_participant_leave(ala, 104);
    a->p = NULL;
    ala = enter(f, ALA, "Ala", AULA_ROLE_ATTENDEE, a);
    int zero[] = {0};
    assert_int_equal(vote(ala, id, zero, 1, 105, why), AULA_EEXIST);
    /* The list says what Ala voted. */
    assert_int_equal(aula_poll_list(ala, &l, why, sizeof why), 0);
    json_t *voted = json_object_get(json_array_get(l, 0), "voted");
    assert_int_equal(json_array_size(voted), 1);
    assert_int_equal(json_integer_value(json_array_get(voted, 0)), 1);
    assert_null(json_object_get(json_array_get(l, 0), "results")); /* not shown */
    json_decref(l);

    assert_int_equal(aula_poll_set_open(host, id, 0, NULL, why, sizeof why), 0);
    assert_int_equal(got(a, "poll.closed", NULL), 1);
    assert_int_equal(vote(host, id, zero, 1, 106, why), AULA_EPERM);
    assert_string_equal(why, "this poll is closed");
}

static void results_are_throttled_and_shown_on_request(void **state)
{
    fixture *f = *state;
    inbox *h = box(f), *a = box(f), *b = box(f);
    aula_participant *host = enter(f, HOST, "Host", AULA_ROLE_HOST, h);
    aula_participant *ala = enter(f, ALA, "Ala", AULA_ROLE_ATTENDEE, a);
    aula_participant *bob = enter(f, BOB, "Bob", AULA_ROLE_ATTENDEE, b);
    aula_room *r = aula_participant_room(host);
    char why[160] = "";
    int64_t id = create(host, 1);
    assert_int_equal(aula_poll_set_open(host, id, 1, NULL, why, sizeof why), 0);
    aula_webinar_flush(r, 1000); /* whatever the joins made due */
    int ala_votes[] = {0, 2};
    int bob_votes[] = {2};
    assert_int_equal(vote(ala, id, ala_votes, 2, 1000, why), 0);
    /* Due now: the first result goes at once. */
    assert_int_equal(aula_webinar_flush(r, 1000), 0);
    const char *last = NULL;
    assert_int_equal(got(h, "poll.results", &last), 1);
    assert_int_equal(got(a, "poll.results", NULL), 0);
    assert_int_equal(vote(bob, id, bob_votes, 1, 1010, why), 0);
    /* The next may not go before 250 ms have passed. */
    assert_int_equal(aula_webinar_flush(r, 1100), 1000 + AULA_WEBINAR_RESULTS_EVERY_MS);
    assert_int_equal(got(h, "poll.results", NULL), 1);
    assert_int_equal(aula_webinar_flush(r, 1250), 0);
    assert_int_equal(got(h, "poll.results", &last), 2);
    json_t *res = results_of(last);
    assert_int_equal(json_integer_value(json_object_get(res, "voters")), 2);
    json_t *counts = json_object_get(res, "counts");
    assert_int_equal(json_integer_value(json_array_get(counts, 0)), 1);
    assert_int_equal(json_integer_value(json_array_get(counts, 1)), 0);
    assert_int_equal(json_integer_value(json_array_get(counts, 2)), 2);
    json_decref(res);

    /* Shown: everyone gets the results now and with later votes. */
    assert_int_equal(aula_poll_show_results(host, id, 1, NULL, why, sizeof why), 0);
    assert_int_equal(got(b, "poll.results", NULL), 1);
    int host_votes[] = {1};
    assert_int_equal(vote(host, id, host_votes, 1, 2000, why), 0);
    aula_webinar_flush(r, 2000);
    assert_int_equal(got(b, "poll.results", &last), 2);
    res = results_of(last);
    assert_int_equal(json_integer_value(json_object_get(res, "voters")), 3);
    json_decref(res);
    json_t *l = NULL;
    assert_int_equal(aula_poll_list(bob, &l, why, sizeof why), 0);
    json_t *results = json_object_get(json_array_get(l, 0), "results");
    assert_int_equal(json_integer_value(json_object_get(results, "voters")), 3);
    json_decref(l);
}

static void counts_survive_a_reload(void **state)
{
    fixture *f = *state;
    inbox *h = box(f), *a = box(f);
    aula_participant *host = enter(f, HOST, "Host", AULA_ROLE_HOST, h);
    aula_participant *ala = enter(f, ALA, "Ala", AULA_ROLE_ATTENDEE, a);
    char why[160] = "";
    int64_t id = create(host, 0);
    assert_int_equal(aula_poll_set_open(host, id, 1, NULL, why, sizeof why), 0);
    int c[] = {2};
    assert_int_equal(vote(ala, id, c, 1, 10, why), 0);
    /* Everyone leaves: the live room goes, the store keeps the votes. */
    aula_participant_leave(ala, 11);
    aula_participant_leave(host, 11);
    a->p = h->p = NULL;
    host = enter(f, HOST, "Host", AULA_ROLE_HOST, h);
    json_t *l = NULL;
    assert_int_equal(aula_poll_list(host, &l, why, sizeof why), 0);
    json_t *results = json_object_get(json_array_get(l, 0), "results");
    assert_int_equal(json_integer_value(json_object_get(results, "voters")), 1);
    assert_int_equal(json_integer_value(json_array_get(json_object_get(results, "counts"), 2)), 1);
    assert_string_equal(json_string_value(json_object_get(json_array_get(l, 0), "state")), "open");
    json_decref(l);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(one_vote_per_person_on_open_polls, setup, teardown),
        cmocka_unit_test_setup_teardown(results_are_throttled_and_shown_on_request, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(counts_survive_a_reload, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
