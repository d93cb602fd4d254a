/* Tests for the OpenSSL AEAD_AES_128_GCM sender (src/rtc/srtp_gcm.c):
 * every packet it protects must be byte for byte what libsrtp2 makes of
 * it with the same master key, across a sequence number wrap, with CSRCs
 * and header extensions, for several SSRCs and with retransmissions of
 * older packets; and libsrtp2 must unprotect it. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <srtp2/srtp.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "rtc/srtp.h"
#include "rtc/srtp_gcm.h"

#define CAP (1500 + AULA_SRTP_MAX_TRAILER)

static uint8_t master[28];

static srtp_t libsrtp_session(srtp_ssrc_type_t type)
{
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
    p.ssrc.type = type;
    p.key = master;
    p.window_size = 1024;
    p.allow_repeat_tx = type == ssrc_any_outbound;
    srtp_t s;
    assert_int_equal(srtp_create(&s, &p), srtp_err_status_ok);
    return s;
}

/* An RTP packet: seq, ssrc, with CSRCs and a one-byte-header extension
 * on some, payload bytes from the seed. */
static size_t make_packet(uint8_t *p, uint16_t seq, uint32_t ssrc, unsigned seed)
{
    size_t cc = seed % 3 == 0 ? 2 : 0;
    bool ext = seed % 2 == 0;
    p[0] = (uint8_t)(0x80 | (ext ? 0x10 : 0) | cc);
    p[1] = 96;
    p[2] = (uint8_t)(seq >> 8);
    p[3] = (uint8_t)seq;
    memset(p + 4, (int)seed, 4);
    p[8] = (uint8_t)(ssrc >> 24);
    p[9] = (uint8_t)(ssrc >> 16);
    p[10] = (uint8_t)(ssrc >> 8);
    p[11] = (uint8_t)ssrc;
    size_t n = 12;
    for (size_t i = 0; i < cc * 4; i++)
        p[n++] = (uint8_t)(i + 1);
    if (ext) {
        static const uint8_t e[] = {0xBE, 0xDE, 0x00, 0x01, 0x10, 0xAB, 0x00, 0x00};
        memcpy(p + n, e, sizeof e);
        n += sizeof e;
    }
    size_t payload = 1 + seed * 37 % 1150;
    for (size_t i = 0; i < payload; i++)
        p[n++] = (uint8_t)(seed + i);
    return n;
}

static void matches_libsrtp(void **state)
{
    (void)state;
    assert_int_equal(aula_srtp_global_init(), 0);
    for (size_t i = 0; i < sizeof master; i++)
        master[i] = (uint8_t)(i * 29 + 3);
    srtp_t ref = libsrtp_session(ssrc_any_outbound);
    srtp_t rx = libsrtp_session(ssrc_any_inbound);
    aula__srtp_gcm_tx *g;
    assert_int_equal(aula__srtp_gcm_tx_create(master, master + 16, &g), 0);

    static const uint32_t ssrcs[] = {0x11111111, 0x22222222, 0xdeadbeef};
    uint16_t seq[3] = {65000, 100, 40000};
    uint8_t a[CAP], b[CAP];
    for (unsigned k = 0; k < 6000; k++) {
        unsigned which = k % 3;
        uint16_t s = seq[which]++;
        /* Every 10th packet, a retransmission of one sent 20 before. */
        if (k % 10 == 9 && k > 60)
            s = (uint16_t)(s - 20);
        size_t n = make_packet(a, s, ssrcs[which], k);
        memcpy(b, a, n);
        int rn = (int)n;
        assert_int_equal(srtp_protect(ref, a, &rn), srtp_err_status_ok);
        size_t bn = n;
        assert_int_equal(aula__srtp_gcm_tx_protect(g, b, &bn), 0);
        assert_int_equal(bn, (size_t)rn);
        assert_memory_equal(a, b, bn);
        /* A receiver takes the first copy of each packet. */
        if (k % 10 != 9) {
            int un = (int)bn;
            assert_int_equal(srtp_unprotect(rx, b, &un), srtp_err_status_ok);
            assert_int_equal(un, (int)n);
        }
    }
    aula__srtp_gcm_tx_destroy(g);
    srtp_dealloc(ref);
    srtp_dealloc(rx);
}

static void through_aula_srtp(void **state)
{
    (void)state;
    /* aula_srtp with GCM takes the fast path; its peer unprotects. */
    aula_srtp_keys k = {.key_len = 16, .salt_len = 12};
    for (size_t i = 0; i < 16; i++)
        k.server_key[i] = k.client_key[i] = (uint8_t)(i + 1);
    aula_srtp *srv, *cli;
    assert_int_equal(aula_srtp_create(AULA_SRTP_AEAD_AES_128_GCM, &k, AULA_SRTP_ROLE_SERVER, &srv),
                     0);
    assert_int_equal(aula_srtp_create(AULA_SRTP_AEAD_AES_128_GCM, &k, AULA_SRTP_ROLE_CLIENT, &cli),
                     0);
    uint8_t p[CAP];
    for (unsigned i = 0; i < 100; i++) {
        size_t n = make_packet(p, (uint16_t)(65500 + i), 7, i), len = n;
        assert_int_equal(aula_srtp_protect_rtp(srv, p, &len, sizeof p), 0);
        assert_int_equal(len, n + 16);
        assert_int_equal(aula_srtp_unprotect_rtp(cli, p, &len), 0);
        assert_int_equal(len, n);
    }
    size_t len = 11;
    assert_int_equal(aula_srtp_protect_rtp(srv, p, &len, sizeof p), AULA_EINVAL);
    /* An extension header running past the packet. */
    p[0] = 0x90;
    p[14] = 0xff;
    len = 16;
    assert_int_equal(aula_srtp_protect_rtp(srv, p, &len, sizeof p), AULA_EINVAL);
    aula_srtp_destroy(srv);
    aula_srtp_destroy(cli);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_libsrtp),
        cmocka_unit_test(through_aula_srtp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
