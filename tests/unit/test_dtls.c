/* Tests for the DTLS-SRTP server (src/rtc/dtls.c) and the SRTP contexts
 * (src/rtc/srtp.c). The test plays the browser with a real OpenSSL DTLS
 * client of its own and libsrtp2 sessions built from the client's view of
 * the keys; datagrams go between the two through the sans-IO calls, in
 * virtual time, with no sockets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <srtp2/srtp.h>

#include "core/error.h"
#include "rtc/dtls.h"
#include "rtc/dtls_record.h"
#include "rtc/srtp.h"

#include "dtls_test_client.h"

/* ---- pumping between the two -------------------------------------------- */

typedef struct link {
    client *c;
    aula_dtls *d;
    uint64_t now;
    int drop_server_dgrams; /* server datagrams still to drop */
    int server_sent;
} link;

/* Moves the client's queued datagrams to the server. */
static void to_server(link *l)
{
    size_t n = l->c->out_n;
    l->c->out_n = 0;
    uint8_t copy[MAX_DGRAMS][DGRAM_CAP];
    size_t lens[MAX_DGRAMS];
    for (size_t i = 0; i < n; i++) {
        memcpy(copy[i], l->c->out[i], l->c->out_len[i]);
        lens[i] = l->c->out_len[i];
    }
    for (size_t i = 0; i < n; i++)
        aula_dtls_handle_input(l->d, l->now, copy[i], lens[i]);
}

/* Moves the server's queued datagrams to the client; returns how many. */
static int to_client(link *l)
{
    uint8_t buf[DGRAM_CAP];
    size_t len;
    int n = 0;
    while (aula_dtls_poll_transmit(l->d, buf, sizeof buf, &len) == 1) {
        n++;
        l->server_sent++;
        if (l->drop_server_dgrams > 0) {
            l->drop_server_dgrams--;
            continue;
        }
        client_step(l->c, buf, len);
    }
    return n;
}

/* Exchanges datagrams until neither side has anything more to say. */
static void pump(link *l)
{
    for (int round = 0; round < 20; round++) {
        to_server(l);
        if (to_client(l) == 0 && l->c->out_n == 0)
            return;
    }
    fail_msg("handshake did not settle");
}

static void handshake(link *l, aula_dtls_event *ev)
{
    client_step(l->c, NULL, 0); /* ClientHello */
    pump(l);
    assert_true(SSL_is_init_finished(l->c->ssl));
    assert_int_equal(aula_dtls_get_state(l->d), AULA_DTLS_STATE_CONNECTED);
    assert_true(aula_dtls_poll_event(l->d, ev));
    assert_int_equal(ev->type, AULA_DTLS_EVENT_CONNECTED);
    uint64_t at;
    assert_false(aula_dtls_next_timeout(l->d, &at));
    /* AES-GCM suites: OpenSSL's SSL object is gone once connected. */
    assert_false(aula_dtls_holds_ssl(l->d));
}

/* ---- SRTP from the client's side ---------------------------------------- */

static size_t make_rtp(uint8_t *b, uint16_t seq)
{
    b[0] = 0x80;
    b[1] = 96;
    b[2] = (uint8_t)(seq >> 8);
    b[3] = (uint8_t)seq;
    memcpy(b + 4, "\x00\x01\x02\x03\x11\x22\x33\x44", 8);
    for (int i = 0; i < 100; i++)
        b[12 + i] = (uint8_t)(i * 7 + seq);
    return 112;
}

static size_t make_rtcp(uint8_t *b)
{
    /* RR with no report blocks, then a PLI (RFC 4585 section 6.3.1). */
    static const uint8_t rr_pli[] = {0x80, 201,  0x00, 0x01, 0x11, 0x22, 0x33, 0x44, 0x81, 206,
                                     0x00, 0x02, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66, 0x77, 0x88};
    memcpy(b, rr_pli, sizeof rr_pli);
    return sizeof rr_pli;
}

static void check_srtp(link *l, const aula_dtls_event *ev, aula_srtp_profile want)
{
    assert_int_equal(ev->profile, want);
    size_t kl, sl;
    assert_int_equal(aula_srtp_profile_lengths(want, &kl, &sl), 0);
    assert_int_equal(ev->keys.key_len, kl);
    assert_int_equal(ev->keys.salt_len, sl);

    /* The client exports the same material (RFC 5764 section 4.2). */
    uint8_t m[60];
    assert_int_equal(SSL_export_keying_material(l->c->ssl, m, 2 * (kl + sl), "EXTRACTOR-dtls_srtp",
                                                19, NULL, 0, 0),
                     1);
    assert_memory_equal(ev->keys.client_key, m, kl);
    assert_memory_equal(ev->keys.server_key, m + kl, kl);
    assert_memory_equal(ev->keys.client_salt, m + 2 * kl, sl);
    assert_memory_equal(ev->keys.server_salt, m + 2 * kl + sl, sl);

    aula_srtp *s;
    assert_int_equal(aula_srtp_create(want, &ev->keys, AULA_SRTP_ROLE_SERVER, &s), 0);
    assert_int_equal(aula_srtp_get_profile(s), want);
    srtp_t c_in = client_session(want, m + kl, m + 2 * kl + sl, kl, sl, ssrc_any_inbound);
    srtp_t c_out = client_session(want, m, m + 2 * kl, kl, sl, ssrc_any_outbound);
    size_t tag = want == AULA_SRTP_AEAD_AES_128_GCM ? 16 : 10;

    /* Server to client, RTP. */
    uint8_t pkt[112 + AULA_SRTP_MAX_TRAILER], plain[112];
    size_t len = make_rtp(pkt, 1000);
    memcpy(plain, pkt, len);
    assert_int_equal(aula_srtp_protect_rtp(s, pkt, &len, 112 + 100), AULA_ETOOBIG);
    assert_int_equal(aula_srtp_protect_rtp(s, pkt, &len, sizeof pkt), 0);
    assert_int_equal(len, 112 + tag);
    assert_memory_not_equal(pkt + 12, plain + 12, 100);
    int n = (int)len;
    assert_int_equal(srtp_unprotect(c_in, pkt, &n), srtp_err_status_ok);
    assert_int_equal(n, 112);
    assert_memory_equal(pkt, plain, 112);

    /* Client to server, RTP: good, tampered, replayed. */
    len = make_rtp(pkt, 7);
    n = (int)len;
    assert_int_equal(srtp_protect(c_out, pkt, &n), srtp_err_status_ok);
    uint8_t copy[sizeof pkt];
    memcpy(copy, pkt, (size_t)n);
    len = (size_t)n;
    assert_int_equal(aula_srtp_unprotect_rtp(s, pkt, &len), 0);
    assert_int_equal(len, 112);
    make_rtp(plain, 7);
    assert_memory_equal(pkt, plain, 112);
    memcpy(pkt, copy, (size_t)n);
    len = (size_t)n;
    assert_int_equal(aula_srtp_unprotect_rtp(s, pkt, &len), AULA_EPROTO); /* replay */
    len = make_rtp(pkt, 8);
    n = (int)len;
    assert_int_equal(srtp_protect(c_out, pkt, &n), srtp_err_status_ok);
    pkt[20] ^= 0x01;
    len = (size_t)n;
    assert_int_equal(aula_srtp_unprotect_rtp(s, pkt, &len), AULA_EPROTO); /* tampered */
    len = 5;
    assert_int_equal(aula_srtp_unprotect_rtp(s, pkt, &len), AULA_EPROTO); /* runt */

    /* RTCP both ways, and a tampered and a replayed one. */
    len = make_rtcp(pkt);
    assert_int_equal(aula_srtp_protect_rtcp(s, pkt, &len, sizeof pkt), 0);
    assert_int_equal(len, 20 + tag + 4);
    n = (int)len;
    assert_int_equal(srtp_unprotect_rtcp(c_in, pkt, &n), srtp_err_status_ok);
    make_rtcp(plain);
    assert_int_equal(n, 20);
    assert_memory_equal(pkt, plain, 20);
    len = make_rtcp(pkt);
    n = (int)len;
    assert_int_equal(srtp_protect_rtcp(c_out, pkt, &n), srtp_err_status_ok);
    memcpy(copy, pkt, (size_t)n);
    len = (size_t)n;
    assert_int_equal(aula_srtp_unprotect_rtcp(s, pkt, &len), 0);
    assert_int_equal(len, 20);
    assert_memory_equal(pkt, plain, 20);
    memcpy(pkt, copy, (size_t)n);
    len = (size_t)n;
    assert_int_equal(aula_srtp_unprotect_rtcp(s, pkt, &len), AULA_EPROTO);
    len = make_rtcp(pkt);
    n = (int)len;
    assert_int_equal(srtp_protect_rtcp(c_out, pkt, &n), srtp_err_status_ok);
    pkt[10] ^= 0x80;
    len = (size_t)n;
    assert_int_equal(aula_srtp_unprotect_rtcp(s, pkt, &len), AULA_EPROTO);

    /* A NACKed packet is protected again with the same sequence number. */
    len = make_rtp(pkt, 1000);
    assert_int_equal(aula_srtp_protect_rtp(s, pkt, &len, sizeof pkt), 0);

    srtp_dealloc(c_in);
    srtp_dealloc(c_out);
    aula_srtp_destroy(s);
}

/* With AULA_DTLS_CORPUS_DIR set, keeps the client's ClientHello as a seed
 * for fuzz/corpus/dtls/. */
static void save_client_hello(const client *c, const char *name)
{
    const char *dir = getenv("AULA_DTLS_CORPUS_DIR");
    if (!dir)
        return;
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fwrite(c->first_hello, 1, c->first_hello_len, f);
    fclose(f);
}

/* ---- tests -------------------------------------------------------------- */

static aula_dtls_identity *identity;

static int setup(void **state)
{
    (void)state;
    assert_int_equal(aula_srtp_global_init(), 0);
    assert_int_equal(aula_srtp_global_init(), 0); /* idempotent */
    return aula_dtls_identity_create(&identity);
}

static int teardown(void **state)
{
    (void)state;
    aula_dtls_identity_destroy(identity);
    return 0;
}

static void identity_fingerprint(void **state)
{
    (void)state;
    const char *fp = aula_dtls_identity_fingerprint(identity);
    assert_int_equal(strlen(fp), 95);
    for (size_t i = 0; i < 95; i++) {
        if (i % 3 == 2)
            assert_int_equal(fp[i], ':');
        else
            assert_non_null(strchr("0123456789ABCDEF", fp[i]));
    }
    char want[AULA_DTLS_FINGERPRINT_SIZE];
    fingerprint_of((X509 *)aula_dtls_identity_certificate(identity), want);
    assert_string_equal(fp, want);

    /* A second identity has its own key. */
    aula_dtls_identity *other;
    assert_int_equal(aula_dtls_identity_create(&other), 0);
    assert_string_not_equal(aula_dtls_identity_fingerprint(other), fp);
    aula_dtls_identity_destroy(other);
}

static void handshake_gcm(void **state)
{
    (void)state;
    link l = {.c = client_new("SRTP_AEAD_AES_128_GCM:SRTP_AES128_CM_SHA1_80"), .now = 1000};
    l.d = aula_dtls_create(identity, AULA_DTLS_ROLE_SERVER, NULL, l.now);
    assert_int_equal(aula_dtls_expect_fingerprint(l.d, "not a fingerprint"), AULA_EINVAL);
    assert_int_equal(aula_dtls_expect_fingerprint(l.d, l.c->fp), 0);
    aula_dtls_event ev;
    handshake(&l, &ev);
    assert_string_equal(ev.remote_fingerprint, l.c->fp);

    /* The client saw our certificate. */
    char seen[AULA_DTLS_FINGERPRINT_SIZE];
    X509 *server_cert = SSL_get1_peer_certificate(l.c->ssl);
    fingerprint_of(server_cert, seen);
    X509_free(server_cert);
    assert_string_equal(seen, aula_dtls_identity_fingerprint(identity));
    check_srtp(&l, &ev, AULA_SRTP_AEAD_AES_128_GCM);

    /* close_notify from the client. */
    assert_false(aula_dtls_poll_event(l.d, &ev));
    SSL_shutdown(l.c->ssl);
    to_server(&l);
    assert_true(aula_dtls_poll_event(l.d, &ev));
    assert_int_equal(ev.type, AULA_DTLS_EVENT_CLOSED);
    assert_int_equal(aula_dtls_get_state(l.d), AULA_DTLS_STATE_CLOSED);
    uint8_t junk[20] = {23, 0xfe, 0xfd};
    assert_int_equal(aula_dtls_handle_input(l.d, l.now, junk, sizeof junk), AULA_ECLOSED);

    save_client_hello(l.c, "client_hello_gcm");
    aula_dtls_destroy(l.d);
    client_free(l.c);
}

static void handshake_cm80(void **state)
{
    (void)state;
    link l = {.c = client_new("SRTP_AES128_CM_SHA1_80"), .now = 5};
    l.d = aula_dtls_create(identity, AULA_DTLS_ROLE_SERVER, NULL, l.now);
    aula_dtls_event ev;
    handshake(&l, &ev);
    check_srtp(&l, &ev, AULA_SRTP_AES128_CM_SHA1_80);
    save_client_hello(l.c, "client_hello_cm80");

    /* Our close_notify reaches the client. */
    aula_dtls_close(l.d);
    assert_int_equal(to_client(&l), 1);
    assert_int_equal(SSL_get_shutdown(l.c->ssl) & SSL_RECEIVED_SHUTDOWN, SSL_RECEIVED_SHUTDOWN);
    aula_dtls_destroy(l.d);
    client_free(l.c);
}

static void retransmits_lost_flight(void **state)
{
    (void)state;
    link l = {.c = client_new("SRTP_AEAD_AES_128_GCM"), .now = 50000};
    aula_dtls_options o = {.retransmit_initial_ms = 400};
    l.d = aula_dtls_create(identity, AULA_DTLS_ROLE_SERVER, &o, l.now);
    client_step(l.c, NULL, 0);
    to_server(&l);

    /* The whole first flight (ServerHello .. ServerHelloDone) is lost. */
    l.drop_server_dgrams = 100;
    int first = to_client(&l);
    assert_true(first >= 1);
    l.drop_server_dgrams = 0;
    uint64_t at;
    assert_true(aula_dtls_next_timeout(l.d, &at));
    assert_int_equal(at, 50400);

    /* Not yet. */
    assert_int_equal(aula_dtls_handle_timeout(l.d, at - 1), 0);
    assert_int_equal(to_client(&l), 0);

    l.now = at;
    assert_int_equal(aula_dtls_handle_timeout(l.d, l.now), 0);
    assert_true(aula_dtls_next_timeout(l.d, &at));
    assert_int_equal(at, 50400 + 800); /* doubled */
    assert_int_equal(to_client(&l), first);
    pump(&l);
    assert_true(SSL_is_init_finished(l.c->ssl));
    aula_dtls_event ev;
    assert_true(aula_dtls_poll_event(l.d, &ev));
    assert_int_equal(ev.type, AULA_DTLS_EVENT_CONNECTED);
    check_srtp(&l, &ev, AULA_SRTP_AEAD_AES_128_GCM);
    assert_false(aula_dtls_next_timeout(l.d, &at));
    aula_dtls_destroy(l.d);
    client_free(l.c);
}

/* The server's last flight (ChangeCipherSpec, Finished) is lost after the
 * server freed its SSL object: the client retransmits its own last flight,
 * and the server answers with a copy of its own, at most every 100 ms. */
static void resends_final_flight(void **state)
{
    (void)state;
    link l = {.c = client_new("SRTP_AEAD_AES_128_GCM"), .now = 7000};
    l.d = aula_dtls_create(identity, AULA_DTLS_ROLE_SERVER, NULL, l.now);
    client_step(l.c, NULL, 0);
    uint8_t last[MAX_DGRAMS][DGRAM_CAP];
    size_t last_len[MAX_DGRAMS], last_n = 0;
    for (int round = 0; round < 10 && aula_dtls_get_state(l.d) == AULA_DTLS_STATE_HANDSHAKING;
         round++) {
        last_n = l.c->out_n;
        for (size_t i = 0; i < last_n; i++) {
            memcpy(last[i], l.c->out[i], l.c->out_len[i]);
            last_len[i] = l.c->out_len[i];
        }
        to_server(&l);
        if (aula_dtls_get_state(l.d) != AULA_DTLS_STATE_HANDSHAKING)
            l.drop_server_dgrams = 100; /* the final flight is lost */
        to_client(&l);
    }
    assert_int_equal(aula_dtls_get_state(l.d), AULA_DTLS_STATE_CONNECTED);
    assert_false(aula_dtls_holds_ssl(l.d));
    assert_false(SSL_is_init_finished(l.c->ssl));
    l.drop_server_dgrams = 0;

    /* The client's retransmission (what its timer would send). */
    for (size_t i = 0; i < last_n; i++)
        assert_int_equal(aula_dtls_handle_input(l.d, l.now, last[i], last_len[i]), 0);
    assert_true(to_client(&l) >= 1);
    assert_true(SSL_is_init_finished(l.c->ssl));

    /* Rate-limited: not again within 100 ms, then again. */
    aula_dtls_handle_input(l.d, l.now + 99, last[0], last_len[0]);
    assert_int_equal(to_client(&l), 0);
    aula_dtls_handle_input(l.d, l.now + 100, last[0], last_len[0]);
    assert_true(to_client(&l) >= 1);

    /* The client still talks to us: its close_notify is understood. */
    aula_dtls_event ev;
    assert_true(aula_dtls_poll_event(l.d, &ev));
    assert_int_equal(ev.type, AULA_DTLS_EVENT_CONNECTED);
    SSL_shutdown(l.c->ssl);
    to_server(&l);
    assert_true(aula_dtls_poll_event(l.d, &ev));
    assert_int_equal(ev.type, AULA_DTLS_EVENT_CLOSED);
    /* Our answering close_notify reaches the client. */
    assert_int_equal(to_client(&l), 1);
    assert_int_equal(SSL_get_shutdown(l.c->ssl) & SSL_RECEIVED_SHUTDOWN, SSL_RECEIVED_SHUTDOWN);
    aula_dtls_destroy(l.d);
    client_free(l.c);
}

/* A fatal alert after the handshake fails the connection; a tampered
 * alert is dropped. */
static void fatal_alert_after_handshake(void **state)
{
    (void)state;
    link l = {.c = client_new("SRTP_AEAD_AES_128_GCM"), .now = 1};
    l.d = aula_dtls_create(identity, AULA_DTLS_ROLE_SERVER, NULL, l.now);
    aula_dtls_event ev;
    handshake(&l, &ev);
    /* The client's own view of the keys, through the record module. */
    aula__dtls_rec rec;
    assert_int_equal(aula__dtls_rec_from_ssl(&rec, l.c->ssl, false), 0);
    rec.write_seq = 100;
    uint8_t out[64];
    size_t len;
    const uint8_t alert[2] = {2, 40 /* handshake_failure */};
    assert_int_equal(
        aula__dtls_rec_seal(&rec, AULA_DTLS_REC_CT_ALERT, alert, 2, out, sizeof out, &len), 0);
    out[len - 1] ^= 1;
    assert_int_equal(aula_dtls_handle_input(l.d, l.now, out, len), 0);
    assert_int_equal(aula_dtls_get_state(l.d), AULA_DTLS_STATE_CONNECTED);
    out[len - 1] ^= 1;
    assert_int_equal(aula_dtls_handle_input(l.d, l.now, out, len), AULA_EPROTO);
    assert_true(aula_dtls_poll_event(l.d, &ev));
    assert_int_equal(ev.type, AULA_DTLS_EVENT_FAILED);
    assert_non_null(strstr(ev.reason, "handshake failure"));
    aula__dtls_rec_wipe(&rec);
    aula_dtls_destroy(l.d);
    client_free(l.c);
}

static void garbage_is_ignored(void **state)
{
    (void)state;
    link l = {.c = client_new("SRTP_AEAD_AES_128_GCM"), .now = 0};
    l.d = aula_dtls_create(identity, AULA_DTLS_ROLE_SERVER, NULL, l.now);
    uint8_t junk[300];
    srand(7);
    for (int i = 0; i < 200; i++) {
        size_t n = (size_t)(rand() % (int)sizeof junk);
        for (size_t k = 0; k < n; k++)
            junk[k] = (uint8_t)rand();
        if (n > 0 && i % 2)
            junk[0] = (uint8_t)(20 + i % 4); /* a DTLS content type */
        if (n > 2 && i % 4 == 1) {
            junk[1] = 0xfe;
            junk[2] = 0xfd;
        }
        int r = aula_dtls_handle_input(l.d, l.now, junk, n);
        assert_true(r == 0 || r == AULA_EPROTO);
    }
    /* DTLS discards records it cannot parse, so the handshake still works. */
    assert_int_equal(aula_dtls_get_state(l.d), AULA_DTLS_STATE_HANDSHAKING);
    uint8_t buf[DGRAM_CAP];
    size_t len;
    while (aula_dtls_poll_transmit(l.d, buf, sizeof buf, &len) == 1)
        ;
    aula_dtls_event ev;
    handshake(&l, &ev);
    aula_dtls_destroy(l.d);
    client_free(l.c);
}

static void handshake_timeout(void **state)
{
    (void)state;
    aula_dtls_options o = {.handshake_timeout_ms = 5000};
    aula_dtls *d = aula_dtls_create(identity, AULA_DTLS_ROLE_SERVER, &o, 100);
    uint64_t at;
    assert_true(aula_dtls_next_timeout(d, &at));
    assert_int_equal(at, 5100);
    assert_int_equal(aula_dtls_handle_timeout(d, 5099), 0);
    assert_int_equal(aula_dtls_handle_timeout(d, 5100), AULA_ETIMEDOUT);
    aula_dtls_event ev;
    assert_true(aula_dtls_poll_event(d, &ev));
    assert_int_equal(ev.type, AULA_DTLS_EVENT_FAILED);
    assert_non_null(strstr(ev.reason, "timed out"));
    assert_false(aula_dtls_next_timeout(d, &at));
    assert_false(aula_dtls_poll_event(d, &ev));
    aula_dtls_destroy(d);
}

/* Runs a handshake that the server must refuse; returns its reason. */
static void expect_failure(client *c, const char *expect_fp, const char *reason_part)
{
    link l = {.c = c, .now = 0};
    l.d = aula_dtls_create(identity, AULA_DTLS_ROLE_SERVER, NULL, l.now);
    if (expect_fp)
        assert_int_equal(aula_dtls_expect_fingerprint(l.d, expect_fp), 0);
    client_step(c, NULL, 0);
    for (int i = 0; i < 5; i++) {
        to_server(&l);
        to_client(&l);
    }
    assert_int_equal(aula_dtls_get_state(l.d), AULA_DTLS_STATE_FAILED);
    aula_dtls_event ev;
    assert_true(aula_dtls_poll_event(l.d, &ev));
    assert_int_equal(ev.type, AULA_DTLS_EVENT_FAILED);
    assert_non_null(strstr(ev.reason, reason_part));
    aula_dtls_destroy(l.d);
    client_free(c);
}

static void refuses_bad_peers(void **state)
{
    (void)state;
    expect_failure(client_new("SRTP_AEAD_AES_128_GCM"),
                   "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF:"
                   "00:11:22:33:44:55:66:77:88:99:AA:BB:CC:DD:EE:FF",
                   "fingerprint");
    expect_failure(client_new(NULL), NULL, "SRTP");
    /* Only a profile we do not support. */
    expect_failure(client_new("SRTP_AES128_CM_SHA1_32"), NULL, "SRTP");
}

static void srtp_rejects_bad_arguments(void **state)
{
    (void)state;
    aula_srtp_keys k = {.key_len = 16, .salt_len = 14};
    aula_srtp *s;
    assert_int_equal(aula_srtp_create(AULA_SRTP_AEAD_AES_128_GCM, &k, AULA_SRTP_ROLE_SERVER, &s),
                     AULA_EINVAL);
    assert_null(s);
    assert_int_equal(aula_srtp_create((aula_srtp_profile)2, &k, AULA_SRTP_ROLE_SERVER, &s),
                     AULA_EINVAL);
    assert_int_equal(aula_srtp_create(AULA_SRTP_AES128_CM_SHA1_80, &k, AULA_SRTP_ROLE_CLIENT, &s),
                     0);
    uint8_t pkt[8 + AULA_SRTP_MAX_TRAILER] = {0x80};
    size_t len = 8;
    assert_int_equal(aula_srtp_protect_rtp(s, pkt, &len, sizeof pkt), AULA_EINVAL);
    assert_string_equal(aula_srtp_profile_name(AULA_SRTP_AES128_CM_SHA1_80),
                        "AES_CM_128_HMAC_SHA1_80");
    aula_srtp_destroy(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(identity_fingerprint), cmocka_unit_test(handshake_gcm),
        cmocka_unit_test(handshake_cm80),       cmocka_unit_test(retransmits_lost_flight),
        cmocka_unit_test(resends_final_flight), cmocka_unit_test(fatal_alert_after_handshake),
        cmocka_unit_test(garbage_is_ignored),   cmocka_unit_test(handshake_timeout),
        cmocka_unit_test(refuses_bad_peers),    cmocka_unit_test(srtp_rejects_bad_arguments),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
