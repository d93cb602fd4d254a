#include "event/mail_test.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "event/ics.h"
#include "event/mailer.h"
#include "event/mime.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <uv.h>

typedef struct mail_test {
    aula_mailer *mailer; /* owned */
    const char *to;
    char start[32]; /* "2026-11-29 11:00 UTC" */
    int status;
} mail_test;

static void usage(FILE *f)
{
    fprintf(f, "Usage: aula mail-test --to ADDRESS [--config FILE] [--name value ...]\n\n"
               "Sends a test e-mail with a calendar file (invite.ics) through smtp_url, using\n"
               "the same settings as `aula serve` (see `aula serve --help`), and says whether\n"
               "the SMTP server took it. Exit status: 0 sent, 1 not sent, 2 usage error.\n");
}

static void on_closed(void *ud)
{
    (void)ud;
}

static void on_done(void *ud, int status, const char *detail)
{
    mail_test *t = ud;
    t->status = status;
    if (status == 0)
        printf("aula mail-test: sent. %s. The calendar event in it starts %s.\n", detail, t->start);
    else
        fprintf(stderr, "aula mail-test: NOT sent to %s: %s.\n", t->to, detail);
    aula_mailer_close(t->mailer, on_closed, NULL);
    t->mailer = NULL;
}

/* Tomorrow at the next full hour, so the event is plainly in the future. */
static int64_t event_start_ms(int64_t now_ms)
{
    int64_t hour = 3600 * 1000LL;
    return (now_ms / hour + 1) * hour + 24 * hour;
}

static int compose(const aula_config *cfg, mail_test *t, aula_buf *msg, char *why, size_t whylen)
{
    int64_t now = aula_wall_ms();
    int64_t start = event_start_ms(now);
    time_t st = (time_t)(start / 1000);
    struct tm tm;
    gmtime_r(&st, &tm);
    strftime(t->start, sizeof t->start, "%Y-%m-%d %H:%M UTC", &tm);

    char hex[17], uid[64];
    aula_random_hex(hex, 8);
    snprintf(uid, sizeof uid, "mail-test-%s@aula", hex);
    const char *url = *cfg->public_url ? cfg->public_url : NULL;
    aula_ics_event ev = {
        .uid = uid,
        .dtstamp_ms = now,
        .start_ms = start,
        .end_ms = start + 30 * 60 * 1000,
        .summary = "aula test event",
        .description = "A test of aula's e-mail. Nothing happens at this time.",
        .url = url,
        .alarm_before_ms = 15 * 60 * 1000,
    };
    aula_buf ics;
    aula_buf_init(&ics);
    int rc = aula_ics_write(&ev, AULA_ICS_PUBLISH, &ics, why, whylen);
    if (rc == 0) {
        char text[1024];
        snprintf(text, sizeof text,
                 "This is a test e-mail from aula.\n\n"
                 "If you can read this, aula's e-mail settings work: it reached you through\n"
                 "%s.\n\n"
                 "The attached invite.ics holds a test event on %s;\n"
                 "your calendar should offer to add it. You can delete it.\n",
                 aula_mailer_server(t->mailer), t->start);
        /* The same words as HTML, so clients that prefer it show a tidy
         * message, and the multipart/alternative path is exercised. */
        char html[1024];
        snprintf(html, sizeof html,
                 "<!DOCTYPE html><html><body>\n"
                 "<p>This is a test e-mail from <b>aula</b>.</p>\n"
                 "<p>If you can read this, aula's e-mail settings work: it reached you "
                 "through %s.</p>\n"
                 "<p>The attached invite.ics holds a test event on %s; your calendar "
                 "should offer to add it. You can delete it.</p>\n"
                 "</body></html>\n",
                 aula_mailer_server(t->mailer), t->start);
        aula_mail_attachment att = {"text/calendar; charset=UTF-8; method=PUBLISH", "invite.ics",
                                    ics.data, ics.len};
        aula_mail_msg m = {
            .from = aula_mailer_from(t->mailer),
            .to = t->to,
            .subject = "aula: test e-mail — wiadomość próbna",
            .text = text,
            .html = html,
            .attachments = &att,
            .n_attachments = 1,
            .date_ms = now,
        };
        rc = aula_mail_compose(&m, msg, why, whylen);
    }
    aula_buf_deinit(&ics);
    return rc;
}

/* Takes --to out of argv (the rest are settings). */
static int take_to(int *argc, char **argv, const char **to)
{
    int n = 0;
    for (int i = 0; i < *argc; i++) {
        if (strcmp(argv[i], "--to") == 0 && i + 1 < *argc)
            *to = argv[++i];
        else if (strncmp(argv[i], "--to=", 5) == 0)
            *to = argv[i] + 5;
        else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
            return 1;
        else
            argv[n++] = argv[i];
    }
    *argc = n;
    return 0;
}

static int run(const aula_config *cfg, mail_test *t)
{
    char why[512];
    aula_mailer_config mc;
    aula_mailer_config_from(&mc, cfg);
    uv_loop_t loop;
    uv_loop_init(&loop);
    int rc = aula_mailer_create(&loop, &mc, &t->mailer, why, sizeof why);
    if (rc != 0) {
        fprintf(stderr, "aula mail-test: %s\n", why);
        uv_loop_close(&loop);
        return 2;
    }
    if (!aula_mailer_enabled(t->mailer)) {
        fprintf(stderr, "aula mail-test: e-mail is off: set smtp_url (for example "
                        "smtp://mail.example.org:587/?starttls) in aula.conf, AULA_SMTP_URL "
                        "or --smtp-url.\n");
        aula_mailer_close(t->mailer, on_closed, NULL);
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
        return 1;
    }
    aula_buf msg;
    aula_buf_init(&msg);
    rc = compose(cfg, t, &msg, why, sizeof why);
    if (rc == 0)
        rc = aula_mailer_send(t->mailer, t->to, msg.data, msg.len, on_done, t);
    aula_buf_deinit(&msg);
    if (rc != 0) {
        fprintf(stderr, "aula mail-test: could not build the message: %s\n",
                rc == AULA_EINVAL ? why : aula_strerror(rc));
        aula_mailer_close(t->mailer, on_closed, NULL);
        t->status = rc;
    }
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_loop_close(&loop);
    return t->status == 0 ? 0 : 1;
}

int aula_mail_test_main(int argc, char **argv, char **envp)
{
    mail_test t = {.status = AULA_EIO};
    if (take_to(&argc, argv, &t.to)) {
        usage(stdout);
        return 0;
    }
    if (!t.to || !aula_mail_addr_valid(t.to)) {
        fprintf(stderr,
                t.to ? "aula mail-test: \"%s\" is not an e-mail address\n\n"
                     : "aula mail-test: say where to send it with --to ADDRESS%s\n\n",
                t.to ? t.to : "");
        usage(stderr);
        return 2;
    }
    aula_config cfg;
    aula_config_init(&cfg);
    char err[512];
    if (aula_config_load(&cfg, argc, argv, envp, err, sizeof err) != 0) {
        fprintf(stderr, "aula mail-test: %s\n", err);
        aula_config_deinit(&cfg);
        return 2;
    }
    aula_log_level = aula_log_level_parse(cfg.log_level);
    int status = run(&cfg, &t);
    aula_config_deinit(&cfg);
    return status;
}
