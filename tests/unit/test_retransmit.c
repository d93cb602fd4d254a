/* Tests for the retransmission buffer and RTX unwrapping
 * (src/sfu/retransmit.c) and the receive statistics behind the receiver
 * reports (src/sfu/recv_stats.c): pure code, fed packets and a fake
 * clock; then the same through the media engine with a publisher and a
 * viewer in memory (media_test_peer.h): viewer NACKs, the publisher's NACK
 * and receiver reports, RTX forwarding. */
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
#include "sfu/recv_stats.h"
#include "sfu/retransmit.h"

#include "dtls_test_client.h"
#include "media_test_peer.h"

static size_t make_sized_rtp(uint8_t *b, uint32_t ssrc, uint16_t seq, size_t payload)
{
    memset(b, 0, 12);
    b[0] = 0x80;
    b[1] = 96;
    aula_rtp_set_seq(b, seq);
    aula_rtp_set_timestamp(b, 90u * seq);
    aula_rtp_set_ssrc(b, ssrc);
    for (size_t i = 0; i < payload; i++)
        b[12 + i] = (uint8_t)(i * 7 + seq);
    return 12 + payload;
}

static void expect_stored(const aula_retransmit *b, uint16_t seq, uint64_t t)
{
    const uint8_t *pkt;
    size_t len;
    uint8_t want[200];
    size_t want_len = make_sized_rtp(want, 1111, seq, 100);
    assert_int_equal(aula_retransmit_find(b, seq, t, 1000, &pkt, &len), 0);
    assert_int_equal(len, want_len);
    assert_memory_equal(pkt, want, len);
    assert_true(aula_retransmit_has(b, seq));
}

static void expect_absent(const aula_retransmit *b, uint16_t seq, uint64_t t)
{
    const uint8_t *pkt;
    size_t len;
    assert_int_equal(aula_retransmit_find(b, seq, t, 1000, &pkt, &len), AULA_ENOENT);
}

static void buffer_wraps(void **state)
{
    (void)state;
    aula_retransmit *b = aula_retransmit_create();
    uint8_t pkt[1600];
    uint64_t t = 5000;
    expect_absent(b, 0, t); /* empty slots hold nothing, not seq 0 */
    /* 65000 .. 99: 636 packets through the 16-bit wrap. */
    for (uint16_t s = 65000; s != 100; s++)
        aula_retransmit_store(b, s, t, pkt, make_sized_rtp(pkt, 1111, s, 100));
    expect_stored(b, 65535, t);
    expect_stored(b, 0, t);
    expect_stored(b, 99, t);
    expect_stored(b, 65124, t); /* the oldest still in the ring */
    expect_absent(b, 65123, t); /* overwritten by 99 */
    expect_absent(b, 65000, t);
    expect_absent(b, 100, t); /* not yet */
    /* A late copy of an evicted packet does not push out the newer one. */
    aula_retransmit_store(b, 65123, t, pkt, make_sized_rtp(pkt, 1111, 65123, 100));
    expect_stored(b, 99, t);
    expect_absent(b, 65123, t);
    /* A packet too big for a slot is not stored. */
    aula_retransmit_store(b, 100, t, pkt, make_sized_rtp(pkt, 1111, 100, 1500));
    expect_absent(b, 100, t);
    /* Too old for the caller's limit. */
    expect_stored(b, 99, t + 1000);
    expect_absent(b, 99, t + 1001);
    aula_retransmit_destroy(b);
    aula_retransmit_destroy(NULL);
}

static void rtx_unwrap(void **state)
{
    (void)state;
    uint8_t orig[200], rtx[200], out[200];
    size_t olen = make_sized_rtp(orig, 1111, 4242, 50);
    /* RFC 4588 section 4: the RTX packet is the header on its own SSRC,
     * seq and payload type, then the OSN, then the original payload, here
     * with 3 bytes of padding. */
    memcpy(rtx, orig, 12);
    rtx[0] |= 0x20;
    aula_rtp_set_ssrc(rtx, 1112);
    aula_rtp_set_payload_type(rtx, 97);
    aula_rtp_set_seq(rtx, 7);
    rtx[12] = 4242 >> 8;
    rtx[13] = 4242 & 0xff;
    memcpy(rtx + 14, orig + 12, 50);
    rtx[64] = 0;
    rtx[65] = 0;
    rtx[66] = 3;
    aula_rtp_header h;
    assert_int_equal(aula_rtp_parse(rtx, 67, &h), 0);
    size_t len;
    uint16_t osn;
    assert_int_equal(aula_retransmit_unwrap_rtx(rtx, &h, 1111, 96, out, sizeof out, &len, &osn), 0);
    assert_int_equal(osn, 4242);
    assert_int_equal(len, olen);
    assert_memory_equal(out, orig, olen);
    assert_int_equal(aula_retransmit_unwrap_rtx(rtx, &h, 1111, 96, out, 40, &len, &osn),
                     AULA_ETOOBIG);
    /* Only an OSN, or only padding: nothing to recover. */
    rtx[0] &= (uint8_t)~0x20;
    assert_int_equal(aula_rtp_parse(rtx, 14, &h), 0);
    assert_int_equal(aula_retransmit_unwrap_rtx(rtx, &h, 1111, 96, out, sizeof out, &len, &osn),
                     AULA_EPROTO);
    rtx[0] |= 0x20;
    rtx[13 + 12] = 14;
    assert_int_equal(aula_rtp_parse(rtx, 26, &h), 0);
    assert_int_equal(aula_retransmit_unwrap_rtx(rtx, &h, 1111, 96, out, sizeof out, &len, &osn),
                     AULA_EPROTO);
}

static void stats_losses_and_wrap(void **state)
{
    (void)state;
    aula_recv_stats s;
    aula_rtcp_report_block rb;
    uint16_t first = 0, count = 0;
    aula_recv_stats_init(&s, 90000);
    assert_false(aula_recv_stats_report(&s, 1111, 0, &rb));
    uint64_t t = 1000;
    /* 65530 .. 9, with 2 and 3 lost and 0 late (after 1). */
    for (uint16_t q = 65530; q != 10; q++) {
        if (q == 0 || q == 2 || q == 3)
            continue;
        aula_recv_stats_update(&s, q, 90u * q, t, &first, &count);
        if (q == 1) {
            assert_int_equal(count, 1); /* 0 looked lost */
            assert_int_equal(first, 0);
            aula_recv_stats_update(&s, 0, 0, t, &first, &count);
            assert_int_equal(count, 0); /* reordered: no gap */
        } else if (q == 4) {
            assert_int_equal(count, 2);
            assert_int_equal(first, 2);
        } else {
            assert_int_equal(count, 0);
        }
    }
    assert_true(aula_recv_stats_report(&s, 1111, t, &rb));
    assert_int_equal(rb.ssrc, 1111);
    assert_int_equal(rb.highest_seq, 65536 + 9);
    assert_int_equal(rb.cumulative_lost, 2);
    assert_int_equal(rb.fraction_lost, 2 * 256 / 16);
    assert_int_equal(rb.lsr, 0);
    assert_int_equal(rb.dlsr, 0);
    /* A duplicate makes the cumulative loss go down (RFC 3550 6.4.1). */
    aula_recv_stats_update(&s, 9, 0, t, &first, &count);
    aula_recv_stats_update(&s, 10, 0, t, &first, &count);
    assert_true(aula_recv_stats_report(&s, 1111, t, &rb));
    assert_int_equal(rb.cumulative_lost, 1);
    assert_int_equal(rb.fraction_lost, 0);
    /* A burst: 19 of the interval's 20 lost. */
    aula_recv_stats_update(&s, 30, 0, t, &first, &count);
    assert_int_equal(count, 19);
    assert_true(aula_recv_stats_report(&s, 1111, t, &rb));
    assert_int_equal(rb.fraction_lost, 19 * 256 / 20);
    /* A huge jump is believed only when the next packet follows it. */
    aula_recv_stats_update(&s, 40000, 0, t, &first, &count);
    assert_true(aula_recv_stats_report(&s, 1111, t, &rb));
    assert_int_equal(rb.highest_seq, 65536 + 30);
    aula_recv_stats_update(&s, 40001, 0, t, &first, &count);
    assert_int_equal(count, 0);
    assert_true(aula_recv_stats_report(&s, 1111, t, &rb));
    assert_int_equal(rb.highest_seq, 40001);
    assert_int_equal(rb.cumulative_lost, 0);
}

static void stats_jitter_and_sr(void **state)
{
    (void)state;
    aula_recv_stats s;
    aula_rtcp_report_block rb;
    uint16_t first, count;
    aula_recv_stats_init(&s, 90000);
    /* 30 fps, perfectly paced: no jitter. */
    for (uint16_t q = 0; q < 50; q++)
        aula_recv_stats_update(&s, q, 3000u * q, 1000 + 100u * q / 3, &first, &count);
    aula_recv_stats_report(&s, 1, 3000, &rb);
    assert_true(rb.jitter < 100); /* ms rounding only: 1 ms is 90 ticks */
    /* Every other frame 10 ms late (900 ticks): J tends to 900. */
    aula_recv_stats_init(&s, 90000);
    for (uint16_t q = 0; q < 400; q++)
        aula_recv_stats_update(&s, q, 3000u * q, 1000 + 33u * q + (q % 2 ? 10 : 0), &first, &count);
    aula_recv_stats_report(&s, 1, 20000, &rb);
    assert_true(rb.jitter > 850 && rb.jitter < 1000);
    /* LSR is the middle of the NTP time; DLSR in 1/65536 s. */
    aula_recv_stats_on_sr(&s, 0xAABBCCDDEEFF0011ull, 20000);
    aula_recv_stats_report(&s, 1, 20500, &rb);
    assert_int_equal(rb.lsr, 0xCCDDEEFF);
    assert_int_equal(rb.dlsr, 32768);
}

/* ---- loss repair ---------------------------------------------------------- */

static void add_producer_consumer(aula_media_engine *e, uint64_t pub_tid, uint64_t view_tid)
{
    producer_add(e, &(aula_media_producer_add){.producer_id = 30,
                                               .transport_id = pub_tid,
                                               .kind = AULA_MEDIA_VIDEO,
                                               .ssrc = 1111,
                                               .rtx_ssrc = 1112,
                                               .payload_type = 96,
                                               .rtx_payload_type = 97,
                                               .clock_rate = 90000});
    consumer_add(e, &(aula_media_consumer_add){.consumer_id = 40,
                                               .transport_id = view_tid,
                                               .producer_id = 30,
                                               .ssrc = 2222,
                                               .payload_type = 100});
}

static void send_seq(aula_media_engine *e, peer *pub, uint16_t seq, int want)
{
    uint8_t pkt[DGRAM_CAP];
    size_t len = make_rtp(pkt, 1111, seq);
    assert_int_equal(peer_send(e, pub, pkt, len, false), want);
}

/* The viewer NACKs viewer seqs pid and those set in blp. */
static void viewer_nack(aula_media_engine *e, peer *v, uint16_t pid, uint16_t blp)
{
    uint8_t pkt[DGRAM_CAP];
    size_t len;
    aula_rtcp_nack_item item = {pid, blp};
    assert_int_equal(aula_rtcp_build_nack(5, 2222, &item, 1, pkt, 200, &len), 0);
    assert_int_equal(peer_send(e, v, pkt, len, true), AULA_DROP_NONE);
}

/* An RTX packet (RFC 4588) carrying publisher packet osn. */
static size_t make_rtx(uint8_t *b, uint16_t rtx_seq, uint16_t osn)
{
    uint8_t orig[200];
    size_t len = make_rtp(orig, 1111, osn);
    memcpy(b, orig, 12);
    aula_rtp_set_ssrc(b, 1112);
    aula_rtp_set_payload_type(b, 97);
    aula_rtp_set_seq(b, rtx_seq);
    b[12] = (uint8_t)(osn >> 8);
    b[13] = (uint8_t)osn;
    memcpy(b + 14, orig + 12, len - 12);
    return len + 2;
}

/* The next datagram for v is lost on the way: v never unprotects it (its
 * SRTP replay check would refuse the retransmission otherwise). */
static void lose_next(peer *v)
{
    uint8_t pkt[DGRAM_CAP];
    size_t len;
    assert_true(take(&v->addr, pkt, &len));
}

static void expect_loss_stats(aula_media_engine *e, uint64_t served, uint64_t missed,
                              uint64_t recovered)
{
    aula_router_stats st;
    aula_media_engine_loss_stats(e, &st);
    assert_int_equal(st.rtx_served, served);
    assert_int_equal(st.rtx_missed, missed);
    assert_int_equal(st.rtx_recovered, recovered);
}

/* Viewer NACKs answered from the buffer across the 16-bit wrap, unknown
 * and old ones not; a gap from the publisher NACKed and reported in its
 * RR; the publisher's RTX forwarded as the original. */
static void loss_repair(void **state)
{
    (void)state;
    reset();
    aula_media_engine *e = aula_media_engine_create(identity, &engine_cb, NULL);
    aula_media_engine_set_timeouts(e, 60000, 10000);
    peer pub, view;
    peer_init(&pub, 11, 40011, "pubufrag2");
    peer_init(&view, 12, 40012, "viewufrag2");
    peer_connect(e, &pub, AULA_MEDIA_PUBLISH);
    peer_connect(e, &view, AULA_MEDIA_RECEIVE);
    add_producer_consumer(e, 11, 12);
    expect_pli(&pub, 1111);
    uint64_t t0 = now;

    /* 65530 .. 3, through the wrap. */
    for (uint16_t s = 65530; s != 4; s++)
        send_seq(e, &pub, s, AULA_DROP_NONE);
    for (uint16_t s = 65530; s != 4; s++) {
        if (s == 65534 || s == 1)
            lose_next(&view);
        else
            expect_forwarded(&view, s, s);
    }
    assert_int_equal(net_n, 0);

    /* The viewer lost 65534 and 1 (pid 65534, bit 2 of blp: 65534+3). */
    now += 20;
    viewer_nack(e, &view, 65534, 1u << 2);
    expect_forwarded(&view, 65534, 65534);
    expect_forwarded(&view, 1, 1);
    assert_int_equal(net_n, 0);
    expect_loss_stats(e, 2, 0, 0);

    /* Never sent (4, 200) and long before (65000): nothing. */
    viewer_nack(e, &view, 4, 0);
    viewer_nack(e, &view, 200, 0);
    viewer_nack(e, &view, 65000, 0);
    assert_int_equal(net_n, 0);
    expect_loss_stats(e, 2, 3, 0);
    /* Too old: more than a second in the buffer. */
    now = t0 + 1500;
    viewer_nack(e, &view, 2, 0);
    assert_int_equal(net_n, 0);
    expect_loss_stats(e, 2, 4, 0);
    /* The receiver reports are sent by the timer: not yet run. */

    /* The publisher's SR, for LSR/DLSR. */
    uint8_t pkt[DGRAM_CAP];
    size_t len;
    aula_rtcp_sr sr = {.ssrc = 1111, .ntp_time = 0x0000123456780000ull, .rtp_time = 1};
    assert_int_equal(aula_rtcp_build_sr(&sr, pkt, 200, &len), 0);
    assert_int_equal(peer_send(e, &pub, pkt, len, true), AULA_DROP_NONE);
    assert_true(peer_recv(&view, pkt, &len, true)); /* relayed */
    uint64_t sr_at = now;

    /* 4, 5 and 6 are lost on the way in: 7 brings a NACK for them. */
    send_seq(e, &pub, 7, AULA_DROP_NONE);
    expect_forwarded(&view, 7, 7);
    aula_rtcp_header h;
    assert_true(recv_rtcp_no_rr(&pub, pkt, &h));
    aula_rtcp_nack nack;
    assert_int_equal(aula_rtcp_parse_nack(&h, &nack), 0);
    assert_int_equal(nack.media_ssrc, 1111);
    uint16_t seqs[32];
    size_t n;
    aula_rtcp_nack_item items[8];
    for (n = 0; n < nack.item_count && n < 8; n++)
        items[n] = aula_rtcp_nack_item_at(&nack, n);
    size_t count;
    assert_int_equal(aula_rtcp_nack_to_seqs(items, n, seqs, 32, &count), 0);
    assert_int_equal(count, 3);
    assert_int_equal(seqs[0], 4);
    assert_int_equal(seqs[1], 5);
    assert_int_equal(seqs[2], 6);
    for (uint16_t s = 8; s < 14; s++) {
        send_seq(e, &pub, s, AULA_DROP_NONE);
        expect_forwarded(&view, s, s);
    }
    assert_int_equal(net_n, 0);

    /* The RR: 65530 .. 13 is 20 expected, 17 received. */
    now = sr_at + 250;
    run_timers(e);
    assert_true(peer_recv(&pub, pkt, &len, true));
    aula_rtcp_iter it;
    aula_rtcp_iter_init(&it, pkt, len);
    assert_int_equal(aula_rtcp_iter_next(&it, &h), 0);
    aula_rtcp_rr rr;
    assert_int_equal(aula_rtcp_parse_rr(&h, &rr), 0);
    assert_int_equal(rr.report_count, 1);
    assert_int_equal(rr.reports[0].ssrc, 1111);
    assert_int_equal(rr.reports[0].fraction_lost, 3 * 256 / 20);
    assert_int_equal(rr.reports[0].cumulative_lost, 3);
    assert_int_equal(rr.reports[0].highest_seq, 65536 + 13);
    assert_int_equal(rr.reports[0].lsr, 0x12345678);
    assert_int_equal(rr.reports[0].dlsr, 250 * 65536 / 1000);
    assert_int_equal(net_n, 0);

    /* 5 comes back as RTX and reaches the viewer as the original; the
     * buffer has it now; a duplicate and a padding-only probe go nowhere. */
    len = make_rtx(pkt, 300, 5);
    assert_int_equal(peer_send(e, &pub, pkt, len, false), AULA_DROP_NONE);
    lose_next(&view); /* 5, as the original */
    len = make_rtx(pkt, 301, 5);
    assert_int_equal(peer_send(e, &pub, pkt, len, false), AULA_DROP_NONE);
    assert_int_equal(net_n, 0);
    viewer_nack(e, &view, 5, 0);
    expect_forwarded(&view, 5, 5);
    len = make_rtx(pkt, 302, 6);
    pkt[0] |= 0x20; /* padding-only: P set, 14 bytes of padding after the header */
    pkt[12 + 13] = 14;
    assert_int_equal(peer_send(e, &pub, pkt, 26, false), AULA_DROP_RTX_UNSUPPORTED);
    assert_int_equal(net_n, 0);
    /* Older than the buffer (a bandwidth probe), or ahead of the stream. */
    len = make_rtx(pkt, 303, (uint16_t)(13 - 600));
    assert_int_equal(peer_send(e, &pub, pkt, len, false), AULA_DROP_RTX_UNSUPPORTED);
    len = make_rtx(pkt, 304, 14);
    assert_int_equal(peer_send(e, &pub, pkt, len, false), AULA_DROP_RTX_UNSUPPORTED);
    assert_int_equal(net_n, 0);
    expect_loss_stats(e, 3, 4, 1);

    /* The next RR shows only this interval: nothing lost since (the RTX
     * does not count), 0 fraction, still 3 cumulative. */
    now += 1000;
    run_timers(e);
    assert_true(peer_recv(&pub, pkt, &len, true));
    aula_rtcp_iter_init(&it, pkt, len);
    assert_int_equal(aula_rtcp_iter_next(&it, &h), 0);
    assert_int_equal(aula_rtcp_parse_rr(&h, &rr), 0);
    assert_int_equal(rr.reports[0].fraction_lost, 0);
    assert_int_equal(rr.reports[0].cumulative_lost, 3);

    /* After a pause the viewer's seq goes on from 13: publisher 16 is
     * viewer 14. A NACK maps back through that offset, and one for a
     * packet from before the pause is not mistaken for a newer one. */
    send_cmd(e, AULA_MEDIA_PRODUCER_PAUSE, 30, 1);
    send_seq(e, &pub, 14, AULA_DROP_PRODUCER_PAUSED);
    send_seq(e, &pub, 15, AULA_DROP_PRODUCER_PAUSED);
    send_cmd(e, AULA_MEDIA_PRODUCER_PAUSE, 30, 0);
    send_seq(e, &pub, 16, AULA_DROP_NONE);
    send_seq(e, &pub, 17, AULA_DROP_NONE);
    lose_next(&view);
    lose_next(&view);
    viewer_nack(e, &view, 14, 1); /* 14 and 15 */
    expect_forwarded(&view, 14, 16);
    expect_forwarded(&view, 15, 17);
    viewer_nack(e, &view, 12, 0); /* maps to 14, never sent to the viewer */
    assert_int_equal(net_n, 0);
    expect_loss_stats(e, 5, 5, 1);

    /* A NACK for 85 packets gets at most 64 of them. */
    for (uint16_t q = 18; q < 118; q++) {
        send_seq(e, &pub, q, AULA_DROP_NONE);
        lose_next(&view);
    }
    aula_rtcp_nack_item many[5];
    for (uint16_t i = 0; i < 5; i++)
        many[i] = (aula_rtcp_nack_item){(uint16_t)(16 + 17 * i), 0xffff};
    assert_int_equal(aula_rtcp_build_nack(5, 2222, many, 5, pkt, 200, &len), 0);
    assert_int_equal(peer_send(e, &view, pkt, len, true), AULA_DROP_NONE);
    assert_int_equal(net_n, 64);
    expect_forwarded(&view, 16, 18);
    net_n = 0;
    expect_loss_stats(e, 5 + 64, 5 + 21, 1);

    aula_media_engine_destroy(e);
    peer_free(&pub);
    peer_free(&view);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(buffer_wraps),          cmocka_unit_test(rtx_unwrap),
        cmocka_unit_test(stats_losses_and_wrap), cmocka_unit_test(stats_jitter_and_sr),
        cmocka_unit_test(loss_repair),
    };
    return cmocka_run_group_tests(tests, peer_group_setup, peer_group_teardown);
}
