/* iCalendar writer: exact output, folding, escaping, refusals. */
#include "event/ics.h"

#include "core/error.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

/* 2026-12-01 17:00:00 UTC and an hour later; stamped 2026-11-28 10:20:34. */
#define START_MS 1796144400000LL
#define END_MS (START_MS + 3600 * 1000LL)
#define STAMP_MS 1795861234000LL

static aula_ics_event sample(void)
{
    aula_ics_event ev = {
        .uid = "ev-42@meet.example.org",
        .dtstamp_ms = STAMP_MS,
        .start_ms = START_MS,
        .end_ms = END_MS,
        .summary = "Lekcja: ułamki, część 2",
        .description = "Przynieś zeszyt.\nBring a notebook; a pen, too.",
        .url = "https://meet.example.org/r/kfp-mqzx-tbw",
    };
    return ev;
}

static void writes_a_published_event_exactly(void **state)
{
    (void)state;
    aula_ics_event ev = sample();
    aula_buf out;
    aula_buf_init(&out);
    char why[128];
    assert_int_equal(aula_ics_write(&ev, AULA_ICS_PUBLISH, &out, why, sizeof why), 0);
    assert_string_equal(out.data,
                        "BEGIN:VCALENDAR\r\n"
                        "VERSION:2.0\r\n"
                        "PRODID:-//aula//aula//EN\r\n"
                        "CALSCALE:GREGORIAN\r\n"
                        "METHOD:PUBLISH\r\n"
                        "BEGIN:VEVENT\r\n"
                        "UID:ev-42@meet.example.org\r\n"
                        "DTSTAMP:20261128T102034Z\r\n"
                        "DTSTART:20261201T170000Z\r\n"
                        "DTEND:20261201T180000Z\r\n"
                        "SEQUENCE:0\r\n"
                        "SUMMARY:Lekcja: ułamki\\, część 2\r\n"
                        "DESCRIPTION:Przynieś zeszyt.\\nBring a notebook\\; a pen\\, too.\r\n"
                        "URL:https://meet.example.org/r/kfp-mqzx-tbw\r\n"
                        "LOCATION:https://meet.example.org/r/kfp-mqzx-tbw\r\n"
                        "STATUS:CONFIRMED\r\n"
                        "TRANSP:OPAQUE\r\n"
                        "END:VEVENT\r\n"
                        "END:VCALENDAR\r\n");
    aula_buf_deinit(&out);
}

static void writes_a_request_with_people_and_a_reminder(void **state)
{
    (void)state;
    aula_ics_event ev = sample();
    ev.description = NULL;
    ev.url = NULL;
    ev.organizer_name = "Pani \"Ania\" Nowak";
    ev.organizer_email = "ania@example.org";
    ev.attendee_email = "jan@example.org";
    ev.sequence = 2;
    ev.alarm_before_ms = 15 * 60 * 1000;
    aula_buf out;
    aula_buf_init(&out);
    char why[128];
    assert_int_equal(aula_ics_write(&ev, AULA_ICS_REQUEST, &out, why, sizeof why), 0);
    assert_string_equal(
        out.data, "BEGIN:VCALENDAR\r\n"
                  "VERSION:2.0\r\n"
                  "PRODID:-//aula//aula//EN\r\n"
                  "CALSCALE:GREGORIAN\r\n"
                  "METHOD:REQUEST\r\n"
                  "BEGIN:VEVENT\r\n"
                  "UID:ev-42@meet.example.org\r\n"
                  "DTSTAMP:20261128T102034Z\r\n"
                  "DTSTART:20261201T170000Z\r\n"
                  "DTEND:20261201T180000Z\r\n"
                  "SEQUENCE:2\r\n"
                  "SUMMARY:Lekcja: ułamki\\, część 2\r\n"
                  "ORGANIZER;CN=\"Pani ^'Ania^' Nowak\":mailto:ania@example.org\r\n"
                  "ATTENDEE;ROLE=REQ-PARTICIPANT;PARTSTAT=NEEDS-ACTION;RSVP=FALSE:mailto:jan@e\r\n"
                  " xample.org\r\n"
                  "STATUS:CONFIRMED\r\n"
                  "TRANSP:OPAQUE\r\n"
                  "BEGIN:VALARM\r\n"
                  "ACTION:DISPLAY\r\n"
                  "DESCRIPTION:Lekcja: ułamki\\, część 2\r\n"
                  "TRIGGER:-PT15M\r\n"
                  "END:VALARM\r\n"
                  "END:VEVENT\r\n"
                  "END:VCALENDAR\r\n");
    aula_buf_deinit(&out);
}

/* Every physical line is at most 75 octets and unfolding gives back the
 * logical line; a 2-byte "ż" straddling octet 75 moves whole to the next
 * line. */
static void folds_at_75_octets_between_utf8_sequences(void **state)
{
    (void)state;
    char line[200];
    memcpy(line, "SUMMARY:", 8);
    memset(line + 8, 'a', 66);    /* 74 octets so far */
    memcpy(line + 74, "żółw", 7); /* ż would span octets 75-76 */
    memset(line + 81, 'b', 80);
    size_t len = 161;
    aula_buf out;
    aula_buf_init(&out);
    aula_ics_fold_line(&out, line, len);
    /* The first physical line stops before ż: 74 octets. */
    assert_memory_equal(out.data, line, 74);
    assert_memory_equal(out.data + 74, "\r\n żółw", 10);
    /* Check every line's length and unfold. */
    char unfolded[200];
    size_t u = 0, col = 0;
    for (size_t i = 0; i < out.len; i++) {
        if (out.data[i] == '\r') {
            assert_true(col <= 75);
            assert_int_equal(out.data[i + 1], '\n');
            i++;
            col = 0;
            if (i + 1 < out.len) {
                assert_int_equal(out.data[i + 1], ' ');
                i++;
                col = 1;
            }
            continue;
        }
        unfolded[u++] = out.data[i];
        col++;
    }
    assert_int_equal(u, len);
    assert_memory_equal(unfolded, line, len);
    aula_buf_deinit(&out);
}

static void escapes_text(void **state)
{
    (void)state;
    aula_buf out;
    aula_buf_init(&out);
    aula_ics_escape_text(&out, "a\\b;c,d\r\ne\nf\rg");
    assert_string_equal(out.data, "a\\\\b\\;c\\,d\\ne\\nf\\ng");
    aula_buf_deinit(&out);
}

static void refuses_bad_events(void **state)
{
    (void)state;
    char why[128];
    aula_buf out;
    aula_buf_init(&out);
    aula_ics_event ev = sample();
    ev.end_ms = ev.start_ms;
    assert_int_equal(aula_ics_write(&ev, AULA_ICS_PUBLISH, &out, why, sizeof why), AULA_EINVAL);
    assert_string_equal(why, "the end must come after the start");

    ev = sample();
    ev.summary = "Title\r\nX-Injected: yes";
    assert_int_equal(aula_ics_write(&ev, AULA_ICS_PUBLISH, &out, why, sizeof why), AULA_EINVAL);

    ev = sample();
    ev.summary = "bad \xC3\x28 utf-8";
    assert_int_equal(aula_ics_write(&ev, AULA_ICS_PUBLISH, &out, why, sizeof why), AULA_EINVAL);

    ev = sample();
    ev.url = "https://x.org/a b";
    assert_int_equal(aula_ics_write(&ev, AULA_ICS_PUBLISH, &out, why, sizeof why), AULA_EINVAL);

    ev = sample();
    assert_int_equal(aula_ics_write(&ev, AULA_ICS_REQUEST, &out, why, sizeof why), AULA_EINVAL);
    assert_string_equal(why, "METHOD:REQUEST needs an organizer");

    ev = sample();
    ev.organizer_email = "ania@example.org\r\nATTENDEE:x";
    assert_int_equal(aula_ics_write(&ev, AULA_ICS_REQUEST, &out, why, sizeof why), AULA_EINVAL);

    ev = sample();
    ev.start_ms = -1;
    assert_int_equal(aula_ics_write(&ev, AULA_ICS_PUBLISH, &out, why, sizeof why), AULA_EINVAL);
    assert_int_equal(out.len, 0); /* nothing written on errors */
    aula_buf_deinit(&out);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(writes_a_published_event_exactly),
        cmocka_unit_test(writes_a_request_with_people_and_a_reminder),
        cmocka_unit_test(folds_at_75_octets_between_utf8_sequences),
        cmocka_unit_test(escapes_text),
        cmocka_unit_test(refuses_bad_events),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
