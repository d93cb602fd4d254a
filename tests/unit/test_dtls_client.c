/* Tests for the client role of src/rtc/dtls.c: two aula_dtls endpoints, a
 * client and a server with identities of their own, handshake through the
 * sans-IO calls in virtual time, then exchange SRTP both ways with the
 * exported keys. The load generator in bench/ plays this client role. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <string.h>

#include "core/error.h"
#include "rtc/dtls.h"
#include "rtc/srtp.h"

/* Moves every queued datagram from one endpoint to the other; returns how
 * many moved. drop > 0 drops that many instead of delivering them. */
static int pump(aula_dtls *from, aula_dtls *to, uint64_t now, int *drop)
{
    uint8_t buf[2048];
    size_t len;
    int n = 0;
    while (aula_dtls_poll_transmit(from, buf, sizeof buf, &len) == 1) {
        n++;
        if (drop && *drop > 0) {
            (*drop)--;
            continue;
        }
        aula_dtls_handle_input(to, now, buf, len);
    }
    return n;
}

static void handshake(aula_dtls *cli, aula_dtls *srv, uint64_t *now, int drop_first)
{
    int drop = drop_first;
    for (int round = 0; round < 20; round++) {
        int moved = pump(cli, srv, *now, &drop) + pump(srv, cli, *now, NULL);
        if (aula_dtls_get_state(cli) == AULA_DTLS_STATE_CONNECTED &&
            aula_dtls_get_state(srv) == AULA_DTLS_STATE_CONNECTED)
            return;
        if (moved == 0) {
            uint64_t at;
            assert_true(aula_dtls_next_timeout(cli, &at));
            *now = at;
            aula_dtls_handle_timeout(cli, *now);
        }
    }
    fail_msg("handshake did not finish");
}

static void client_and_server_agree(void **state)
{
    (void)state;
    aula_dtls_identity *ci, *si;
    assert_int_equal(aula_dtls_identity_create(&ci), 0);
    assert_int_equal(aula_dtls_identity_create(&si), 0);
    uint64_t now = 1000;
    aula_dtls *srv = aula_dtls_create(si, AULA_DTLS_ROLE_SERVER, NULL, now);
    aula_dtls *cli = aula_dtls_create(ci, AULA_DTLS_ROLE_CLIENT, NULL, now);
    assert_int_equal(aula_dtls_expect_fingerprint(cli, aula_dtls_identity_fingerprint(si)), 0);
    assert_int_equal(aula_dtls_expect_fingerprint(srv, aula_dtls_identity_fingerprint(ci)), 0);
    /* The ClientHello is lost once: the client's timer sends it again. */
    handshake(cli, srv, &now, 1);
    assert_true(now > 1000);

    aula_dtls_event ce, se;
    assert_true(aula_dtls_poll_event(cli, &ce));
    assert_true(aula_dtls_poll_event(srv, &se));
    assert_int_equal(ce.type, AULA_DTLS_EVENT_CONNECTED);
    assert_int_equal(se.type, AULA_DTLS_EVENT_CONNECTED);
    assert_int_equal(ce.profile, AULA_SRTP_AEAD_AES_128_GCM);
    assert_string_equal(ce.remote_fingerprint, aula_dtls_identity_fingerprint(si));
    assert_memory_equal(&ce.keys, &se.keys, sizeof ce.keys);

    aula_srtp *cs, *ss;
    assert_int_equal(aula_srtp_create(ce.profile, &ce.keys, AULA_SRTP_ROLE_CLIENT, &cs), 0);
    assert_int_equal(aula_srtp_create(se.profile, &se.keys, AULA_SRTP_ROLE_SERVER, &ss), 0);
    uint8_t pkt[200 + AULA_SRTP_MAX_TRAILER] = {0x80, 96, 0, 1, 0, 0, 0, 9, 0, 0, 0, 7};
    memset(pkt + 12, 0xab, 188);
    size_t len = 200;
    assert_int_equal(aula_srtp_protect_rtp(cs, pkt, &len, sizeof pkt), 0);
    assert_int_equal(len, 216);
    assert_int_equal(aula_srtp_unprotect_rtp(ss, pkt, &len), 0);
    assert_int_equal(len, 200);
    len = 200;
    assert_int_equal(aula_srtp_protect_rtp(ss, pkt, &len, sizeof pkt), 0);
    assert_int_equal(aula_srtp_unprotect_rtp(cs, pkt, &len), 0);
    assert_int_equal(pkt[12], 0xab);

    aula_srtp_destroy(cs);
    aula_srtp_destroy(ss);
    aula_dtls_destroy(cli);
    aula_dtls_destroy(srv);
    aula_dtls_identity_destroy(ci);
    aula_dtls_identity_destroy(si);
}

static void client_refuses_wrong_fingerprint(void **state)
{
    (void)state;
    aula_dtls_identity *ci, *si;
    assert_int_equal(aula_dtls_identity_create(&ci), 0);
    assert_int_equal(aula_dtls_identity_create(&si), 0);
    aula_dtls *srv = aula_dtls_create(si, AULA_DTLS_ROLE_SERVER, NULL, 0);
    aula_dtls *cli = aula_dtls_create(ci, AULA_DTLS_ROLE_CLIENT, NULL, 0);
    /* The client expects its own fingerprint: the server's must fail it. */
    assert_int_equal(aula_dtls_expect_fingerprint(cli, aula_dtls_identity_fingerprint(ci)), 0);
    for (int i = 0; i < 6; i++) {
        pump(cli, srv, 0, NULL);
        pump(srv, cli, 0, NULL);
    }
    assert_int_equal(aula_dtls_get_state(cli), AULA_DTLS_STATE_FAILED);
    aula_dtls_event ev;
    assert_true(aula_dtls_poll_event(cli, &ev));
    assert_int_equal(ev.type, AULA_DTLS_EVENT_FAILED);
    assert_non_null(strstr(ev.reason, "fingerprint"));
    aula_dtls_destroy(cli);
    aula_dtls_destroy(srv);
    aula_dtls_identity_destroy(ci);
    aula_dtls_identity_destroy(si);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(client_and_server_agree),
        cmocka_unit_test(client_refuses_wrong_fingerprint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
