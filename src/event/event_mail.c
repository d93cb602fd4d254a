/* Texts of the event e-mails, in English and Polish. */
#include "event/event_mail.h"

#include "core/error.h"
#include "event/ics.h"
#include "event/mime.h"

#include <stdio.h>
#include <string.h>

typedef struct texts {
    const char *subject[5]; /* by kind; %s is the title */
    const char *opening[5]; /* by kind */
    const char *when, *duration, *zone, *join, *page, *minutes, *hello, *calendar, *keep;
} texts;

static const texts en = {
    .subject = {"Registered: %s", "Invitation: %s", "Starting soon: %s", "Cancelled: %s",
                "New time: %s"},
    .opening = {"You are registered for \"%s\".", "You are invited to \"%s\".",
                "\"%s\" starts soon.", "\"%s\" has been cancelled and will not take place.",
                "\"%s\" has a new time. Your link stays the same."},
    .when = "When",
    .duration = "Length",
    .zone = "Time zone",
    .join = "Your personal link to join",
    .page = "The event page",
    .minutes = "minutes",
    .hello = "Hello",
    .calendar = "The attached invite.ics adds the event to your calendar.",
    .keep = "Keep this link to yourself: it lets you in under your name.",
};

static const texts pl = {
    .subject = {"Rejestracja: %s", "Zaproszenie: %s", "Wkrótce: %s", "Odwołane: %s",
                "Nowy termin: %s"},
    .opening = {"Jesteś zapisany(-a) na \"%s\".", "Zaproszenie na \"%s\".",
                "\"%s\" zaczyna się wkrótce.", "\"%s\" zostało odwołane i się nie odbędzie.",
                "\"%s\" ma nowy termin. Twój link się nie zmienia."},
    .when = "Kiedy",
    .duration = "Czas trwania",
    .zone = "Strefa czasowa",
    .join = "Twój osobisty link do wejścia",
    .page = "Strona wydarzenia",
    .minutes = "minut",
    .hello = "Dzień dobry",
    .calendar = "Załączony plik invite.ics doda wydarzenie do kalendarza.",
    .keep = "Nie udostępniaj tego linku: wpuszcza Cię pod Twoim imieniem.",
};

static void body_text(const aula_event_mail *m, const texts *t, aula_buf *b)
{
    char when[160];
    aula_time_words(m->tz, m->ev->starts_ms, m->lang, when, sizeof when);
    if (m->to_name && *m->to_name)
        aula_buf_printf(b, "%s %s,\n\n", t->hello, m->to_name);
    else
        aula_buf_printf(b, "%s,\n\n", t->hello);
    aula_buf_printf(b, t->opening[m->kind], m->ev->title);
    aula_buf_append_str(b, "\n\n");
    if (m->kind == AULA_EVENT_MAIL_INVITE && m->message && *m->message)
        aula_buf_printf(b, "%s\n\n", m->message);
    aula_buf_printf(b, "%s: %s\n%s: %s\n%s: %lld %s\n", t->when, when, t->zone, m->ev->time_zone,
                    t->duration, (long long)m->ev->duration_min, t->minutes);
    if (m->kind != AULA_EVENT_MAIL_CANCELLED && m->ev->description && *m->ev->description)
        aula_buf_printf(b, "\n%s\n", m->ev->description);
    if (m->kind == AULA_EVENT_MAIL_CANCELLED)
        return;
    int personal = m->kind != AULA_EVENT_MAIL_INVITE;
    aula_buf_printf(b, "\n%s:\n%s\n", personal ? t->join : t->page, m->link);
    if (personal)
        aula_buf_printf(b, "%s\n", t->keep);
    if (m->kind != AULA_EVENT_MAIL_REMINDER)
        aula_buf_printf(b, "\n%s\n", t->calendar);
}

/* The calendar file: confirmations and invitations only. */
static int write_ics(const aula_event_mail *m, aula_buf *out, char *why, size_t whylen)
{
    char uid[256], desc[1];
    desc[0] = '\0';
    snprintf(uid, sizeof uid, "%s@%s", m->ev->id,
             m->uid_domain && *m->uid_domain ? m->uid_domain : "aula");
    aula_buf d;
    aula_buf_init(&d);
    if (m->ev->description && *m->ev->description)
        aula_buf_printf(&d, "%s\n\n", m->ev->description);
    aula_buf_append_str(&d, m->link);
    aula_ics_event ie = {
        .uid = uid,
        .dtstamp_ms = m->now_ms,
        .start_ms = m->ev->starts_ms,
        .end_ms = m->ev->starts_ms + m->ev->duration_min * 60000,
        .summary = m->ev->title,
        .description = d.data ? d.data : desc,
        .url = m->link,
        .attendee_name = m->to_name,
        .attendee_email = m->kind != AULA_EVENT_MAIL_INVITE ? m->to_email : NULL,
        .sequence = (int)m->ev->sequence,
        .alarm_before_ms = 15 * 60 * 1000,
    };
    int rc = aula_ics_write(&ie, AULA_ICS_PUBLISH, out, why, whylen);
    aula_buf_deinit(&d);
    return rc;
}

int aula_event_mail_compose(const aula_event_mail *m, aula_buf *out, char *why, size_t whylen)
{
    const texts *t = m->lang && strcmp(m->lang, "pl") == 0 ? &pl : &en;
    char subject[512];
    snprintf(subject, sizeof subject, t->subject[m->kind], m->ev->title);
    aula_buf body, ics;
    aula_buf_init(&body);
    aula_buf_init(&ics);
    body_text(m, t, &body);
    aula_buf_append(&body, "", 1);
    int rc = 0;
    int with_ics = m->kind == AULA_EVENT_MAIL_CONFIRM || m->kind == AULA_EVENT_MAIL_INVITE ||
                   m->kind == AULA_EVENT_MAIL_CHANGED;
    if (with_ics)
        rc = write_ics(m, &ics, why, whylen);
    if (rc == 0) {
        aula_mail_attachment att = {"text/calendar; charset=UTF-8; method=PUBLISH", "invite.ics",
                                    ics.data, ics.len};
        char to[AULA_MAIL_ADDR_MAX + 8];
        snprintf(to, sizeof to, "<%s>", m->to_email);
        aula_mail_msg msg = {
            .from = m->from,
            .to = to,
            .subject = subject,
            .text = body.data,
            .attachments = with_ics ? &att : NULL,
            .n_attachments = with_ics ? 1 : 0,
            .date_ms = m->now_ms,
        };
        rc = aula_mail_compose(&msg, out, why, whylen);
    }
    aula_buf_deinit(&body);
    aula_buf_deinit(&ics);
    return rc;
}
