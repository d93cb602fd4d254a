/* Tests for the worker's media engine (src/sfu/engine.c with transport.c
 * and router.c). The test plays two browsers, a publisher and a viewer,
 * each with STUN Binding requests, a real OpenSSL DTLS client and libsrtp2
 * sessions from the client's exported keys, all in memory through the
 * engine's sans-IO calls, in virtual time, with no sockets (the peers are
 * in media_test_peer.h). The DTLS client (dtls_test_client.h) is copied
 * from tests/unit/test_dtls.c. Loss repair (NACK, RTX, receiver reports)
 * is tested in test_retransmit.c. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <arpa/inet.h>
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
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/srtp.h"
#include "rtc/stun.h"
#include "sfu/engine.h"

#include "dtls_test_client.h"
#include "media_test_peer.h"

static void expect_report(uint64_t tid, aula_media_transport_state st, const char *reason)
{
    for (size_t i = 0; i < reports_n; i++) {
        const aula_media_msg *m = &reports[i];
        if (m->type == AULA_MEDIA_TRANSPORT_STATE && m->u.transport_report.transport_id == tid &&
            m->u.transport_report.state == st) {
            if (reason)
                assert_string_equal(m->u.transport_report.reason, reason);
            return;
        }
    }
    fail_msg("no state %d report for transport %llu", (int)st, (unsigned long long)tid);
}

/* ---- tests ---------------------------------------------------------------- */

static void publish_and_view(void **state)
{
    (void)state;
    reset();
    aula_media_engine *e = aula_media_engine_create(identity, &engine_cb, NULL);
    aula_media_engine_set_timeouts(e, 5000, 10000);
    peer pub, view;
    peer_init(&pub, 1, 40001, "pubufrag");
    peer_init(&view, 2, 40002, "viewufrag");
    peer_connect(e, &pub, AULA_MEDIA_PUBLISH);
    peer_connect(e, &view, AULA_MEDIA_RECEIVE);
    expect_report(1, AULA_MEDIA_TS_CONNECTED, NULL);
    expect_report(2, AULA_MEDIA_TS_CONNECTED, NULL);
    assert_int_equal(aula_media_engine_transport_count(e), 2);
    assert_int_equal(net_n, 0);

    add_video_pair(e);
    /* A new viewer needs a keyframe: the publisher is asked at once. */
    expect_pli(&pub, 1111);
    uint64_t pli_at = now;

    /* Forwarding with SSRC, payload type and sequence numbers rewritten. */
    uint8_t pkt[DGRAM_CAP];
    for (uint16_t s = 500; s < 505; s++) {
        size_t len = make_rtp(pkt, 1111, s);
        assert_int_equal(peer_send(e, &pub, pkt, len, false), AULA_DROP_NONE);
    }
    for (uint16_t s = 500; s < 505; s++)
        expect_forwarded(&view, s, s);
    assert_int_equal(net_n, 0);

    /* Unknown SSRC: dropped and counted, nothing sent. */
    size_t len = make_rtp(pkt, 3333, 1);
    assert_int_equal(peer_send(e, &pub, pkt, len, false), AULA_DROP_UNKNOWN_SSRC);
    assert_int_equal(net_n, 0);

    /* Paused: nothing forwarded; on resume the viewer's seq goes on. */
    send_cmd(e, AULA_MEDIA_PRODUCER_PAUSE, 10, 1);
    for (uint16_t s = 505; s < 510; s++) {
        len = make_rtp(pkt, 1111, s);
        assert_int_equal(peer_send(e, &pub, pkt, len, false), AULA_DROP_PRODUCER_PAUSED);
    }
    assert_int_equal(net_n, 0);
    send_cmd(e, AULA_MEDIA_PRODUCER_PAUSE, 10, 0);
    for (uint16_t s = 510; s < 513; s++) {
        len = make_rtp(pkt, 1111, s);
        assert_int_equal(peer_send(e, &pub, pkt, len, false), AULA_DROP_NONE);
    }
    for (uint16_t s = 510; s < 513; s++)
        expect_forwarded(&view, (uint16_t)(s - 5), s);

    /* A sender report reaches the viewer as from the consumer's SSRC. */
    aula_rtcp_sr sr = {.ssrc = 1111, .ntp_time = 0x1122334455667788ull, .rtp_time = 4242};
    assert_int_equal(aula_rtcp_build_sr(&sr, pkt, 200, &len), 0);
    assert_int_equal(peer_send(e, &pub, pkt, len, true), AULA_DROP_NONE);
    assert_true(peer_recv(&view, pkt, &len, true));
    aula_rtcp_iter it;
    aula_rtcp_header h;
    aula_rtcp_iter_init(&it, pkt, len);
    assert_int_equal(aula_rtcp_iter_next(&it, &h), 0);
    aula_rtcp_sr got;
    assert_int_equal(aula_rtcp_parse_sr(&h, &got), 0);
    assert_int_equal(got.ssrc, 2222);
    assert_int_equal(got.rtp_time, 4242);
    assert_true(got.ntp_time == sr.ntp_time);

    /* The viewer's PLI for 2222 becomes a PLI for 1111, at most one per
     * second: a second one inside the second waits for its end. */
    now = pli_at + 1500;
    run_timers(e); /* the publisher's first receiver report */
    net_n = 0;
    assert_int_equal(aula_rtcp_build_pli(5, 2222, pkt, 200, &len), 0);
    assert_int_equal(peer_send(e, &view, pkt, len, true), AULA_DROP_NONE);
    expect_pli(&pub, 1111);
    now += 100;
    assert_int_equal(aula_rtcp_build_pli(5, 2222, pkt, 200, &len), 0);
    assert_int_equal(peer_send(e, &view, pkt, len, true), AULA_DROP_NONE);
    assert_int_equal(net_n, 0);
    uint64_t at;
    assert_true(aula_media_engine_next_timeout(e, &at));
    assert_true(at == pli_at + 2500);
    now = at;
    run_timers(e);
    expect_pli(&pub, 1111);
    /* KEYFRAME_REQUEST a second later goes straight out. */
    now += 1000;
    send_cmd(e, AULA_MEDIA_KEYFRAME_REQUEST, 10, 0);
    expect_pli(&pub, 1111);

    /* A PLI for an SSRC the viewer does not receive is ignored. */
    now += 2000;
    assert_int_equal(aula_rtcp_build_pli(5, 9999, pkt, 200, &len), 0);
    assert_int_equal(peer_send(e, &view, pkt, len, true), AULA_DROP_NONE);
    assert_int_equal(net_n, 0);

    /* Consent (RFC 7675): the publisher keeps talking, the viewer goes
     * silent; after the timeout only the viewer's transport is closed. */
    uint64_t quiet_from = now;
    for (int i = 1; i <= 6; i++) {
        now = quiet_from + (uint64_t)i * 1000;
        len = make_rtp(pkt, 1111, (uint16_t)(600 + i));
        assert_int_equal(peer_send(e, &pub, pkt, len, false), AULA_DROP_NONE);
        run_timers(e);
    }
    expect_report(2, AULA_MEDIA_TS_CLOSED, "consent expired");
    for (size_t i = 0; i < reports_n; i++)
        assert_false(reports[i].u.transport_report.transport_id == 1 &&
                     reports[i].u.transport_report.state == AULA_MEDIA_TS_CLOSED);
    net_n = 0;
    /* Nothing is sent to a closed transport. */
    len = make_rtp(pkt, 1111, 700);
    assert_int_equal(peer_send(e, &pub, pkt, len, false), AULA_DROP_NONE);
    assert_int_equal(net_n, 0);

    /* Then the publisher's consent expires too. */
    now += 6000;
    run_timers(e);
    expect_report(1, AULA_MEDIA_TS_CLOSED, "consent expired");
    assert_false(aula_media_engine_next_timeout(e, &at));

    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 2, 0);
    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 1, 0);
    assert_int_equal(aula_media_engine_transport_count(e), 0);
    /* Its address is forgotten with it. */
    len = make_rtp(pkt, 1111, 701);
    assert_int_equal(
        aula_media_engine_handle_datagram(e, now, (struct sockaddr *)&pub.addr, pkt, len),
        AULA_DROP_RTP_UNKNOWN_ADDR);
    aula_media_engine_destroy(e);
    peer_free(&pub);
    peer_free(&view);
}

/* The viewer's next packet: seq want_seq, timestamp want_ts, SSRC 2222. */
static void expect_viewer(peer *v, uint16_t want_seq, uint32_t want_ts)
{
    uint8_t pkt[DGRAM_CAP];
    size_t len = 0;
    assert_true(peer_recv(v, pkt, &len, false));
    aula_rtp_header h;
    assert_int_equal(aula_rtp_parse(pkt, len, &h), 0);
    assert_int_equal(h.ssrc, 2222);
    assert_int_equal(h.payload_type, 100);
    assert_int_equal(h.seq, want_seq);
    assert_int_equal(h.timestamp, want_ts);
}

/* A publisher restarts its peer connection: the producer moves to the new
 * transport (PRODUCER_REBIND) with another SSRC, sequence numbers and
 * timestamp base, and the viewer sees one stream go on. */
static void publisher_restart(void **state)
{
    (void)state;
    reset();
    aula_media_engine *e = aula_media_engine_create(identity, &engine_cb, NULL);
    aula_media_engine_set_timeouts(e, 5000, 10000);
    peer pub, view, pub2;
    peer_init(&pub, 1, 40001, "pubufrag");
    peer_init(&view, 2, 40002, "viewufrag");
    peer_init(&pub2, 3, 40003, "pub2ufrag");
    peer_connect(e, &pub, AULA_MEDIA_PUBLISH);
    peer_connect(e, &view, AULA_MEDIA_RECEIVE);

    add_video_pair(e);
    expect_pli(&pub, 1111);

    uint8_t pkt[DGRAM_CAP];
    size_t len;
    for (uint16_t s = 100; s < 105; s++) {
        len = make_rtp(pkt, 1111, s);
        assert_int_equal(peer_send(e, &pub, pkt, len, false), AULA_DROP_NONE);
    }
    for (uint16_t s = 100; s < 105; s++)
        expect_forwarded(&view, s, s);

    /* The restarted publisher connects a new transport; the producer
     * moves to it, a keyframe is asked of it at once, and the old
     * transport can close without taking the producer along. */
    peer_connect(e, &pub2, AULA_MEDIA_PUBLISH);
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_PRODUCER_REBIND;
    m.u.producer_rebind = (aula_media_producer_add){.producer_id = 10,
                                                    .transport_id = 3,
                                                    .kind = AULA_MEDIA_VIDEO,
                                                    .ssrc = 5555,
                                                    .payload_type = 96,
                                                    .clock_rate = 90000};
    aula_media_engine_handle_msg(e, now, &m);
    expect_pli(&pub2, 5555);
    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 1, 0);
    net_n = 0;

    /* The old SSRC means nothing on the new transport. */
    len = make_rtp(pkt, 1111, 105);
    assert_int_equal(peer_send(e, &pub2, pkt, len, false), AULA_DROP_UNKNOWN_SSRC);

    /* Seq 9000.. with a timestamp base below the old one, 40 ms after the
     * last packet: the viewer gets seq 105.. and the timestamp 40 ms on. */
    now += 40;
    for (uint16_t s = 9000; s < 9005; s++) {
        len = make_rtp(pkt, 5555, s);
        aula_rtp_set_timestamp(pkt, 1000u + 90u * (uint32_t)(s - 9000));
        assert_int_equal(peer_send(e, &pub2, pkt, len, false), AULA_DROP_NONE);
    }
    uint32_t last_ts = 90u * 104;
    for (uint16_t s = 0; s < 5; s++)
        expect_viewer(&view, (uint16_t)(105 + s), last_ts + 40u * 90 + 90u * s);
    assert_int_equal(net_n, 0);

    /* A sender report of the new SSRC maps onto the viewer's clock. */
    aula_rtcp_sr sr = {.ssrc = 5555, .ntp_time = 0x1122334455667788ull, .rtp_time = 1000};
    assert_int_equal(aula_rtcp_build_sr(&sr, pkt, 200, &len), 0);
    assert_int_equal(peer_send(e, &pub2, pkt, len, true), AULA_DROP_NONE);
    assert_true(peer_recv(&view, pkt, &len, true));
    aula_rtcp_iter it;
    aula_rtcp_header h;
    aula_rtcp_iter_init(&it, pkt, len);
    assert_int_equal(aula_rtcp_iter_next(&it, &h), 0);
    aula_rtcp_sr got;
    assert_int_equal(aula_rtcp_parse_sr(&h, &got), 0);
    assert_int_equal(got.ssrc, 2222);
    assert_int_equal(got.rtp_time, last_ts + 40u * 90);

    /* An unknown producer cannot be rebound. */
    m.u.producer_rebind.producer_id = 99;
    aula_media_engine_handle_msg(e, now, &m);
    assert_int_equal(net_n, 0);

    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 2, 0);
    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 3, 0);
    assert_int_equal(aula_media_engine_transport_count(e), 0);
    aula_media_engine_destroy(e);
    peer_free(&pub);
    peer_free(&view);
    peer_free(&pub2);
}

static void unknown_addresses_are_dropped(void **state)
{
    (void)state;
    reset();
    aula_media_engine *e = aula_media_engine_create(identity, &engine_cb, NULL);
    peer p;
    peer_init(&p, 5, 40005, "someufrag");
    create_transport(e, &p, AULA_MEDIA_PUBLISH);
    struct sockaddr_in stranger = p.addr;
    stranger.sin_port = htons(50000);
    const struct sockaddr *from = (const struct sockaddr *)&stranger;

    uint8_t buf[DGRAM_CAP];
    memset(buf, 0x42, 100); /* first byte 66: no protocol of ours */
    assert_int_equal(aula_media_engine_handle_datagram(e, now, from, buf, 100),
                     AULA_DROP_UNKNOWN_PROTOCOL);
    buf[0] = 22; /* a DTLS handshake record */
    assert_int_equal(aula_media_engine_handle_datagram(e, now, from, buf, 100),
                     AULA_DROP_DTLS_UNKNOWN_ADDR);
    buf[0] = 0x80; /* RTP */
    assert_int_equal(aula_media_engine_handle_datagram(e, now, from, buf, 100),
                     AULA_DROP_RTP_UNKNOWN_ADDR);
    buf[0] = 0x00; /* STUN-looking garbage */
    assert_int_equal(aula_media_engine_handle_datagram(e, now, from, buf, 100),
                     AULA_DROP_STUN_NO_TRANSPORT);
    assert_int_equal(aula_media_engine_handle_datagram(e, now, from, buf, 0),
                     AULA_DROP_UNKNOWN_PROTOCOL);

    /* STUN with the right ufrag and the wrong password; with a ufrag that
     * names no transport. */
    size_t len = stun_request(buf, sizeof buf, "someufrag:browser", "wrong-password-0123456789");
    assert_int_equal(aula_media_engine_handle_datagram(e, now, from, buf, len),
                     AULA_DROP_STUN_BAD_CREDENTIALS);
    len = stun_request(buf, sizeof buf, "otherufrag:browser", p.pwd);
    assert_int_equal(aula_media_engine_handle_datagram(e, now, from, buf, len),
                     AULA_DROP_STUN_NO_TRANSPORT);
    len = stun_request(buf, sizeof buf, "someufrag:browser", p.pwd);
    buf[len - 1] ^= 1; /* FINGERPRINT broken */
    assert_int_equal(aula_media_engine_handle_datagram(e, now, from, buf, len),
                     AULA_DROP_STUN_MALFORMED);
    assert_int_equal(net_n, 0);

    /* None of that made the stranger known. */
    buf[0] = 22;
    assert_int_equal(aula_media_engine_handle_datagram(e, now, from, buf, 100),
                     AULA_DROP_DTLS_UNKNOWN_ADDR);

    /* No ICE at all: the transport fails at the handshake deadline. */
    uint64_t at;
    assert_true(aula_media_engine_next_timeout(e, &at));
    assert_true(at == now + AULA_DTLS_DEFAULT_HANDSHAKE_TIMEOUT_MS);
    now = at;
    run_timers(e);
    expect_report(5, AULA_MEDIA_TS_FAILED, "no ICE connectivity");
    assert_false(aula_media_engine_next_timeout(e, &at));
    assert_int_equal(aula_media_engine_transport_count(e), 1);
    aula_media_engine_destroy(e); /* frees the live transport too */
    peer_free(&p);
}

/* ICE selected an address but DTLS never completes: FAILED. A transport
 * with a wrong remote fingerprint fails the handshake. */
static void handshake_failures(void **state)
{
    (void)state;
    reset();
    aula_media_engine *e = aula_media_engine_create(identity, &engine_cb, NULL);
    aula_media_engine_set_timeouts(e, 5000, 3000);
    peer p, q;
    peer_init(&p, 6, 40006, "ufragsix");
    peer_init(&q, 7, 40007, "ufragseven");
    create_transport(e, &p, AULA_MEDIA_PUBLISH);
    peer_ice(e, &p);
    now += 3000;
    run_timers(e);
    expect_report(6, AULA_MEDIA_TS_FAILED, "handshake timeout");

    /* q's transport expects p's certificate. */
    client *real = q.c;
    q.c = p.c;
    create_transport(e, &q, AULA_MEDIA_RECEIVE);
    q.c = real;
    peer_ice(e, &q);
    client_step(q.c, NULL, 0);
    for (int round = 0; round < 10 && q.c->out_n > 0; round++) {
        size_t n = q.c->out_n;
        q.c->out_n = 0;
        for (size_t i = 0; i < n; i++)
            aula_media_engine_handle_datagram(e, now, (struct sockaddr *)&q.addr, q.c->out[i],
                                              q.c->out_len[i]);
        uint8_t buf[DGRAM_CAP];
        size_t len;
        while (take(&q.addr, buf, &len))
            client_step(q.c, buf, len);
    }
    expect_report(7, AULA_MEDIA_TS_FAILED, NULL);
    for (size_t i = 0; i < reports_n; i++)
        assert_false(reports[i].u.transport_report.state == AULA_MEDIA_TS_CONNECTED);
    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 6, 0);
    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 7, 0);
    assert_int_equal(aula_media_engine_transport_count(e), 0);
    aula_media_engine_destroy(e);
    peer_free(&p);
    peer_free(&q);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(publish_and_view),
        cmocka_unit_test(publisher_restart),
        cmocka_unit_test(unknown_addresses_are_dropped),
        cmocka_unit_test(handshake_failures),
    };
    return cmocka_run_group_tests(tests, peer_group_setup, peer_group_teardown);
}
