/* The mailer's policy (which failures are retried, how long it waits), its
 * settings checks, and its queue against a closed loopback port. Real
 * deliveries are in tests/integration/mail.test.mjs. */
#include "event/mailer.h"

#include "core/error.h"

#include <curl/curl.h>
#include <netinet/in.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

static void classifies_failures(void **state)
{
    (void)state;
    assert_true(aula__mailer_transient(CURLE_SEND_ERROR, 451));
    assert_true(aula__mailer_transient(CURLE_WEIRD_SERVER_REPLY, 421));
    assert_false(aula__mailer_transient(CURLE_SEND_ERROR, 550));
    assert_false(aula__mailer_transient(CURLE_LOGIN_DENIED, 535));
    assert_true(aula__mailer_transient(CURLE_COULDNT_CONNECT, 0));
    assert_true(aula__mailer_transient(CURLE_OPERATION_TIMEDOUT, 0));
    assert_false(aula__mailer_transient(CURLE_PEER_FAILED_VERIFICATION, 0));
    assert_false(aula__mailer_transient(CURLE_USE_SSL_FAILED, 0));
}

static void backs_off_exponentially(void **state)
{
    (void)state;
    assert_int_equal(aula__mailer_backoff_ms(5000, 1), 5000);
    assert_int_equal(aula__mailer_backoff_ms(5000, 2), 10000);
    assert_int_equal(aula__mailer_backoff_ms(5000, 4), 40000);
    assert_int_equal(aula__mailer_backoff_ms(5000, 40), 3600 * 1000);
}

static aula_mailer_config config(const char *url)
{
    aula_mailer_config mc = {
        .url = url,
        .from = "aula <aula@localhost>",
        .max_queue = 10,
        .retries = 0,
        .retry_delay_ms = 10,
        .timeout_ms = 5000,
    };
    return mc;
}

static void checks_settings(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    aula_mailer *m = NULL;
    char why[200];
    aula_mailer_config mc = config("http://example.org/");
    assert_int_equal(aula_mailer_create(&loop, &mc, &m, why, sizeof why), AULA_ECONFIG);
    assert_string_equal(why, "smtp_url must start with smtp:// or smtps://, not http://");
    mc = config("smtp://127.0.0.1:25/?starttls&tls=yes");
    assert_int_equal(aula_mailer_create(&loop, &mc, &m, why, sizeof why), AULA_ECONFIG);
    assert_non_null(strstr(why, "unknown option \"tls=yes\""));
    mc = config("smtps://127.0.0.1/?starttls");
    assert_int_equal(aula_mailer_create(&loop, &mc, &m, why, sizeof why), AULA_ECONFIG);
    mc = config("smtp://127.0.0.1");
    mc.from = "aula\r\nBcc: x@y.org";
    assert_int_equal(aula_mailer_create(&loop, &mc, &m, why, sizeof why), AULA_ECONFIG);

    /* Credentials never show in the server name used in messages. */
    mc = config("smtp://user:s3cret@127.0.0.1:2525/?starttls&cainfo=%2Ftmp%2Fca.pem");
    assert_int_equal(aula_mailer_create(&loop, &mc, &m, why, sizeof why), 0);
    assert_true(aula_mailer_enabled(m));
    assert_string_equal(aula_mailer_server(m), "smtp://127.0.0.1:2525");
    aula_mailer_close(m, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);

    /* Off: nothing is sent and the caller is told. */
    mc = config("");
    assert_int_equal(aula_mailer_create(&loop, &mc, &m, why, sizeof why), 0);
    assert_false(aula_mailer_enabled(m));
    assert_int_equal(aula_mailer_send(m, "jan@example.org", "x", 1, NULL, NULL), AULA_ECONFIG);
    aula_mailer_close(m, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* A loopback port nothing listens on: bound, then closed. */
static int closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t len = sizeof a;
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    assert_int_equal(getsockname(fd, (struct sockaddr *)&a, &len), 0);
    close(fd);
    return ntohs(a.sin_port);
}

typedef struct outcome {
    int calls;
    int status;
    char detail[600];
} outcome;

static void on_done(void *ud, int status, const char *detail)
{
    outcome *o = ud;
    o->calls++;
    o->status = status;
    snprintf(o->detail, sizeof o->detail, "%s", detail);
}

static void retries_then_fails_on_a_closed_port(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    char url[64], why[200];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", closed_port());
    aula_mailer_config mc = config(url);
    mc.retries = 2;
    aula_mailer *m = NULL;
    assert_int_equal(aula_mailer_create(&loop, &mc, &m, why, sizeof why), 0);
    outcome o = {0};
    assert_int_equal(
        aula_mailer_send(m, "jan@example.org", "Subject: x\r\n\r\nx\r\n", 16, on_done, &o), 0);
    assert_int_equal(o.calls, 0); /* never from inside send */
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(o.calls, 1);
    assert_int_equal(o.status, AULA_EIO);
    assert_non_null(strstr(o.detail, "could not connect to the SMTP server"));
    aula_mailer_stats st;
    aula_mailer_stats_get(m, &st);
    assert_int_equal(st.retried, 2);
    assert_int_equal(st.failed, 1);
    assert_int_equal(st.sent, 0);
    assert_int_equal(st.queued, 0);
    aula_mailer_close(m, NULL, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void on_closed(void *ud)
{
    *(int *)ud = 1;
}

static void drops_when_full_and_closes_cleanly(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    char url[64], why[200];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", closed_port());
    aula_mailer_config mc = config(url);
    mc.max_queue = 2;
    mc.retries = 5;
    mc.retry_delay_ms = 60000; /* parked waiting for a retry when we close */
    aula_mailer *m = NULL;
    assert_int_equal(aula_mailer_create(&loop, &mc, &m, why, sizeof why), 0);
    outcome o[3] = {{0}};
    assert_int_equal(aula_mailer_send(m, "a@example.org", "x", 1, on_done, &o[0]), 0);
    assert_int_equal(aula_mailer_send(m, "b@example.org", "x", 1, on_done, &o[1]), 0);
    assert_int_equal(aula_mailer_send(m, "c@example.org", "x", 1, on_done, &o[2]), AULA_EAGAIN);
    assert_int_equal(aula_mailer_send(m, "not an address", "x", 1, on_done, &o[2]), AULA_EINVAL);
    aula_mailer_stats st;
    aula_mailer_stats_get(m, &st);
    assert_int_equal(st.dropped, 1);
    assert_int_equal(st.queued, 2);
    /* Let both attempts fail once, then close while they wait. */
    while (st.retried < 2) {
        uv_run(&loop, UV_RUN_ONCE);
        aula_mailer_stats_get(m, &st);
    }
    int closed = 0;
    aula_mailer_close(m, on_closed, &closed);
    uv_run(&loop, UV_RUN_DEFAULT);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(o[i].calls, 1);
        assert_int_equal(o[i].status, AULA_ECLOSED);
    }
    assert_int_equal(o[2].calls, 0);
    assert_int_equal(closed, 1);
    assert_int_equal(uv_loop_close(&loop), 0);
}

typedef struct closer {
    aula_mailer *m;
    int calls, status, closed;
} closer;

static void on_closed_flag(void *ud)
{
    ((closer *)ud)->closed = 1;
}

static void close_in_callback(void *ud, int status, const char *detail)
{
    (void)detail;
    closer *c = ud;
    c->calls++;
    c->status = status;
    aula_mailer_close(c->m, on_closed_flag, c);
}

/* mail-test closes the mailer from the completion callback. */
static void closes_from_its_own_callback(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    char url[64], why[200];
    snprintf(url, sizeof url, "smtp://127.0.0.1:%d", closed_port());
    aula_mailer_config mc = config(url);
    closer c = {0};
    assert_int_equal(aula_mailer_create(&loop, &mc, &c.m, why, sizeof why), 0);
    assert_int_equal(aula_mailer_send(c.m, "jan@example.org", "x", 1, close_in_callback, &c), 0);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(c.calls, 1);
    assert_int_equal(c.status, AULA_EIO);
    assert_int_equal(c.closed, 1);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(classifies_failures),
        cmocka_unit_test(backs_off_exponentially),
        cmocka_unit_test(checks_settings),
        cmocka_unit_test(retries_then_fails_on_a_closed_port),
        cmocka_unit_test(drops_when_full_and_closes_cleanly),
        cmocka_unit_test(closes_from_its_own_callback),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
