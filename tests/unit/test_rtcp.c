/* RTCP compound iteration, parsers and builders (rtc/rtcp). */
#include "core/error.h"
#include "rtc/rtcp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

/* An RR with one report block followed by a REMB, the compound shape a
 * Chromium receiver sends: fraction 5/256, cumulative loss -2 (duplicates),
 * REMB of 250000 << 2 = 1 Mbit/s for one SSRC. */
static const uint8_t rr_remb[] = {
    0x81, 0xc9, 0x00, 0x07, 0x00, 0x00, 0x00, 0x01, 0x12, 0x34, 0x56, 0x78, 0x05, 0xff,
    0xff, 0xfe, 0x00, 0x01, 0x1a, 0x2b, 0x00, 0x00, 0x00, 0x20, 0xa1, 0xb2, 0xc3, 0xd4,
    0x00, 0x00, 0x10, 0x00, 0x8f, 0xce, 0x00, 0x05, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00,
    0x00, 0x00, 'R',  'E',  'M',  'B',  0x01, 0x0b, 0xd0, 0x90, 0x12, 0x34, 0x56, 0x78,
};

/* An SR with one report block, checked field by field below. */
static const uint8_t sr_one_block[] = {
    0x81, 0xc8, 0x00, 0x0c, 0x11, 0x22, 0x33, 0x44, 0xe8, 0x4c, 0x5a, 0x10, 0x80,
    0x00, 0x00, 0x00, 0x00, 0x01, 0xe2, 0x40, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00,
    0x3a, 0x98, 0x55, 0x66, 0x77, 0x88, 0x19, 0x00, 0x00, 0x03, 0x00, 0x00, 0x03,
    0xe8, 0x00, 0x00, 0x00, 0x0a, 0x5a, 0x10, 0x80, 0x00, 0x00, 0x01, 0x00, 0x00,
};

/* REMB from libwebrtc's remb_unittest: 0x3fb93 << 1 bps for three SSRCs. */
static const uint8_t remb_webrtc[] = {
    0x8f, 206,  0x00, 0x07, 0x12, 0x34, 0x56, 0x78, 0x00, 0x00, 0x00, 0x00, 'R',  'E',  'M',  'B',
    0x03, 0x07, 0xfb, 0x93, 0x23, 0x45, 0x67, 0x89, 0x23, 0x45, 0x67, 0x8a, 0x23, 0x45, 0x67, 0x8b,
};

/* Transport-cc feedbacks as Chromium sends them (padding bit set), from the
 * pion/rtcp test vectors: one run length chunk; one 1-bit status vector; a
 * 2-bit status vector with a large delta followed by a run length chunk.
 * The 1-bit one carries the padding count 2 of pion's marshal test: its
 * unmarshal copy says 3, which would swallow the last receive delta. */
static const uint8_t twcc_run[] = {
    0xaf, 0xcd, 0x00, 0x05, 0xfa, 0x17, 0xfa, 0x17, 0x43, 0x03, 0x2f, 0xa0,
    0x00, 0x99, 0x00, 0x01, 0x3d, 0xe8, 0x02, 0x17, 0x20, 0x01, 0x94, 0x01,
};
static const uint8_t twcc_vec1[] = {
    0xaf, 0xcd, 0x00, 0x06, 0xfa, 0x17, 0xfa, 0x17, 0x19, 0x3d, 0xd8, 0xbb, 0x00, 0x01,
    0x00, 0x0e, 0x10, 0x63, 0x6d, 0x00, 0xba, 0x00, 0x10, 0x0c, 0x0c, 0x10, 0x00, 0x02,
};
static const uint8_t twcc_vec2_run[] = {
    0xaf, 0xcd, 0x00, 0x07, 0x9b, 0x74, 0xf6, 0x1f, 0x93, 0x71, 0xdc, 0xbc, 0x85, 0x3c, 0x00, 0x09,
    0x63, 0xf9, 0x16, 0xb3, 0xd5, 0x52, 0x00, 0x30, 0x9b, 0xaa, 0x6a, 0xaa, 0x7b, 0x01, 0x09, 0x01,
};

/* Reads the single packet of buf into *h, failing the test otherwise. */
static void one_packet(const uint8_t *buf, size_t len, aula_rtcp_header *h)
{
    aula_rtcp_iter it;
    aula_rtcp_iter_init(&it, buf, len);
    aula_rtcp_header rest;
    assert_int_equal(aula_rtcp_iter_next(&it, h), 0);
    assert_int_equal(aula_rtcp_iter_next(&it, &rest), AULA_ENOENT);
}

/* Struct padding is unspecified, so report blocks are compared by field. */
static void assert_blocks_equal(const aula_rtcp_report_block *a, const aula_rtcp_report_block *b,
                                unsigned n)
{
    for (unsigned i = 0; i < n; i++) {
        assert_int_equal(a[i].ssrc, b[i].ssrc);
        assert_int_equal(a[i].fraction_lost, b[i].fraction_lost);
        assert_int_equal(a[i].cumulative_lost, b[i].cumulative_lost);
        assert_int_equal(a[i].highest_seq, b[i].highest_seq);
        assert_int_equal(a[i].jitter, b[i].jitter);
        assert_int_equal(a[i].lsr, b[i].lsr);
        assert_int_equal(a[i].dlsr, b[i].dlsr);
    }
}

static void compound_rr_remb(void **state)
{
    (void)state;
    assert_int_equal(aula_rtcp_validate(rr_remb, sizeof rr_remb), 0);
    aula_rtcp_iter it;
    aula_rtcp_header h;
    aula_rtcp_iter_init(&it, rr_remb, sizeof rr_remb);

    assert_int_equal(aula_rtcp_iter_next(&it, &h), 0);
    assert_int_equal(h.type, AULA_RTCP_RR);
    assert_int_equal(h.size, 32);
    aula_rtcp_rr rr;
    assert_int_equal(aula_rtcp_parse_rr(&h, &rr), 0);
    assert_int_equal(rr.ssrc, 1);
    assert_int_equal(rr.report_count, 1);
    assert_int_equal(rr.reports[0].ssrc, 0x12345678);
    assert_int_equal(rr.reports[0].fraction_lost, 5);
    assert_int_equal(rr.reports[0].cumulative_lost, -2);
    assert_int_equal(rr.reports[0].highest_seq, 0x00011a2b);
    assert_int_equal(rr.reports[0].jitter, 0x20);
    assert_int_equal(rr.reports[0].lsr, 0xa1b2c3d4);
    assert_int_equal(rr.reports[0].dlsr, 0x1000);

    assert_int_equal(aula_rtcp_iter_next(&it, &h), 0);
    assert_int_equal(h.type, AULA_RTCP_PSFB);
    assert_int_equal(h.count, AULA_RTCP_FMT_AFB);
    aula_rtcp_remb remb;
    assert_int_equal(aula_rtcp_parse_remb(&h, &remb), 0);
    assert_int_equal(remb.sender_ssrc, 1);
    assert_int_equal(remb.bitrate_bps, 1000000);
    assert_int_equal(remb.ssrc_count, 1);
    assert_int_equal(remb.ssrcs[0], 0x12345678);

    assert_int_equal(aula_rtcp_iter_next(&it, &h), AULA_ENOENT);
}

static void sr_with_one_report_block(void **state)
{
    (void)state;
    aula_rtcp_header h;
    one_packet(sr_one_block, sizeof sr_one_block, &h);
    aula_rtcp_sr sr;
    assert_int_equal(aula_rtcp_parse_sr(&h, &sr), 0);
    assert_int_equal(sr.ssrc, 0x11223344);
    assert_true(sr.ntp_time == 0xe84c5a1080000000ull);
    assert_int_equal(sr.rtp_time, 123456);
    assert_int_equal(sr.packet_count, 100);
    assert_int_equal(sr.octet_count, 15000);
    assert_int_equal(sr.report_count, 1);
    assert_int_equal(sr.reports[0].ssrc, 0x55667788);
    assert_int_equal(sr.reports[0].fraction_lost, 25);
    assert_int_equal(sr.reports[0].cumulative_lost, 3);
    assert_int_equal(sr.reports[0].highest_seq, 1000);
    assert_int_equal(sr.reports[0].jitter, 10);
    assert_int_equal(sr.reports[0].lsr, 0x5a108000);
    assert_int_equal(sr.reports[0].dlsr, 0x10000);
    /* Not an RR. */
    aula_rtcp_rr rr;
    assert_int_equal(aula_rtcp_parse_rr(&h, &rr), AULA_EPROTO);

    /* Building it back gives the same bytes. */
    uint8_t out[64];
    size_t n = 0;
    assert_int_equal(aula_rtcp_build_sr(&sr, out, sizeof out, &n), 0);
    assert_int_equal(n, sizeof sr_one_block);
    assert_memory_equal(out, sr_one_block, n);
    assert_int_equal(aula_rtcp_build_sr(&sr, out, n - 1, &n), AULA_ETOOBIG);
}

static void remb_vector(void **state)
{
    (void)state;
    aula_rtcp_header h;
    one_packet(remb_webrtc, sizeof remb_webrtc, &h);
    aula_rtcp_remb r;
    assert_int_equal(aula_rtcp_parse_remb(&h, &r), 0);
    assert_int_equal(r.sender_ssrc, 0x12345678);
    assert_int_equal(r.bitrate_bps, 0x3fb93 * 2);
    assert_int_equal(r.ssrc_count, 3);
    assert_int_equal(r.ssrcs[2], 0x2345678b);
    uint8_t out[64];
    size_t n = 0;
    assert_int_equal(aula_rtcp_build_remb(&r, out, sizeof out, &n), 0);
    assert_int_equal(n, sizeof remb_webrtc);
    assert_memory_equal(out, remb_webrtc, n);

    /* A 64-bit bitrate keeps its top 18 bits; a huge exponent saturates. */
    r.bitrate_bps = 0x3fb93ull << 30;
    assert_int_equal(aula_rtcp_build_remb(&r, out, sizeof out, &n), 0);
    one_packet(out, n, &h);
    aula_rtcp_remb back;
    assert_int_equal(aula_rtcp_parse_remb(&h, &back), 0);
    assert_true(back.bitrate_bps == 0x3fb93ull << 30);
    out[17] = 0xff; /* exponent 63 */
    assert_int_equal(aula_rtcp_parse_remb(&h, &back), 0);
    assert_true(back.bitrate_bps == UINT64_MAX);

    /* Another application layer feedback is not a REMB. */
    uint8_t afb[sizeof remb_webrtc];
    memcpy(afb, remb_webrtc, sizeof afb);
    afb[12] = 'X';
    one_packet(afb, sizeof afb, &h);
    assert_int_equal(aula_rtcp_parse_remb(&h, &back), AULA_ENOENT);
    /* An SSRC list longer than the packet. */
    memcpy(afb, remb_webrtc, sizeof afb);
    afb[16] = 4;
    one_packet(afb, sizeof afb, &h);
    assert_int_equal(aula_rtcp_parse_remb(&h, &back), AULA_EPROTO);
}

/* Collects every status of a feedback. */
static size_t twcc_collect(const aula_rtcp_twcc *fb, aula_rtcp_twcc_packet *out, size_t cap)
{
    aula_rtcp_twcc_iter it;
    aula_rtcp_twcc_iter_init(&it, fb);
    size_t n = 0;
    int rc;
    while (n < cap && (rc = aula_rtcp_twcc_iter_next(&it, &out[n])) == 0)
        n++;
    assert_int_equal(aula_rtcp_twcc_iter_next(&it, &out[0]), AULA_ENOENT);
    return n;
}

static void twcc_draft_vectors(void **state)
{
    (void)state;
    aula_rtcp_header h;
    aula_rtcp_twcc fb;
    aula_rtcp_twcc_packet p[64];

    one_packet(twcc_run, sizeof twcc_run, &h);
    assert_true(h.padding);
    assert_int_equal(h.padding_len, 1);
    assert_int_equal(aula_rtcp_parse_twcc(&h, &fb), 0);
    assert_int_equal(fb.sender_ssrc, 4195875351u);
    assert_int_equal(fb.media_ssrc, 1124282272u);
    assert_int_equal(fb.base_seq, 153);
    assert_int_equal(fb.status_count, 1);
    assert_int_equal(fb.reference_time, 4057090);
    assert_int_equal(fb.fb_pkt_count, 23);
    assert_int_equal(twcc_collect(&fb, p, 64), 1);
    assert_int_equal(p[0].seq, 153);
    assert_int_equal(p[0].status, AULA_TWCC_SMALL_DELTA);
    assert_int_equal(p[0].delta * AULA_TWCC_DELTA_US, 37000);

    /* 1-bit vector: received x3, lost, received, lost x9. */
    one_packet(twcc_vec1, sizeof twcc_vec1, &h);
    assert_int_equal(aula_rtcp_parse_twcc(&h, &fb), 0);
    assert_int_equal(fb.base_seq, 1);
    assert_int_equal(fb.status_count, 14);
    assert_int_equal(fb.reference_time, 1074029);
    assert_int_equal(twcc_collect(&fb, p, 64), 14);
    const uint8_t st1[14] = {1, 1, 1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    const int32_t d1[14] = {16, 12, 12, 0, 16};
    for (int i = 0; i < 14; i++) {
        assert_int_equal(p[i].seq, 1 + i);
        assert_int_equal(p[i].status, st1[i]);
        assert_int_equal(p[i].delta, d1[i]);
    }

    /* 2-bit vector (5 small, lost, large) then a run of 48 lost of which
     * only 2 are counted. */
    one_packet(twcc_vec2_run, sizeof twcc_vec2_run, &h);
    assert_int_equal(aula_rtcp_parse_twcc(&h, &fb), 0);
    assert_int_equal(fb.base_seq, 34108);
    assert_int_equal(fb.status_count, 9);
    assert_int_equal(fb.reference_time, 6551830);
    assert_int_equal(fb.fb_pkt_count, 179);
    assert_int_equal(fb.chunks_len, 4);
    assert_int_equal(fb.deltas_len, 7);
    assert_int_equal(twcc_collect(&fb, p, 64), 9);
    const uint8_t st2[9] = {1, 1, 1, 1, 1, 0, 2, 0, 0};
    const int32_t us2[9] = {38750, 42500, 26500, 42500, 30750, 0, 66250, 0, 0};
    for (int i = 0; i < 9; i++) {
        assert_int_equal(p[i].status, st2[i]);
        assert_int_equal(p[i].delta * AULA_TWCC_DELTA_US, us2[i]);
    }
}

static void twcc_malformed(void **state)
{
    (void)state;
    aula_rtcp_header h;
    aula_rtcp_twcc fb;
    uint8_t b[sizeof twcc_vec2_run];

    /* Status count 0. */
    memcpy(b, twcc_vec2_run, sizeof b);
    b[14] = b[15] = 0;
    one_packet(b, sizeof b, &h);
    assert_int_equal(aula_rtcp_parse_twcc(&h, &fb), AULA_EPROTO);
    /* A reserved 2-bit symbol. */
    memcpy(b, twcc_vec2_run, sizeof b);
    b[20] = 0xf5;
    one_packet(b, sizeof b, &h);
    assert_int_equal(aula_rtcp_parse_twcc(&h, &fb), AULA_EPROTO);
    /* More statuses than the chunks can describe. */
    memcpy(b, twcc_vec2_run, sizeof b);
    b[15] = 200;
    one_packet(b, sizeof b, &h);
    assert_int_equal(aula_rtcp_parse_twcc(&h, &fb), AULA_EPROTO);
    /* Deltas cut off: the run of lost becomes a run of large deltas. */
    memcpy(b, twcc_vec2_run, sizeof b);
    b[22] = 0x40;
    one_packet(b, sizeof b, &h);
    assert_int_equal(aula_rtcp_parse_twcc(&h, &fb), AULA_EPROTO);
    /* FCI shorter than its fixed part. */
    uint8_t shortfb[] = {0x8f, 0xcd, 0x00, 0x03, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0, 1};
    one_packet(shortfb, sizeof shortfb, &h);
    assert_int_equal(aula_rtcp_parse_twcc(&h, &fb), AULA_EPROTO);
    /* Wrong FMT. */
    memcpy(b, twcc_vec2_run, sizeof b);
    b[0] = 0xa1;
    one_packet(b, sizeof b, &h);
    assert_int_equal(aula_rtcp_parse_twcc(&h, &fb), AULA_EPROTO);
}

static void twcc_round_trip(void **state)
{
    (void)state;
    /* 20 small (a run), a mixed stretch with large and negative deltas, 16
     * lost (a run), then a 1-bit stretch. */
    aula_rtcp_twcc_packet in[60];
    size_t n = 0;
    for (int i = 0; i < 20; i++)
        in[n++] = (aula_rtcp_twcc_packet){0, AULA_TWCC_SMALL_DELTA, i * 10};
    in[n++] = (aula_rtcp_twcc_packet){0, AULA_TWCC_LARGE_DELTA, -4};
    in[n++] = (aula_rtcp_twcc_packet){0, AULA_TWCC_NOT_RECEIVED, 0};
    in[n++] = (aula_rtcp_twcc_packet){0, AULA_TWCC_LARGE_DELTA, 32767};
    in[n++] = (aula_rtcp_twcc_packet){0, AULA_TWCC_SMALL_DELTA, 255};
    in[n++] = (aula_rtcp_twcc_packet){0, AULA_TWCC_LARGE_DELTA, -32768};
    for (int i = 0; i < 16; i++)
        in[n++] = (aula_rtcp_twcc_packet){0, AULA_TWCC_NOT_RECEIVED, 0};
    for (int i = 0; i < 10; i++)
        in[n++] = (aula_rtcp_twcc_packet){0, (uint8_t)(i % 3 == 0 ? 0 : 1), i % 3 == 0 ? 0 : i};

    aula_rtcp_twcc hdr = {.sender_ssrc = 7,
                          .media_ssrc = 9,
                          .base_seq = 65530,
                          .reference_time = -5,
                          .fb_pkt_count = 200};
    uint8_t buf[256];
    size_t len = 0;
    assert_int_equal(aula_rtcp_build_twcc(&hdr, in, n, buf, sizeof buf, &len), 0);
    assert_int_equal(len % 4, 0);
    assert_int_equal(aula_rtcp_validate(buf, len), 0);
    assert_int_equal(aula_rtcp_build_twcc(&hdr, in, n, buf, len - 1, &len), AULA_ETOOBIG);
    assert_int_equal(aula_rtcp_build_twcc(&hdr, in, n, buf, sizeof buf, &len), 0);

    aula_rtcp_header h;
    aula_rtcp_twcc fb;
    one_packet(buf, len, &h);
    assert_int_equal(aula_rtcp_parse_twcc(&h, &fb), 0);
    assert_int_equal(fb.sender_ssrc, 7);
    assert_int_equal(fb.media_ssrc, 9);
    assert_int_equal(fb.base_seq, 65530);
    assert_int_equal(fb.reference_time, -5);
    assert_int_equal(fb.fb_pkt_count, 200);
    assert_int_equal(fb.status_count, n);
    aula_rtcp_twcc_packet out[60];
    assert_int_equal(twcc_collect(&fb, out, 60), n);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(out[i].seq, (uint16_t)(65530 + i));
        assert_int_equal(out[i].status, in[i].status);
        assert_int_equal(out[i].delta, in[i].delta);
    }

    /* A status that cannot carry its delta. */
    in[0].delta = 256;
    assert_int_equal(aula_rtcp_build_twcc(&hdr, in, n, buf, sizeof buf, &len), AULA_EINVAL);
    in[0] = (aula_rtcp_twcc_packet){0, 3, 0};
    assert_int_equal(aula_rtcp_build_twcc(&hdr, in, n, buf, sizeof buf, &len), AULA_EINVAL);
    assert_int_equal(aula_rtcp_build_twcc(&hdr, in, 0, buf, sizeof buf, &len), AULA_EINVAL);
}

static void report_round_trips(void **state)
{
    (void)state;
    aula_rtcp_rr rr = {.ssrc = 0xabcdef01, .report_count = 31};
    for (int i = 0; i < 31; i++)
        rr.reports[i] = (aula_rtcp_report_block){
            (uint32_t)i, (uint8_t)i, -i * 1000, (uint32_t)i << 16, 7, 8, 9};
    rr.reports[3].cumulative_lost = -0x800000;
    rr.reports[4].cumulative_lost = 0x7fffff;
    uint8_t buf[1024];
    size_t len = 0;
    assert_int_equal(aula_rtcp_build_rr(&rr, buf, sizeof buf, &len), 0);
    assert_int_equal(len, 8 + 31 * 24);
    aula_rtcp_header h;
    one_packet(buf, len, &h);
    aula_rtcp_rr rr2;
    assert_int_equal(aula_rtcp_parse_rr(&h, &rr2), 0);
    assert_int_equal(rr2.ssrc, rr.ssrc);
    assert_int_equal(rr2.report_count, 31);
    assert_blocks_equal(rr.reports, rr2.reports, 31);

    /* Losses beyond 24 bits are clamped. */
    rr.report_count = 1;
    rr.reports[0].cumulative_lost = 0x1000000;
    assert_int_equal(aula_rtcp_build_rr(&rr, buf, sizeof buf, &len), 0);
    one_packet(buf, len, &h);
    assert_int_equal(aula_rtcp_parse_rr(&h, &rr2), 0);
    assert_int_equal(rr2.reports[0].cumulative_lost, 0x7fffff);

    /* An empty RR, and too many reports. */
    rr.report_count = 0;
    assert_int_equal(aula_rtcp_build_rr(&rr, buf, sizeof buf, &len), 0);
    assert_int_equal(len, 8);
    rr.report_count = 32;
    assert_int_equal(aula_rtcp_build_rr(&rr, buf, sizeof buf, &len), AULA_EINVAL);

    aula_rtcp_sr sr = {.ssrc = 1,
                       .ntp_time = 0x0102030405060708ull,
                       .rtp_time = 3,
                       .packet_count = 4,
                       .octet_count = 5,
                       .report_count = 2};
    sr.reports[1].ssrc = 99;
    assert_int_equal(aula_rtcp_build_sr(&sr, buf, sizeof buf, &len), 0);
    one_packet(buf, len, &h);
    aula_rtcp_sr sr2;
    assert_int_equal(aula_rtcp_parse_sr(&h, &sr2), 0);
    assert_int_equal(sr2.ssrc, sr.ssrc);
    assert_true(sr2.ntp_time == sr.ntp_time);
    assert_int_equal(sr2.rtp_time, sr.rtp_time);
    assert_int_equal(sr2.packet_count, sr.packet_count);
    assert_int_equal(sr2.octet_count, sr.octet_count);
    assert_int_equal(sr2.report_count, 2);
    assert_blocks_equal(sr.reports, sr2.reports, 2);
}

static void sdes_and_bye(void **state)
{
    (void)state;
    const uint8_t hand[] = {0x81, 0xca, 0x00, 0x03, 0x11, 0x22, 0x33, 0x44,
                            0x01, 0x04, 'a',  'b',  'c',  'd',  0x00, 0x00};
    aula_rtcp_header h;
    aula_rtcp_sdes s;
    one_packet(hand, sizeof hand, &h);
    assert_int_equal(aula_rtcp_parse_sdes(&h, &s), 0);
    assert_int_equal(s.chunk_count, 1);
    assert_int_equal(s.chunks[0].ssrc, 0x11223344);
    assert_int_equal(s.chunks[0].cname_len, 4);
    assert_memory_equal(s.chunks[0].cname, "abcd", 4);

    /* Round trip: three chunks with CNAMEs of lengths that need 0..3 bytes
     * of null padding, and one without. */
    aula_rtcp_sdes in = {.chunk_count = 4};
    const char *names[] = {"x", "{2c5b0f7a-aa}", "", NULL};
    for (int i = 0; i < 4; i++) {
        in.chunks[i].ssrc = 100u + (unsigned)i;
        in.chunks[i].cname = (const uint8_t *)names[i];
        in.chunks[i].cname_len = names[i] ? (uint8_t)strlen(names[i]) : 0;
    }
    uint8_t buf[256];
    size_t len = 0;
    assert_int_equal(aula_rtcp_build_sdes(&in, buf, sizeof buf, &len), 0);
    assert_int_equal(len % 4, 0);
    one_packet(buf, len, &h);
    assert_int_equal(aula_rtcp_parse_sdes(&h, &s), 0);
    assert_int_equal(s.chunk_count, 4);
    for (int i = 0; i < 4; i++) {
        assert_int_equal(s.chunks[i].ssrc, in.chunks[i].ssrc);
        assert_int_equal(s.chunks[i].cname_len, in.chunks[i].cname_len);
        if (names[i])
            assert_memory_equal(s.chunks[i].cname, names[i], in.chunks[i].cname_len);
        else
            assert_null(s.chunks[i].cname);
    }
    assert_int_equal(aula_rtcp_build_sdes(&in, buf, len - 4, &len), AULA_ETOOBIG);

    /* An item running past the packet, and a chunk without END. */
    uint8_t bad[sizeof hand];
    memcpy(bad, hand, sizeof bad);
    bad[9] = 9;
    one_packet(bad, sizeof bad, &h);
    assert_int_equal(aula_rtcp_parse_sdes(&h, &s), AULA_EPROTO);
    memcpy(bad, hand, sizeof bad);
    bad[9] = 5;
    bad[14] = 'e';
    bad[15] = 'f';
    one_packet(bad, sizeof bad, &h);
    assert_int_equal(aula_rtcp_parse_sdes(&h, &s), AULA_EPROTO);

    aula_rtcp_bye bye = {.ssrc_count = 2, .ssrcs = {5, 6}};
    bye.reason = (const uint8_t *)"bye now";
    bye.reason_len = 7;
    assert_int_equal(aula_rtcp_build_bye(&bye, buf, sizeof buf, &len), 0);
    assert_int_equal(len, 4 + 8 + 8);
    one_packet(buf, len, &h);
    aula_rtcp_bye b2;
    assert_int_equal(aula_rtcp_parse_bye(&h, &b2), 0);
    assert_int_equal(b2.ssrc_count, 2);
    assert_int_equal(b2.ssrcs[1], 6);
    assert_int_equal(b2.reason_len, 7);
    assert_memory_equal(b2.reason, "bye now", 7);
    bye.reason = NULL;
    assert_int_equal(aula_rtcp_build_bye(&bye, buf, sizeof buf, &len), 0);
    one_packet(buf, len, &h);
    assert_int_equal(aula_rtcp_parse_bye(&h, &b2), 0);
    assert_null(b2.reason);
    /* SC larger than the packet. */
    buf[0] = 0x83;
    one_packet(buf, len, &h);
    assert_int_equal(aula_rtcp_parse_bye(&h, &b2), AULA_EPROTO);
}

static void pli_fir_nack_round_trips(void **state)
{
    (void)state;
    uint8_t buf[256];
    size_t len = 0;
    aula_rtcp_header h;

    assert_int_equal(aula_rtcp_build_pli(1, 2, buf, sizeof buf, &len), 0);
    assert_int_equal(len, 12);
    const uint8_t pli[] = {0x81, 0xce, 0x00, 0x02, 0, 0, 0, 1, 0, 0, 0, 2};
    assert_memory_equal(buf, pli, 12);
    one_packet(buf, len, &h);
    aula_rtcp_fb fb;
    assert_int_equal(aula_rtcp_parse_pli(&h, &fb), 0);
    assert_int_equal(fb.sender_ssrc, 1);
    assert_int_equal(fb.media_ssrc, 2);
    assert_int_equal(fb.fci_len, 0);
    assert_int_equal(aula_rtcp_build_pli(1, 2, buf, 11, &len), AULA_ETOOBIG);

    aula_rtcp_fir_entry fe[2] = {{0xaabbccdd, 7}, {0x01020304, 255}};
    assert_int_equal(aula_rtcp_build_fir(3, fe, 2, buf, sizeof buf, &len), 0);
    assert_int_equal(len, 28);
    one_packet(buf, len, &h);
    aula_rtcp_fir fir;
    assert_int_equal(aula_rtcp_parse_pli(&h, &fb), AULA_EPROTO);
    assert_int_equal(aula_rtcp_parse_fir(&h, &fir), 0);
    assert_int_equal(fir.sender_ssrc, 3);
    assert_int_equal(fir.media_ssrc, 0);
    assert_int_equal(fir.entry_count, 2);
    for (size_t i = 0; i < 2; i++) {
        aula_rtcp_fir_entry e = aula_rtcp_fir_entry_at(&fir, i);
        assert_int_equal(e.ssrc, fe[i].ssrc);
        assert_int_equal(e.seq, fe[i].seq);
    }
    assert_int_equal(aula_rtcp_build_fir(3, fe, 0, buf, sizeof buf, &len), AULA_EINVAL);

    aula_rtcp_nack_item items[3] = {{65535, 0x8001}, {10, 0}, {1000, 0xffff}};
    assert_int_equal(aula_rtcp_build_nack(4, 5, items, 3, buf, sizeof buf, &len), 0);
    assert_int_equal(len, 24);
    one_packet(buf, len, &h);
    aula_rtcp_nack nack;
    assert_int_equal(aula_rtcp_parse_nack(&h, &nack), 0);
    assert_int_equal(nack.sender_ssrc, 4);
    assert_int_equal(nack.media_ssrc, 5);
    assert_int_equal(nack.item_count, 3);
    for (size_t i = 0; i < 3; i++) {
        aula_rtcp_nack_item it = aula_rtcp_nack_item_at(&nack, i);
        assert_int_equal(it.pid, items[i].pid);
        assert_int_equal(it.blp, items[i].blp);
    }
    assert_int_equal(aula_rtcp_build_nack(4, 5, items, 3, buf, 23, &len), AULA_ETOOBIG);
    /* A NACK with no items is malformed. */
    assert_int_equal(aula_rtcp_build_pli(4, 5, buf, sizeof buf, &len), 0);
    buf[0] = 0x81;
    buf[1] = AULA_RTCP_RTPFB;
    one_packet(buf, len, &h);
    assert_int_equal(aula_rtcp_parse_nack(&h, &nack), AULA_EPROTO);
}

static void nack_seqs_across_wrap(void **state)
{
    (void)state;
    const uint16_t seqs[] = {65534, 65535, 0, 1, 1, 17, 40, 56};
    aula_rtcp_nack_item items[8];
    size_t n = 0;
    assert_int_equal(aula_rtcp_nack_from_seqs(seqs, 8, items, 8, &n), 0);
    assert_int_equal(n, 3);
    assert_int_equal(items[0].pid, 65534);
    assert_int_equal(items[0].blp, 0x0007);
    assert_int_equal(items[1].pid, 17);
    assert_int_equal(items[1].blp, 0);
    assert_int_equal(items[2].pid, 40);
    assert_int_equal(items[2].blp, 0x8000);
    assert_int_equal(aula_rtcp_nack_from_seqs(seqs, 8, items, 2, &n), AULA_ETOOBIG);

    uint16_t back[64];
    size_t m = 0;
    assert_int_equal(aula_rtcp_nack_from_seqs(seqs, 8, items, 8, &n), 0);
    assert_int_equal(aula_rtcp_nack_to_seqs(items, n, back, 64, &m), 0);
    const uint16_t want[] = {65534, 65535, 0, 1, 17, 40, 56};
    assert_int_equal(m, 7);
    assert_memory_equal(back, want, sizeof want);
    assert_int_equal(aula_rtcp_nack_to_seqs(items, n, back, 6, &m), AULA_ETOOBIG);

    /* A full item expands to 17 numbers, wrapping. */
    aula_rtcp_nack_item full = {65530, 0xffff};
    uint16_t one[17];
    assert_int_equal(aula_rtcp_nack_item_seqs(full, one), 17);
    for (int i = 0; i < 17; i++)
        assert_int_equal(one[i], (uint16_t)(65530 + i));
    /* And packs back into one item. */
    assert_int_equal(aula_rtcp_nack_from_seqs(one, 17, items, 8, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(items[0].pid, 65530);
    assert_int_equal(items[0].blp, 0xffff);
}

static void malformed_compounds(void **state)
{
    (void)state;
    aula_rtcp_iter it;
    aula_rtcp_header h;
    uint8_t b[sizeof rr_remb];

    assert_int_equal(aula_rtcp_validate(rr_remb, 0), AULA_EPROTO);
    /* Truncated: a header cut short, and a packet cut short. */
    assert_int_equal(aula_rtcp_validate(rr_remb, 3), AULA_EPROTO);
    assert_int_equal(aula_rtcp_validate(rr_remb, 31), AULA_EPROTO);
    assert_int_equal(aula_rtcp_validate(rr_remb, sizeof rr_remb - 4), AULA_EPROTO);
    /* Length overrun. */
    memcpy(b, rr_remb, sizeof b);
    b[35] = 0x06;
    assert_int_equal(aula_rtcp_validate(b, sizeof b), AULA_EPROTO);
    /* Version 1 in the second packet; the iterator returns the first. */
    memcpy(b, rr_remb, sizeof b);
    b[32] = 0x4f;
    aula_rtcp_iter_init(&it, b, sizeof b);
    assert_int_equal(aula_rtcp_iter_next(&it, &h), 0);
    assert_int_equal(aula_rtcp_iter_next(&it, &h), AULA_EPROTO);
    assert_int_equal(aula_rtcp_validate(b, sizeof b), AULA_EPROTO);
    /* Padding on a packet that is not the last. */
    memcpy(b, rr_remb, sizeof b);
    b[0] = 0xa1;
    b[31] = 4;
    assert_int_equal(aula_rtcp_validate(b, sizeof b), AULA_EPROTO);
    /* Padding count 0, and larger than the body, on the last packet. */
    memcpy(b, rr_remb, sizeof b);
    b[32] = 0xaf;
    b[sizeof b - 1] = 0;
    assert_int_equal(aula_rtcp_validate(b, sizeof b), AULA_EPROTO);
    b[sizeof b - 1] = 21;
    assert_int_equal(aula_rtcp_validate(b, sizeof b), AULA_EPROTO);
    b[sizeof b - 1] = 20;
    assert_int_equal(aula_rtcp_validate(b, sizeof b), 0);
    /* An RR whose report count overruns its length. */
    memcpy(b, rr_remb, sizeof b);
    b[0] = 0x82;
    aula_rtcp_iter_init(&it, b, sizeof b);
    assert_int_equal(aula_rtcp_iter_next(&it, &h), 0);
    aula_rtcp_rr rr;
    assert_int_equal(aula_rtcp_parse_rr(&h, &rr), AULA_EPROTO);
    /* A feedback too short for its two SSRCs. */
    const uint8_t fbshort[] = {0x81, 0xce, 0x00, 0x01, 0, 0, 0, 1};
    aula_rtcp_iter_init(&it, fbshort, sizeof fbshort);
    assert_int_equal(aula_rtcp_iter_next(&it, &h), 0);
    aula_rtcp_fb fb;
    assert_int_equal(aula_rtcp_parse_pli(&h, &fb), AULA_EPROTO);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(compound_rr_remb),
        cmocka_unit_test(sr_with_one_report_block),
        cmocka_unit_test(remb_vector),
        cmocka_unit_test(twcc_draft_vectors),
        cmocka_unit_test(twcc_malformed),
        cmocka_unit_test(twcc_round_trip),
        cmocka_unit_test(report_round_trips),
        cmocka_unit_test(sdes_and_bye),
        cmocka_unit_test(pli_fir_nack_round_trips),
        cmocka_unit_test(nack_seqs_across_wrap),
        cmocka_unit_test(malformed_compounds),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
