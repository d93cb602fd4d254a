/* The event e-mails: subject, the time in the event's zone, the link, and
 * which kinds carry invite.ics, in English and Polish. */
#include "event/event_mail.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* 2030-06-15 16:00:00 UTC. */
#define START_MS 1907769600000LL

static aula_event_rec sample(void)
{
    aula_event_rec ev = {
        .id = (char *)"kfp-mqzx-tbw",
        .title = (char *)"Parents evening",
        .description = (char *)"Class 3b",
        .time_zone = (char *)"UTC",
        .type = (char *)"webinar",
        .access = (char *)"registration",
        .starts_ms = START_MS,
        .duration_min = 90,
    };
    return ev;
}

static char *compose(aula_event_mail_kind kind, const char *lang, const aula_event_rec *ev,
                     const char *to)
{
    aula_tz *tz = NULL;
    assert_int_equal(aula_tz_load("/nonexistent", "UTC", &tz), 0);
    aula_event_mail m = {.kind = kind,
                         .ev = ev,
                         .tz = tz,
                         .from = "Aula <events@school.example>",
                         .to_name = "Ola",
                         .to_email = to,
                         .link = "https://meet.example.org/e/kfp-mqzx-tbw#k=abc",
                         .lang = lang,
                         .message = "Please come!",
                         .uid_domain = "school.example",
                         .now_ms = START_MS - 86400000};
    aula_buf b;
    aula_buf_init(&b);
    char why[128];
    int rc = aula_event_mail_compose(&m, &b, why, sizeof why);
    aula_tz_destroy(tz);
    if (rc != 0) {
        aula_buf_deinit(&b);
        return NULL;
    }
    aula_buf_append(&b, "", 1);
    return aula_buf_steal(&b);
}

static void confirmation_has_the_link_and_a_calendar_file(void **state)
{
    (void)state;
    aula_event_rec ev = sample();
    char *m = compose(AULA_EVENT_MAIL_CONFIRM, "en", &ev, "ola@school.example");
    assert_non_null(m);
    assert_non_null(strstr(m, "Subject: Registered: Parents evening\r\n"));
    assert_true(strstr(m, "\r\nTo: ola@school.example\r\n") ||
                strstr(m, "\r\nTo: <ola@school.example>\r\n"));
    assert_non_null(strstr(m, "Saturday, 15 June 2030, 16:00 UTC"));
    /* The link, quoted-printable: "=" becomes "=3D". */
    assert_non_null(strstr(m, "https://meet.example.org/e/kfp-mqzx-tbw#k=3Dabc"));
    assert_non_null(strstr(m, "filename=\"invite.ics\""));
    aula_free(m);
}

static void kinds_and_languages(void **state)
{
    (void)state;
    aula_event_rec ev = sample();
    char *m = compose(AULA_EVENT_MAIL_REMINDER, "pl", &ev, "ola@school.example");
    assert_non_null(m);
    /* A non-ASCII subject is RFC 2047 encoded; the body says the day in Polish. */
    assert_non_null(strstr(m, "Subject: =?UTF-8?B?"));
    assert_null(strstr(m, "invite.ics")); /* reminders carry no calendar file */
    aula_free(m);
    m = compose(AULA_EVENT_MAIL_CANCELLED, "en", &ev, "ola@school.example");
    assert_non_null(strstr(m, "Subject: Cancelled: Parents evening\r\n"));
    assert_null(strstr(m, "#k=3D")); /* no link to a cancelled event */
    aula_free(m);
    m = compose(AULA_EVENT_MAIL_CHANGED, "en", &ev, "ola@school.example");
    assert_non_null(strstr(m, "Subject: New time: Parents evening\r\n"));
    assert_non_null(strstr(m, "#k=3Dabc"));
    assert_non_null(strstr(m, "invite.ics"));
    aula_free(m);
    m = compose(AULA_EVENT_MAIL_INVITE, "en", &ev, "gran@school.example");
    assert_non_null(strstr(m, "Subject: Invitation: Parents evening\r\n"));
    assert_non_null(strstr(m, "Please come!"));
    assert_non_null(strstr(m, "invite.ics"));
    aula_free(m);
}

static void refuses_what_cannot_go_into_a_mail(void **state)
{
    (void)state;
    aula_event_rec ev = sample();
    assert_null(compose(AULA_EVENT_MAIL_CONFIRM, "en", &ev, "not an address"));
    ev.title = (char *)"Bad\r\nBcc: x@y.example";
    assert_null(compose(AULA_EVENT_MAIL_CONFIRM, "en", &ev, "ola@school.example"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(confirmation_has_the_link_and_a_calendar_file),
        cmocka_unit_test(kinds_and_languages),
        cmocka_unit_test(refuses_what_cannot_go_into_a_mail),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
