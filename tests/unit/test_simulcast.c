/* Tests for simulcast in the router (src/sfu/simulcast.c through the
 * engine): a publisher sends three rid layers whose SSRCs are not
 * announced, a viewer starts on layer 0, goes up after loss-free receiver
 * reports at a keyframe of layer 1 with continuous sequence numbers and a
 * forward-moving timestamp, comes back down after setPreferred 0 and after
 * loss. The peers (real DTLS and SRTP, in memory, virtual time) are those
 * of test_media_engine.c (media_test_peer.h). */
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
#include "sfu/simulcast.h"

#include "dtls_test_client.h"
#include "media_test_peer.h"

#define RID_EXT 10
#define VIEW_SSRC 2222

/* Per layer: SSRC, first seq and timestamp (far apart, one wrapping). */
static const uint32_t layer_ssrc[3] = {1, 2, 3};
static const uint16_t seq0[3] = {100, 5000, 65530};
static const uint32_t ts0[3] = {1000, 500000, 4294960000u};
static const char *const rids[3] = {"l", "m", "h"};

/* RTP with the rid extension (RFC 8285 one-byte form) and a VP8 payload
 * descriptor with S=1, PID=0 (RFC 7741), then the payload header whose P
 * bit is 0 for a keyframe; byte 16 + 2 names the layer. */
static size_t make_sim(uint8_t *b, int layer, unsigned n, bool key)
{
    uint16_t seq = (uint16_t)(seq0[layer] + n);
    uint32_t ts = ts0[layer] + 3000u * n, ssrc = layer_ssrc[layer];
    uint8_t h[20] = {0x90,
                     96,
                     (uint8_t)(seq >> 8),
                     (uint8_t)seq,
                     (uint8_t)(ts >> 24),
                     (uint8_t)(ts >> 16),
                     (uint8_t)(ts >> 8),
                     (uint8_t)ts,
                     (uint8_t)(ssrc >> 24),
                     (uint8_t)(ssrc >> 16),
                     (uint8_t)(ssrc >> 8),
                     (uint8_t)ssrc,
                     0xBE,
                     0xDE,
                     0,
                     1,
                     (uint8_t)(RID_EXT << 4 | 0),
                     (uint8_t)rids[layer][0],
                     0,
                     0};
    memcpy(b, h, sizeof h);
    b[20] = 0x10;              /* S=1, PID=0 */
    b[21] = key ? 0x00 : 0x01; /* P bit */
    b[22] = (uint8_t)layer;
    for (int i = 23; i < 80; i++)
        b[i] = (uint8_t)i;
    return 80;
}

static void connect_publisher(aula_media_engine *e, peer *p)
{
    aula_media_extensions ext = {.rid = RID_EXT, .repaired_rid = 11};
    peer_connect_ext(e, p, AULA_MEDIA_PUBLISH, &ext);
}

/* Counts the PLIs to the publisher per layer SSRC (RRs are skipped). */
static unsigned plis[4];
static void drain_publisher(peer *p)
{
    uint8_t pkt[DGRAM_CAP];
    size_t len;
    while (peer_recv(p, pkt, &len, true)) {
        aula_rtcp_iter it;
        aula_rtcp_header h;
        aula_rtcp_iter_init(&it, pkt, len);
        while (aula_rtcp_iter_next(&it, &h) == 0) {
            aula_rtcp_fb fb;
            if (h.type == AULA_RTCP_PSFB && aula_rtcp_parse_pli(&h, &fb) == 0 && fb.media_ssrc < 4)
                plis[fb.media_ssrc]++;
        }
    }
}

/* The stream the viewer sees: seq one more, timestamp later, each time. */
static uint16_t last_seq;
static uint32_t last_ts;

/* One frame (one packet) on each layer, lowest first; key: bit per layer.
 * Every packet the viewer gets must continue its stream; returns the layer
 * of the last one (-1: none). In the frame where a switch happens the old
 * layer's packet may come before the new layer's keyframe. */
static int send_layers(aula_media_engine *e, peer *pub, peer *view, unsigned n, unsigned key,
                       int n_layers)
{
    uint8_t pkt[DGRAM_CAP];
    for (int l = 0; l < n_layers; l++) {
        size_t len = make_sim(pkt, l, n, key & (1u << l));
        assert_int_equal(peer_send(e, pub, pkt, len, false), AULA_DROP_NONE);
    }
    drain_publisher(pub);
    size_t len;
    int layer = -1;
    while (peer_recv(view, pkt, &len, false)) {
        aula_rtp_header h;
        assert_int_equal(aula_rtp_parse(pkt, len, &h), 0);
        assert_int_equal(h.ssrc, VIEW_SSRC);
        assert_int_equal(h.payload_type, 100);
        assert_int_equal(h.seq, (uint16_t)(last_seq + 1));
        assert_true((int32_t)(h.timestamp - last_ts) > 0);
        last_seq = h.seq;
        last_ts = h.timestamp;
        layer = pkt[h.payload_offset + 2];
    }
    return layer;
}

static int send_frame(aula_media_engine *e, peer *pub, peer *view, unsigned n, unsigned key)
{
    return send_layers(e, pub, view, n, key, 3);
}

static void viewer_rr(aula_media_engine *e, peer *view, uint8_t fraction_lost)
{
    aula_rtcp_rr rr;
    memset(&rr, 0, sizeof rr);
    rr.ssrc = 9;
    rr.report_count = 1;
    rr.reports[0].ssrc = VIEW_SSRC;
    rr.reports[0].fraction_lost = fraction_lost;
    uint8_t pkt[DGRAM_CAP];
    size_t len;
    assert_int_equal(aula_rtcp_build_rr(&rr, pkt, sizeof pkt - 32, &len), 0);
    assert_int_equal(peer_send(e, view, pkt, len, true), AULA_DROP_NONE);
}

static void set_preferred(aula_media_engine *e, int layer)
{
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_CONSUMER_SET_PREFERRED;
    m.u.target.id = 20;
    m.u.target.layer = layer;
    aula_media_engine_handle_msg(e, now, &m);
}

static void step(aula_media_engine *e, peer *pub, peer *view, unsigned n, unsigned key,
                 int want_layer)
{
    assert_int_equal(send_frame(e, pub, view, n, key), want_layer);
}

static void layers_switch(void **state)
{
    (void)state;
    reset();
    aula_media_engine *e = aula_media_engine_create(identity, &engine_cb, NULL);
    aula_media_engine_set_timeouts(e, 600000, 600000);
    peer pub, view;
    peer_init(&pub, 1, 40001, "pubufrag");
    peer_init(&view, 2, 40002, "viewufrag");
    connect_publisher(e, &pub);
    peer_connect(e, &view, AULA_MEDIA_RECEIVE);

    aula_media_producer_add pa = {.producer_id = 10,
                                  .transport_id = 1,
                                  .kind = AULA_MEDIA_VIDEO,
                                  .payload_type = 96,
                                  .clock_rate = 90000,
                                  .n_layers = 3};
    for (int l = 0; l < 3; l++) {
        snprintf(pa.layers[l].rid, sizeof pa.layers[l].rid, "%s", rids[l]);
        pa.layers[l].spatial = (uint8_t)l;
    }
    producer_add(e, &pa);
    consumer_add(e, &(aula_media_consumer_add){.consumer_id = 20,
                                               .transport_id = 2,
                                               .producer_id = 10,
                                               .ssrc = VIEW_SSRC,
                                               .payload_type = 100});
    drain_publisher(&pub);

    /* The first frame is a keyframe everywhere: the viewer gets layer 0
     * only, as sent. */
    unsigned n = 0;
    last_seq = (uint16_t)(seq0[0] - 1);
    last_ts = ts0[0] - 1;
    step(e, &pub, &view, n++, 7, 0);
    assert_int_equal(last_seq, seq0[0]);
    assert_int_equal(last_ts, ts0[0]);

    /* Loss-free reports for 2 s: the target goes to layer 1 and a PLI to
     * its SSRC asks for a keyframe; layer 0 goes on until it comes. */
    memset(plis, 0, sizeof plis);
    for (int i = 0; i < 3; i++) {
        viewer_rr(e, &view, 0);
        now += 1000;
        run_timers(e);
        step(e, &pub, &view, n++, 0, 0);
    }
    assert_true(plis[2] >= 1);
    step(e, &pub, &view, n++, 0, 0);
    now += 33;
    step(e, &pub, &view, n++, 2, 1);
    step(e, &pub, &view, n++, 0, 1);
    /* A keyframe of layer 0 does not move the viewer back. */
    step(e, &pub, &view, n++, 1, 1);

    /* setPreferred 0: back down at the next keyframe of layer 0 only. */
    memset(plis, 0, sizeof plis);
    set_preferred(e, 0);
    drain_publisher(&pub);
    assert_true(plis[1] >= 1);
    step(e, &pub, &view, n++, 4, 1);
    step(e, &pub, &view, n++, 1, 0);
    /* Clean reports do not go above the preferred layer. */
    for (int i = 0; i < 4; i++) {
        viewer_rr(e, &view, 0);
        now += 1000;
        run_timers(e);
        step(e, &pub, &view, n++, 7, 0);
    }

    /* Preferred 2 again: up to 1 after a clean run, then loss in the
     * reports brings it down to 0 at a layer-0 keyframe. */
    set_preferred(e, 2);
    for (int i = 0; i < 3; i++) {
        viewer_rr(e, &view, 0);
        now += 1000;
        run_timers(e);
    }
    step(e, &pub, &view, n++, 2, 1);
    viewer_rr(e, &view, 40); /* about 16 % lost */
    step(e, &pub, &view, n++, 2, 1);
    step(e, &pub, &view, n++, 1, 0);

    /* The publisher restarts on a new transport (PRODUCER_REBIND) and its
     * layers start again from their first seq and timestamp: the viewer
     * waits for a keyframe of its layer, asks for it once the layer's SSRC
     * is known, and its stream goes on (send_frame checks seq and ts). */
    peer pub2;
    peer_init(&pub2, 3, 40003, "pub2ufrag");
    connect_publisher(e, &pub2);
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_PRODUCER_REBIND;
    m.u.producer_rebind = (aula_media_producer_add){.producer_id = 10,
                                                    .transport_id = 3,
                                                    .kind = AULA_MEDIA_VIDEO,
                                                    .payload_type = 96,
                                                    .clock_rate = 90000,
                                                    .n_layers = 3};
    for (int l = 0; l < 3; l++) {
        snprintf(m.u.producer_rebind.layers[l].rid, sizeof m.u.producer_rebind.layers[l].rid, "%s",
                 rids[l]);
        m.u.producer_rebind.layers[l].spatial = (uint8_t)l;
    }
    aula_media_engine_handle_msg(e, now, &m);
    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 1, 0);
    memset(plis, 0, sizeof plis);
    now += 1000;
    step(e, &pub2, &view, 0, 0, -1);
    assert_true(plis[1] >= 1);
    now += 33;
    step(e, &pub2, &view, 1, 1, 0);
    step(e, &pub2, &view, 2, 0, 0);

    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 3, 0);
    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 2, 0);
    assert_int_equal(aula_media_engine_transport_count(e), 0);
    aula_media_engine_destroy(e);
    peer_free(&pub);
    peer_free(&pub2);
    peer_free(&view);
    (void)expect_pli; /* shared helpers this program does not need */
    (void)expect_forwarded;
}

/* A viewer on layer 1 when its publisher restarts: the new peer connection
 * sends only layer 0 at first (its bandwidth estimate starts low). The
 * viewer starts over at layer 0 at its first keyframe instead of waiting
 * for a layer 1 that does not come, and its stream goes on. */
static void restart_starts_over_at_layer_0(void **state)
{
    (void)state;
    reset();
    aula_media_engine *e = aula_media_engine_create(identity, &engine_cb, NULL);
    aula_media_engine_set_timeouts(e, 600000, 600000);
    peer pub, view, pub2;
    peer_init(&pub, 1, 40001, "pubufrag");
    peer_init(&view, 2, 40002, "viewufrag");
    peer_init(&pub2, 3, 40003, "pub2ufrag");
    connect_publisher(e, &pub);
    peer_connect(e, &view, AULA_MEDIA_RECEIVE);
    aula_media_producer_add pa = {.producer_id = 10,
                                  .transport_id = 1,
                                  .kind = AULA_MEDIA_VIDEO,
                                  .payload_type = 96,
                                  .clock_rate = 90000,
                                  .n_layers = 3};
    for (int l = 0; l < 3; l++) {
        snprintf(pa.layers[l].rid, sizeof pa.layers[l].rid, "%s", rids[l]);
        pa.layers[l].spatial = (uint8_t)l;
    }
    producer_add(e, &pa);
    consumer_add(e, &(aula_media_consumer_add){.consumer_id = 20,
                                               .transport_id = 2,
                                               .producer_id = 10,
                                               .ssrc = VIEW_SSRC,
                                               .payload_type = 100});
    drain_publisher(&pub);
    unsigned n = 0;
    last_seq = (uint16_t)(seq0[0] - 1);
    last_ts = ts0[0] - 1;
    step(e, &pub, &view, n++, 7, 0);
    for (int i = 0; i < 3; i++) {
        viewer_rr(e, &view, 0);
        now += 1000;
        run_timers(e);
        step(e, &pub, &view, n++, 0, 0);
    }
    now += 33;
    step(e, &pub, &view, n++, 2, 1);

    connect_publisher(e, &pub2);
    aula_media_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_MEDIA_PRODUCER_REBIND;
    m.u.producer_rebind = pa;
    m.u.producer_rebind.transport_id = 3;
    aula_media_engine_handle_msg(e, now, &m);
    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 1, 0);
    now += 1000;
    assert_int_equal(send_layers(e, &pub2, &view, 0, 0, 1), -1);
    now += 33;
    assert_int_equal(send_layers(e, &pub2, &view, 1, 1, 1), 0);
    assert_int_equal(send_layers(e, &pub2, &view, 2, 0, 1), 0);
    /* Once layer 1 flows again, clean reports bring the viewer back up. */
    memset(plis, 0, sizeof plis);
    for (int i = 0; i < 3; i++) {
        viewer_rr(e, &view, 0);
        now += 1000;
        run_timers(e);
        assert_int_equal(send_layers(e, &pub2, &view, 3 + (unsigned)i, 0, 2), 0);
    }
    assert_true(plis[2] >= 1);
    now += 33;
    assert_int_equal(send_layers(e, &pub2, &view, 6, 2, 2), 1);

    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 3, 0);
    send_cmd(e, AULA_MEDIA_TRANSPORT_CLOSE, 2, 0);
    assert_int_equal(aula_media_engine_transport_count(e), 0);
    aula_media_engine_destroy(e);
    peer_free(&pub);
    peer_free(&pub2);
    peer_free(&view);
}

/* RFC 7741 section 4.2: the descriptor's optional fields are skipped
 * before the P bit is read; only a partition start can be a keyframe. */
static void vp8_keyframe_detection(void **state)
{
    (void)state;
    uint8_t pkt[32] = {0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
    aula_rtp_header h;
    /* X=1, I=1 with a 15-bit picture id, L=1, T=1: 6 bytes, then P=0. */
    const uint8_t d[] = {0x90, 0xE0, 0x80, 0x01, 0x05, 0x20, 0x00, 0x11};
    memcpy(pkt + 12, d, sizeof d);
    assert_int_equal(aula_rtp_parse(pkt, 12 + sizeof d, &h), 0);
    assert_true(aula_simulcast_vp8_keyframe(pkt, &h));
    pkt[18] = 0x01; /* P=1: an interframe */
    assert_false(aula_simulcast_vp8_keyframe(pkt, &h));
    pkt[18] = 0x00;
    pkt[12] = 0x80; /* S=0: not the start */
    assert_false(aula_simulcast_vp8_keyframe(pkt, &h));
    assert_int_equal(aula_rtp_parse(pkt, 14, &h), 0); /* truncated */
    pkt[12] = 0x90;
    assert_false(aula_simulcast_vp8_keyframe(pkt, &h));
}

/* Parses payload (after a 12-byte RTP header) and runs the H.264 test. */
static bool h264_key(const uint8_t *payload, size_t n)
{
    uint8_t pkt[64] = {0x80, 102, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1};
    aula_rtp_header h;
    assert_true(n <= sizeof pkt - 12);
    memcpy(pkt + 12, payload, n);
    assert_int_equal(aula_rtp_parse(pkt, 12 + n, &h), 0);
    return aula_simulcast_h264_keyframe(pkt, &h) &&
           aula_simulcast_keyframe(AULA_MEDIA_CODEC_H264, pkt, &h);
}

/* RFC 6184: NAL header F|NRI|type (section 1.3), STAP-A (5.7.1), FU-A (5.8). */
static void h264_keyframe_detection(void **state)
{
    (void)state;
    const uint8_t idr[] = {0x65, 0x88, 0x84};     /* single NAL unit, type 5 */
    const uint8_t non_idr[] = {0x41, 0x9a, 0x02}; /* type 1: a P slice */
    const uint8_t sps[] = {0x67, 0x42, 0xe0, 0x1f};
    /* STAP-A: SPS (4 bytes), PPS (2 bytes). */
    const uint8_t stap_sps[] = {0x78, 0x00, 0x04, 0x67, 0x42, 0xe0, 0x1f, 0x00, 0x02, 0x68, 0xce};
    /* STAP-A of two non-IDR slices, and one whose size runs past the end. */
    const uint8_t stap_p[] = {0x78, 0x00, 0x02, 0x41, 0x9a, 0x00, 0x02, 0x41, 0x9b};
    const uint8_t stap_bad[] = {0x78, 0x00, 0x09, 0x67, 0x42};
    const uint8_t fu_start_idr[] = {0x7c, 0x85, 0x88, 0x84}; /* S=1, type 5 */
    const uint8_t fu_mid_idr[] = {0x7c, 0x05, 0x11, 0x22};   /* S=0: a continuation */
    const uint8_t fu_start_p[] = {0x7c, 0x81, 0x9a, 0x02};   /* S=1, type 1 */
    const uint8_t fu_short[] = {0x7c};
    assert_true(h264_key(idr, sizeof idr));
    assert_true(h264_key(sps, sizeof sps));
    assert_false(h264_key(non_idr, sizeof non_idr));
    assert_true(h264_key(stap_sps, sizeof stap_sps));
    assert_false(h264_key(stap_p, sizeof stap_p));
    assert_false(h264_key(stap_bad, sizeof stap_bad));
    assert_true(h264_key(fu_start_idr, sizeof fu_start_idr));
    assert_false(h264_key(fu_mid_idr, sizeof fu_mid_idr));
    assert_false(h264_key(fu_start_p, sizeof fu_start_p));
    assert_false(h264_key(fu_short, sizeof fu_short));

    /* The default codec still means VP8: an IDR byte is no VP8 keyframe. */
    uint8_t pkt[16] = {0x80, 96, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x65, 0x88};
    aula_rtp_header h;
    assert_int_equal(aula_rtp_parse(pkt, 14, &h), 0);
    assert_false(aula_simulcast_keyframe(AULA_MEDIA_CODEC_DEFAULT, pkt, &h));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(vp8_keyframe_detection),
        cmocka_unit_test(h264_keyframe_detection),
        cmocka_unit_test(layers_switch),
        cmocka_unit_test(restart_starts_over_at_layer_0),
    };
    return cmocka_run_group_tests(tests, peer_group_setup, peer_group_teardown);
}
