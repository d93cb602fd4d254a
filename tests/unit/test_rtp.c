/* RTP header parsing, header extensions and in-place rewrites (rtc/rtp). */
#include "core/error.h"
#include "rtc/rtp.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

/* V=2 X=1 CC=2, M=1 PT=111, seq 0x1234, ts 0xdeadbeef, ssrc 0x11223344,
 * CSRCs 0xaaaaaaaa 0xbbbbbbbb, one-byte extension block of 2 words:
 * id 1 L=0 (audio level V=1, 5 dBov), a padding byte, id 3 L=2 (3 bytes),
 * a padding byte; then a 4-byte payload. */
static const uint8_t one_byte_pkt[] = {
    0x92, 0xef, 0x12, 0x34, 0xde, 0xad, 0xbe, 0xef, 0x11, 0x22, 0x33, 0x44,
    0xaa, 0xaa, 0xaa, 0xaa, 0xbb, 0xbb, 0xbb, 0xbb, 0xbe, 0xde, 0x00, 0x02,
    0x10, 0x85, 0x00, 0x32, 0xaa, 0xbb, 0xcc, 0x00, 0x01, 0x02, 0x03, 0x04,
};

/* V=2 X=1 CC=0, PT=96, two-byte extension block (0x1000) of 2 words: id 1
 * with an empty value, id 200 with 2 bytes, two padding bytes; payload of
 * 3 bytes then 3 bytes of padding (P=1, count 3). */
static const uint8_t two_byte_pkt[] = {
    0xb0, 0x60, 0x00, 0x01, 0x00, 0x00, 0x00, 0x10, 0x00, 0x00, 0x00, 0x99, 0x10, 0x00, 0x00,
    0x02, 0x01, 0x00, 0xc8, 0x02, 0xaa, 0xbb, 0x00, 0x00, 0x61, 0x62, 0x63, 0x00, 0x00, 0x03,
};

static void parse_fixed_header_and_csrcs(void **state)
{
    (void)state;
    aula_rtp_header h;
    assert_int_equal(aula_rtp_parse(one_byte_pkt, sizeof one_byte_pkt, &h), 0);
    assert_int_equal(h.version, 2);
    assert_false(h.padding);
    assert_true(h.extension);
    assert_true(h.marker);
    assert_int_equal(h.payload_type, 111);
    assert_int_equal(h.seq, 0x1234);
    assert_int_equal(h.timestamp, 0xdeadbeef);
    assert_int_equal(h.ssrc, 0x11223344);
    assert_int_equal(h.csrc_count, 2);
    assert_int_equal(aula_rtp_csrc(one_byte_pkt, &h, 0), 0xaaaaaaaa);
    assert_int_equal(aula_rtp_csrc(one_byte_pkt, &h, 1), 0xbbbbbbbb);
    assert_int_equal(h.ext_profile, AULA_RTP_EXT_ONE_BYTE);
    assert_int_equal(h.ext_offset, 24);
    assert_int_equal(h.ext_len, 8);
    assert_int_equal(h.payload_offset, 32);
    assert_int_equal(h.payload_len, 4);
    assert_int_equal(h.padding_len, 0);
}

static void one_byte_extension_lookup(void **state)
{
    (void)state;
    aula_rtp_header h;
    aula_rtp_ext e;
    assert_int_equal(aula_rtp_parse(one_byte_pkt, sizeof one_byte_pkt, &h), 0);
    assert_int_equal(aula_rtp_ext_find(one_byte_pkt, &h, 1, &e), 0);
    assert_int_equal(e.offset, 25);
    assert_int_equal(e.len, 1);
    assert_int_equal(aula_rtp_ext_find(one_byte_pkt, &h, 3, &e), 0);
    assert_int_equal(e.offset, 28);
    assert_int_equal(e.len, 3);
    assert_memory_equal(one_byte_pkt + e.offset, "\xaa\xbb\xcc", 3);
    assert_int_equal(aula_rtp_ext_find(one_byte_pkt, &h, 2, &e), AULA_ENOENT);

    bool voice = false;
    uint8_t level = 0;
    assert_int_equal(aula_rtp_audio_level(one_byte_pkt, &h, 1, &voice, &level), 0);
    assert_true(voice);
    assert_int_equal(level, 5);
    assert_int_equal(aula_rtp_audio_level(one_byte_pkt, &h, 4, &voice, &level), AULA_ENOENT);

    /* The iterator sees exactly the two elements. */
    size_t cur = 0;
    int n = 0;
    while (aula_rtp_ext_next(one_byte_pkt, &h, &cur, &e) == 0)
        n++;
    assert_int_equal(n, 2);
}

static void two_byte_extension_lookup(void **state)
{
    (void)state;
    aula_rtp_header h;
    aula_rtp_ext e;
    assert_int_equal(aula_rtp_parse(two_byte_pkt, sizeof two_byte_pkt, &h), 0);
    assert_true(h.padding);
    assert_int_equal(h.padding_len, 3);
    assert_int_equal(h.payload_offset, 24);
    assert_int_equal(h.payload_len, 3);
    assert_int_equal(aula_rtp_ext_find(two_byte_pkt, &h, 1, &e), 0);
    assert_int_equal(e.len, 0);
    assert_int_equal(aula_rtp_ext_find(two_byte_pkt, &h, 200, &e), 0);
    assert_int_equal(e.offset, 20);
    assert_int_equal(e.len, 2);
    assert_int_equal(aula_rtp_ext_find(two_byte_pkt, &h, 2, &e), AULA_ENOENT);
    /* An empty value carries no audio level. */
    bool voice;
    uint8_t level;
    assert_int_equal(aula_rtp_audio_level(two_byte_pkt, &h, 1, &voice, &level), AULA_EPROTO);
}

static void one_byte_id_15_stops_processing(void **state)
{
    (void)state;
    uint8_t pkt[] = {0x90, 0x60, 0,    1,    0,    0,    0,    1,    0,    0,
                     0,    1,    0xbe, 0xde, 0x00, 0x01, 0x10, 0x01, 0xf0, 0x20};
    aula_rtp_header h;
    aula_rtp_ext e;
    assert_int_equal(aula_rtp_parse(pkt, sizeof pkt, &h), 0);
    assert_int_equal(aula_rtp_ext_find(pkt, &h, 1, &e), 0);
    /* The 0x20 after id 15 would be id 2, but processing stopped. */
    assert_int_equal(aula_rtp_ext_find(pkt, &h, 2, &e), AULA_ENOENT);
}

static void unknown_profile_has_no_elements(void **state)
{
    (void)state;
    uint8_t pkt[] = {0x90, 0x60, 0,    1,    0,    0,    0,    1,    0,    0,
                     0,    1,    0x12, 0x34, 0x00, 0x01, 0x10, 0x01, 0x00, 0x00};
    aula_rtp_header h;
    aula_rtp_ext e;
    assert_int_equal(aula_rtp_parse(pkt, sizeof pkt, &h), 0);
    assert_int_equal(aula_rtp_ext_find(pkt, &h, 1, &e), AULA_ENOENT);
}

static void malformed_packets(void **state)
{
    (void)state;
    aula_rtp_header h;
    aula_rtp_ext e;
    /* Truncated fixed header. */
    assert_int_equal(aula_rtp_parse(one_byte_pkt, 11, &h), AULA_EPROTO);
    assert_int_equal(aula_rtp_parse(one_byte_pkt, 0, &h), AULA_EPROTO);

    /* Version 1 and version 3. */
    uint8_t pkt[sizeof one_byte_pkt];
    memcpy(pkt, one_byte_pkt, sizeof pkt);
    pkt[0] = (uint8_t)((pkt[0] & 0x3f) | 0x40);
    assert_int_equal(aula_rtp_parse(pkt, sizeof pkt, &h), AULA_EPROTO);
    pkt[0] = (uint8_t)((pkt[0] & 0x3f) | 0xc0);
    assert_int_equal(aula_rtp_parse(pkt, sizeof pkt, &h), AULA_EPROTO);

    /* CSRC list overrun: CC=15 needs 72 bytes. */
    memcpy(pkt, one_byte_pkt, sizeof pkt);
    pkt[0] = 0x8f;
    assert_int_equal(aula_rtp_parse(pkt, sizeof pkt, &h), AULA_EPROTO);

    /* Extension header cut off, then extension length overrun. */
    assert_int_equal(aula_rtp_parse(one_byte_pkt, 22, &h), AULA_EPROTO);
    memcpy(pkt, one_byte_pkt, sizeof pkt);
    pkt[23] = 0x04;
    assert_int_equal(aula_rtp_parse(pkt, sizeof pkt, &h), AULA_EPROTO);

    /* Padding count 0, and padding larger than the payload. */
    uint8_t padded[sizeof two_byte_pkt];
    memcpy(padded, two_byte_pkt, sizeof padded);
    padded[sizeof padded - 1] = 0;
    assert_int_equal(aula_rtp_parse(padded, sizeof padded, &h), AULA_EPROTO);
    padded[sizeof padded - 1] = 7;
    assert_int_equal(aula_rtp_parse(padded, sizeof padded, &h), AULA_EPROTO);
    /* Exactly the whole payload as padding is valid. */
    padded[sizeof padded - 1] = 6;
    assert_int_equal(aula_rtp_parse(padded, sizeof padded, &h), 0);
    assert_int_equal(h.payload_len, 0);

    /* An element whose value runs past the block parses as a packet but the
     * extension lookup reports it. */
    memcpy(pkt, one_byte_pkt, sizeof pkt);
    pkt[27] = 0x3f; /* id 3, 16 bytes, in an 8-byte block */
    assert_int_equal(aula_rtp_parse(pkt, sizeof pkt, &h), 0);
    assert_int_equal(aula_rtp_ext_find(pkt, &h, 1, &e), 0);
    assert_int_equal(aula_rtp_ext_find(pkt, &h, 3, &e), AULA_EPROTO);

    /* Two-byte element header cut at the block end. */
    memcpy(padded, two_byte_pkt, sizeof padded);
    padded[23] = 0x05; /* the last padding byte becomes id 5, no length */
    assert_int_equal(aula_rtp_parse(padded, sizeof padded, &h), 0);
    assert_int_equal(aula_rtp_ext_find(padded, &h, 9, &e), AULA_EPROTO);
}

static void in_place_rewrites(void **state)
{
    (void)state;
    uint8_t pkt[sizeof one_byte_pkt];
    memcpy(pkt, one_byte_pkt, sizeof pkt);
    aula_rtp_header h;
    assert_int_equal(aula_rtp_parse(pkt, sizeof pkt, &h), 0);

    aula_rtp_set_ssrc(pkt, 0xcafebabe);
    aula_rtp_set_seq(pkt, 0xffff);
    aula_rtp_set_timestamp(pkt, 0x01020304);
    aula_rtp_set_payload_type(pkt, 96);
    uint8_t level[] = {0x7f};
    assert_int_equal(aula_rtp_ext_rewrite(pkt, &h, 1, level, 1), 0);
    uint8_t three[] = {1, 2, 3};
    assert_int_equal(aula_rtp_ext_rewrite(pkt, &h, 3, three, 2), AULA_EINVAL);
    assert_int_equal(aula_rtp_ext_rewrite(pkt, &h, 9, three, 3), AULA_ENOENT);
    assert_int_equal(aula_rtp_ext_rewrite(pkt, &h, 3, three, 3), 0);

    aula_rtp_header g;
    assert_int_equal(aula_rtp_parse(pkt, sizeof pkt, &g), 0);
    assert_int_equal(g.ssrc, 0xcafebabe);
    assert_int_equal(g.seq, 0xffff);
    assert_int_equal(g.timestamp, 0x01020304);
    assert_int_equal(g.payload_type, 96);
    assert_true(g.marker); /* kept by set_payload_type */
    assert_int_equal(g.csrc_count, 2);
    assert_int_equal(g.payload_offset, h.payload_offset);
    bool voice = true;
    uint8_t lv = 0;
    assert_int_equal(aula_rtp_audio_level(pkt, &g, 1, &voice, &lv), 0);
    assert_false(voice);
    assert_int_equal(lv, 127);
    /* Only the rewritten bytes changed. */
    assert_memory_equal(pkt + 12, one_byte_pkt + 12, 13);
    assert_memory_equal(pkt + 26, one_byte_pkt + 26, 2);
    assert_memory_equal(pkt + 28, three, 3);
    assert_memory_equal(pkt + 31, one_byte_pkt + 31, sizeof pkt - 31);

    aula_rtp_set_marker(pkt, false);
    assert_int_equal(aula_rtp_parse(pkt, sizeof pkt, &g), 0);
    assert_false(g.marker);
    assert_int_equal(g.payload_type, 96);
}

static void rtx_original_sequence_number(void **state)
{
    (void)state;
    uint8_t pkt[] = {0x80, 0x61, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0xab, 0xcd, 0x55};
    aula_rtp_header h;
    uint16_t osn = 0;
    assert_int_equal(aula_rtp_parse(pkt, sizeof pkt, &h), 0);
    assert_int_equal(aula_rtp_rtx_osn(pkt, &h, &osn), 0);
    assert_int_equal(osn, 0xabcd);
    assert_int_equal(aula_rtp_parse(pkt, 13, &h), 0);
    assert_int_equal(aula_rtp_rtx_osn(pkt, &h, &osn), AULA_EPROTO);
}

static void demux_rtp_from_rtcp(void **state)
{
    (void)state;
    uint8_t sr[] = {0x80, 200};
    uint8_t psfb[] = {0x81, 206};
    uint8_t opus[] = {0x80, 111};
    uint8_t vp8_marker[] = {0x80, 0x80 | 96}; /* 224: RTP */
    uint8_t low[] = {0x80, 192};
    uint8_t high[] = {0x80, 223};
    assert_true(aula_rtp_is_rtcp(sr, 2));
    assert_true(aula_rtp_is_rtcp(psfb, 2));
    assert_true(aula_rtp_is_rtcp(low, 2));
    assert_true(aula_rtp_is_rtcp(high, 2));
    assert_false(aula_rtp_is_rtcp(opus, 2));
    assert_false(aula_rtp_is_rtcp(vp8_marker, 2));
    assert_false(aula_rtp_is_rtcp(sr, 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_fixed_header_and_csrcs),
        cmocka_unit_test(one_byte_extension_lookup),
        cmocka_unit_test(two_byte_extension_lookup),
        cmocka_unit_test(one_byte_id_15_stops_processing),
        cmocka_unit_test(unknown_profile_has_no_elements),
        cmocka_unit_test(malformed_packets),
        cmocka_unit_test(in_place_rewrites),
        cmocka_unit_test(rtx_original_sequence_number),
        cmocka_unit_test(demux_rtp_from_rtcp),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
