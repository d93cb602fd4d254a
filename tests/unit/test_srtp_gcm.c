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

static size_t make_rtcp(uint8_t *p, uint32_t ssrc, unsigned seed)
{
    /* An RR with one report block, padded with a little more. */
    size_t words = 7 + seed % 4;
    p[0] = 0x81;
    p[1] = 201;
    p[2] = 0;
    p[3] = (uint8_t)(words - 1);
    p[4] = (uint8_t)(ssrc >> 24);
    p[5] = (uint8_t)(ssrc >> 16);
    p[6] = (uint8_t)(ssrc >> 8);
    p[7] = (uint8_t)ssrc;
    for (size_t i = 8; i < 4 * words; i++)
        p[i] = (uint8_t)(seed * 13 + i);
    return 4 * words;
}

/* SRTCP from us: byte for byte libsrtp2's, per-SSRC indexes included. */
static void rtcp_matches_libsrtp(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof master; i++)
        master[i] = (uint8_t)(i * 31 + 7);
    srtp_t ref = libsrtp_session(ssrc_any_outbound);
    aula__srtp_gcm_tx *g;
    assert_int_equal(aula__srtp_gcm_tx_create(master, master + 16, &g), 0);
    static const uint32_t ssrcs[] = {0x01020304, 0xcafebabe};
    uint8_t a[CAP], b[CAP];
    for (unsigned k = 0; k < 500; k++) {
        size_t n = make_rtcp(a, ssrcs[k % 5 == 0], k);
        memcpy(b, a, n);
        int rn = (int)n;
        assert_int_equal(srtp_protect_rtcp(ref, a, &rn), srtp_err_status_ok);
        size_t bn = n;
        assert_int_equal(aula__srtp_gcm_tx_protect_rtcp(g, b, &bn), 0);
        assert_int_equal(bn, (size_t)rn);
        assert_memory_equal(a, b, bn);
    }
    aula__srtp_gcm_tx_destroy(g);
    srtp_dealloc(ref);
}

/* What libsrtp2 protects, the OpenSSL receiver and a libsrtp2 receiver
 * accept and refuse alike, packet for packet: reordering, duplicates,
 * packets older than the window, sequence number wraps, new SSRCs,
 * tampering. */
static void receiver_matches_libsrtp(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof master; i++)
        master[i] = (uint8_t)(i * 17 + 5);
    srtp_t tx = libsrtp_session(ssrc_any_outbound);
    srtp_t ref = libsrtp_session(ssrc_any_inbound);
    aula__srtp_gcm_rx *g;
    assert_int_equal(aula__srtp_gcm_rx_create(master, master + 16, &g), 0);

    enum { HIST = 2048 };
    static uint8_t sent[HIST][CAP];
    static size_t sent_len[HIST];
    static bool sent_rtcp[HIST];
    static const uint32_t ssrcs[] = {0x11111111, 0x22222222, 0x33333333};
    uint16_t seq[3] = {65400, 0, 30000};
    srand(11);
    unsigned accepted = 0, refused = 0;
    for (unsigned k = 0; k < 12000; k++) {
        unsigned which = k % 3;
        /* The third SSRC only shows up later, first with RTCP. */
        if (which == 2 && k < 3000)
            which = k % 2;
        uint8_t *p = sent[k % HIST];
        bool rtcp = k % 7 == 3;
        size_t n;
        int rn;
        if (rtcp) {
            n = make_rtcp(p, ssrcs[which], k);
            rn = (int)n;
            assert_int_equal(srtp_protect_rtcp(tx, p, &rn), srtp_err_status_ok);
        } else {
            /* Sometimes a jump ahead, past the 1,024-packet window. */
            if (k % 997 == 500)
                seq[which] = (uint16_t)(seq[which] + 1500);
            n = make_packet(p, seq[which]++, ssrcs[which], k);
            rn = (int)n;
            assert_int_equal(srtp_protect(tx, p, &rn), srtp_err_status_ok);
        }
        sent_len[k % HIST] = (size_t)rn;
        sent_rtcp[k % HIST] = rtcp;

        /* Deliver this one, mostly, and sometimes an older one again (a
         * duplicate, or one the network held back), or a tampered copy. */
        unsigned pick = k;
        int r = rand() % 10;
        if (r == 0)
            continue; /* lost, for now */
        if (r == 1 && k > 0)
            pick = k - 1 - (unsigned)rand() % (k < HIST - 1 ? k : HIST - 1);
        uint8_t x[CAP], y[CAP];
        size_t len = sent_len[pick % HIST];
        memcpy(x, sent[pick % HIST], len);
        if (r == 2)
            x[len / 2] ^= 0x40;
        memcpy(y, x, len);
        int yn = (int)len;
        size_t xn = len;
        srtp_err_status_t want;
        int got;
        if (sent_rtcp[pick % HIST]) {
            want = srtp_unprotect_rtcp(ref, y, &yn);
            got = aula__srtp_gcm_rx_unprotect_rtcp(g, x, &xn);
        } else {
            want = srtp_unprotect(ref, y, &yn);
            got = aula__srtp_gcm_rx_unprotect(g, x, &xn);
        }
        assert_int_equal(got == 0, want == srtp_err_status_ok);
        if (got == 0) {
            assert_int_equal(xn, (size_t)yn);
            assert_memory_equal(x, y, xn);
            accepted++;
        } else {
            refused++;
        }
    }
    /* Both kinds of outcome were exercised. */
    assert_true(accepted > 8000);
    assert_true(refused > 1500);

    /* Short and malformed packets. */
    uint8_t z[64] = {0x80};
    size_t zn = 27;
    assert_int_equal(aula__srtp_gcm_rx_unprotect_rtcp(g, z, &zn), AULA_EPROTO);
    zn = 12 + 15;
    assert_int_equal(aula__srtp_gcm_rx_unprotect(g, z, &zn), AULA_EPROTO);
    aula__srtp_gcm_rx_destroy(g);
    srtp_dealloc(tx);
    srtp_dealloc(ref);
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
        /* And SRTCP the other way. */
        n = make_rtcp(p, 9, i);
        len = n;
        assert_int_equal(aula_srtp_protect_rtcp(cli, p, &len, sizeof p), 0);
        assert_int_equal(len, n + 20);
        assert_int_equal(aula_srtp_unprotect_rtcp(srv, p, &len), 0);
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

/* SRTCP with the E flag clear (RFC 7714 section 9.3: authenticated, not
 * encrypted), as libsrtp2 sends it with an auth-only RTCP policy, is
 * accepted and left as it was; tampered, it is refused. (The fuzzer found
 * the unencrypted path computing NULL + 0, undefined behaviour.) */
static void rx_unencrypted_srtcp(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof master; i++)
        master[i] = (uint8_t)(i * 11 + 1);
    srtp_policy_t p;
    memset(&p, 0, sizeof p);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtp);
    srtp_crypto_policy_set_aes_gcm_128_16_auth(&p.rtcp);
    p.rtcp.sec_serv = sec_serv_auth;
    p.ssrc.type = ssrc_any_outbound;
    p.key = master;
    p.window_size = 1024;
    srtp_t tx;
    assert_int_equal(srtp_create(&tx, &p), srtp_err_status_ok);
    aula__srtp_gcm_rx *g;
    assert_int_equal(aula__srtp_gcm_rx_create(master, master + 16, &g), 0);
    for (unsigned k = 0; k < 3; k++) {
        uint8_t a[CAP], b[CAP];
        size_t n = make_rtcp(a, 0x0badf00d, k);
        memcpy(b, a, n);
        int an = (int)n;
        assert_int_equal(srtp_protect_rtcp(tx, a, &an), srtp_err_status_ok);
        assert_int_equal(an, (int)n + 20);
        assert_int_equal(a[an - 4] & 0x80, 0); /* E flag clear */
        assert_memory_equal(a, b, n);          /* sent in the clear */
        size_t len = (size_t)an;
        a[10] ^= 1;
        assert_int_equal(aula__srtp_gcm_rx_unprotect_rtcp(g, a, &len), AULA_EPROTO);
        a[10] ^= 1;
        assert_int_equal(aula__srtp_gcm_rx_unprotect_rtcp(g, a, &len), 0);
        assert_int_equal(len, n);
        assert_memory_equal(a, b, n);
    }
    aula__srtp_gcm_rx_destroy(g);
    srtp_dealloc(tx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(matches_libsrtp),          cmocka_unit_test(rtcp_matches_libsrtp),
        cmocka_unit_test(receiver_matches_libsrtp), cmocka_unit_test(through_aula_srtp),
        cmocka_unit_test(rx_unencrypted_srtcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
