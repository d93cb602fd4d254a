/* Q&A without sockets: asking, the per-minute limit (stored, so it holds
 * across a rejoin), one upvote per person and none for one's own question,
 * host-only answer and hide, and who sees which question (list and
 * notifications). */
#include "room/qa.h"

#include "webinar_fixture.h"

#include <jansson.h>

#define HOST "00000000000000a1"
#define ALA "00000000000000b1"
#define BOB "00000000000000c1"

static int64_t ask(aula_participant *p, const char *text, int64_t now)
{
    json_t *q = NULL;
    char why[160] = "";
    assert_int_equal(aula_qa_ask(p, text, 3, now, &q, why, sizeof why), 0);
    int64_t id = json_integer_value(json_object_get(q, "id"));
    assert_true(id > 0);
    assert_false(json_is_true(json_object_get(q, "answered")));
    json_decref(q);
    return id;
}

static size_t list_size(aula_participant *p)
{
    json_t *l = NULL;
    char why[160] = "";
    assert_int_equal(aula_qa_list(p, &l, why, sizeof why), 0);
    size_t n = json_array_size(l);
    json_decref(l);
    return n;
}

static void questions_are_rate_limited_per_minute(void **state)
{
    fixture *f = *state;
    inbox *h = box(f), *a = box(f);
    enter(f, HOST, "Host", AULA_ROLE_HOST, h);
    aula_participant *ala = enter(f, ALA, "Ala", AULA_ROLE_ATTENDEE, a);
    int64_t t = 1000000;
    ask(ala, "one", t);
    ask(ala, "two", t + 10);
    ask(ala, "three", t + 20);
    json_t *q = NULL;
    char why[160] = "";
    assert_int_equal(aula_qa_ask(ala, "four", 3, t + 30, &q, why, sizeof why), AULA_EAGAIN);
    assert_null(q);
    assert_non_null(strstr(why, "3 questions a minute"));
    /* Still limited after leaving and coming back: the limit counts stored
     * questions. */
    aula_participant_leave(ala, t + 40);
    a->p = NULL;
    ala = enter(f, ALA, "Ala", AULA_ROLE_ATTENDEE, a);
    assert_int_equal(aula_qa_ask(ala, "four", 3, t + 59999, &q, why, sizeof why), AULA_EAGAIN);
    /* A minute after the first one, one more fits. */
    ask(ala, "four", t + 60000);
    assert_int_equal(aula_qa_ask(ala, "five", 3, t + 60001, &q, why, sizeof why), AULA_EAGAIN);
    /* The refused ones were never stored. */
    assert_int_equal(list_size(ala), 4);
}

static void one_upvote_each_and_not_ones_own(void **state)
{
    fixture *f = *state;
    inbox *h = box(f), *a = box(f), *b = box(f);
    aula_participant *host = enter(f, HOST, "Host", AULA_ROLE_HOST, h);
    aula_participant *ala = enter(f, ALA, "Ala", AULA_ROLE_ATTENDEE, a);
    aula_participant *bob = enter(f, BOB, "Bob", AULA_ROLE_ATTENDEE, b);
    int64_t id = ask(ala, "Why is the sky blue?", 5000);
    char why[160] = "";
    json_t *q = NULL;
    /* Bob cannot see an unanswered question of Ala's: not found. */
    assert_int_equal(aula_qa_upvote(bob, id, 5001, &q, why, sizeof why), AULA_ENOENT);
    assert_int_equal(aula_qa_answer(host, id, "Rayleigh scattering", 0, NULL, why, sizeof why), 0);
    assert_int_equal(aula_qa_upvote(bob, id, 5002, &q, why, sizeof why), 0);
    assert_int_equal(json_integer_value(json_object_get(q, "votes")), 1);
    assert_true(json_is_true(json_object_get(q, "voted")));
    json_decref(q);
    assert_int_equal(aula_qa_upvote(bob, id, 5003, NULL, why, sizeof why), AULA_EEXIST);
    assert_string_equal(why, "you already voted for this question");
    assert_int_equal(aula_qa_upvote(ala, id, 5004, NULL, why, sizeof why), AULA_EPERM);
    assert_string_equal(why, "you cannot vote for your own question");
    /* The host votes too; the count is stored. */
    assert_int_equal(aula_qa_upvote(host, id, 5005, NULL, why, sizeof why), 0);
    /* The others hear of both votes once, with the next flush. */
    const char *last = NULL;
    assert_int_equal(got(b, "qa.updated", NULL), 1); /* the answer */
    assert_int_equal(aula_webinar_flush(aula_participant_room(host), 5005), 0);
    assert_int_equal(got(b, "qa.updated", &last), 2);
    assert_non_null(strstr(last, "\"votes\""));
    json_t *msg = json_loads(last, 0, NULL);
    json_t *upd = json_object_get(json_object_get(msg, "params"), "question");
    assert_int_equal(json_integer_value(json_object_get(upd, "votes")), 2);
    json_decref(msg);
    assert_int_equal(aula_webinar_flush(aula_participant_room(host), 6000), 0);
    assert_int_equal(got(b, "qa.updated", NULL), 2);
    json_t *l = NULL;
    assert_int_equal(aula_qa_list(bob, &l, why, sizeof why), 0);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(l, 0), "votes")), 2);
    assert_true(json_is_true(json_object_get(json_array_get(l, 0), "voted")));
    json_decref(l);
    assert_int_equal(aula_qa_list(ala, &l, why, sizeof why), 0);
    assert_false(json_is_true(json_object_get(json_array_get(l, 0), "voted")));
    json_decref(l);
}

static void attendees_see_answered_visible_and_their_own(void **state)
{
    fixture *f = *state;
    inbox *h = box(f), *a = box(f), *b = box(f);
    aula_participant *host = enter(f, HOST, "Host", AULA_ROLE_HOST, h);
    aula_participant *ala = enter(f, ALA, "Ala", AULA_ROLE_ATTENDEE, a);
    aula_participant *bob = enter(f, BOB, "Bob", AULA_ROLE_ATTENDEE, b);
    int h0 = h->n, b0 = b->n;
    int64_t q1 = ask(ala, "first", 100);
    int64_t q2 = ask(ala, "second", 200);
    ask(bob, "bob's", 300);
    /* New questions reach hosts and the asker, never other attendees. */
    assert_int_equal(got(h, "qa.question", NULL), 3);
    assert_int_equal(got(a, "qa.question", NULL), 2);
    assert_int_equal(got(b, "qa.question", NULL), 1);
    assert_true(h->n > h0 && b->n > b0);
    assert_int_equal(list_size(host), 3);
    assert_int_equal(list_size(ala), 2);
    assert_int_equal(list_size(bob), 1);

    char why[160] = "";
    json_t *q = NULL;
    /* Only hosts answer and hide. */
    assert_int_equal(aula_qa_answer(bob, q1, "me", 0, NULL, why, sizeof why), AULA_EPERM);
    assert_int_equal(aula_qa_hide(bob, q1, 1, NULL, why, sizeof why), AULA_EPERM);
    /* Answered live: everyone sees it now, and everyone is told. */
    assert_int_equal(aula_qa_answer(host, q1, NULL, 1, &q, why, sizeof why), 0);
    json_t *ans = json_object_get(q, "answer");
    assert_true(json_is_true(json_object_get(ans, "live")));
    assert_true(json_is_null(json_object_get(ans, "text")));
    assert_string_equal(json_string_value(json_object_get(json_object_get(ans, "by"), "name")),
                        "Host");
    json_decref(q);
    const char *last = NULL;
    assert_int_equal(got(b, "qa.updated", &last), 1);
    assert_non_null(strstr(last, "first"));
    assert_null(strstr(last, "\"voted\"")); /* one text for everyone */
    assert_int_equal(list_size(bob), 2);

    /* Hidden: gone from Bob's list; Bob is told (he had it), Ala still
     * sees her own. */
    assert_int_equal(aula_qa_hide(host, q1, 1, NULL, why, sizeof why), 0);
    assert_int_equal(got(b, "qa.updated", NULL), 2);
    assert_int_equal(list_size(bob), 1);
    assert_int_equal(list_size(ala), 2);
    /* A hidden, unanswered question answered later stays with hosts and
     * the asker. */
    assert_int_equal(aula_qa_hide(host, q2, 1, NULL, why, sizeof why), 0);
    assert_int_equal(aula_qa_answer(host, q2, "later", 0, NULL, why, sizeof why), 0);
    assert_int_equal(got(b, "qa.updated", NULL), 2);
    assert_int_equal(list_size(bob), 1);
    /* Hosts get every update. */
    assert_int_equal(got(h, "qa.updated", NULL), 4);
}

static void unknown_question_is_not_found(void **state)
{
    fixture *f = *state;
    inbox *h = box(f);
    aula_participant *host = enter(f, HOST, "Host", AULA_ROLE_HOST, h);
    char why[160] = "";
    assert_int_equal(aula_qa_answer(host, 42, "x", 0, NULL, why, sizeof why), AULA_ENOENT);
    assert_string_equal(why, "no such question");
    assert_int_equal(aula_qa_upvote(host, 42, 1, NULL, why, sizeof why), AULA_ENOENT);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(questions_are_rate_limited_per_minute, setup, teardown),
        cmocka_unit_test_setup_teardown(one_upvote_each_and_not_ones_own, setup, teardown),
        cmocka_unit_test_setup_teardown(attendees_see_answered_visible_and_their_own, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(unknown_question_is_not_found, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
