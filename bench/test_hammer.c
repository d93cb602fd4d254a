/* Unit tests for the load generator's own parsing and statistics
 * (bench/hammer/media_file.c, bench/hammer/stats.c): IVF and Ogg Opus
 * files built in memory, percentiles, and the loss accounting viewers
 * report (sequence wrap, gaps, retransmissions, duplicates). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "hammer/media_file.h"
#include "hammer/stats.h"

static size_t put_le32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
    return 4;
}

static void ivf_frames(void **state)
{
    (void)state;
    uint8_t f[32 + 2 * 12 + 5 + 3] = "DKIF";
    f[6] = 32; /* header size */
    size_t n = 32;
    n += put_le32(f + n, 5);
    memset(f + n, 0, 8), n += 8;
    memcpy(f + n, "\x10\x01\x02\x03\x04", 5), n += 5; /* key frame: bit 0 clear */
    n += put_le32(f + n, 3);
    memset(f + n, 0, 8), n += 8;
    memcpy(f + n, "\x11\x05\x06", 3), n += 3; /* inter frame */
    hm_frame *frames;
    size_t count;
    assert_int_equal(hm_ivf_parse(f, n, &frames, &count), 0);
    assert_int_equal(count, 2);
    assert_int_equal(frames[0].len, 5);
    assert_true(frames[0].key);
    assert_false(frames[1].key);
    assert_int_equal(frames[1].data[2], 6);
    free(frames);
    /* A frame running past the end: the ones before it are kept. */
    assert_int_equal(hm_ivf_parse(f, n - 1, &frames, &count), 0);
    assert_int_equal(count, 1);
    free(frames);
    assert_int_equal(hm_ivf_parse((const uint8_t *)"RIFF", 4, &frames, &count), AULA_EPROTO);
}

/* One Ogg page holding the given packets (each < 255 bytes). */
static size_t ogg_page(uint8_t *p, const size_t *lens, size_t n)
{
    memset(p, 0, 27);
    memcpy(p, "OggS", 4);
    p[26] = (uint8_t)n;
    size_t off = 27 + n;
    for (size_t i = 0; i < n; i++) {
        p[27 + i] = (uint8_t)lens[i];
        memset(p + off, (int)(i + 1), lens[i]);
        off += lens[i];
    }
    return off;
}

static void ogg_opus_packets(void **state)
{
    (void)state;
    uint8_t buf[1024];
    size_t head[] = {19}, tags[] = {30}, audio[] = {40, 41, 42};
    size_t n = ogg_page(buf, head, 1);
    n += ogg_page(buf + n, tags, 1);
    n += ogg_page(buf + n, audio, 3);
    hm_frame *frames;
    size_t count;
    assert_int_equal(hm_ogg_opus_parse(buf, n, &frames, &count), 0);
    assert_int_equal(count, 3); /* OpusHead and OpusTags are skipped */
    assert_int_equal(frames[0].len, 40);
    assert_int_equal(frames[2].len, 42);
    assert_int_equal(frames[2].data[0], 3);
    free(frames);
    buf[0] = 'X';
    assert_int_equal(hm_ogg_opus_parse(buf, n, &frames, &count), AULA_EPROTO);
}

static void percentiles(void **state)
{
    (void)state;
    hm_hist h;
    hm_hist_init(&h, 10, 100);
    assert_int_equal(hm_hist_quantile(&h, 0.5), 0);
    for (uint64_t v = 1; v <= 100; v++)
        hm_hist_add(&h, v * 5); /* 5 .. 500 */
    /* The 50th value is 250: reported as the upper edge of its bucket. */
    assert_int_equal(hm_hist_quantile(&h, 0.5), 260);
    assert_int_equal(hm_hist_quantile(&h, 0.99), 500);
    hm_hist_add(&h, 100000); /* beyond the last bucket: the maximum */
    assert_int_equal(hm_hist_quantile(&h, 1.0), 100000);
    hm_hist_reset(&h);
    assert_int_equal(h.count, 0);
    hm_hist_deinit(&h);
}

static void loss_and_recovery(void **state)
{
    (void)state;
    hm_rx_stream s;
    hm_rx_init(&s, 1, 90000);
    uint64_t lost[16];
    size_t nl;
    /* Across the wrap: 65534, 65535, (0 and 1 lost), 2. */
    assert_int_equal(hm_rx_packet(&s, 65534, 0, 0, lost, 16, &nl), HM_RX_NEW);
    assert_int_equal(hm_rx_packet(&s, 65535, 0, 0, lost, 16, &nl), HM_RX_NEW);
    assert_int_equal(hm_rx_packet(&s, 2, 0, 0, lost, 16, &nl), HM_RX_NEW);
    assert_int_equal(nl, 2);
    assert_int_equal((uint16_t)lost[0], 0);
    assert_int_equal((uint16_t)lost[1], 1);
    assert_int_equal(hm_rx_expected(&s), 5);
    assert_int_equal(s.unique, 3);
    /* The NACKed packet 0 comes back; a copy of 2 is a duplicate. */
    assert_int_equal(hm_rx_packet(&s, 0, 0, 0, lost, 16, &nl), HM_RX_RECOVERED);
    assert_int_equal(hm_rx_packet(&s, 2, 0, 0, lost, 16, &nl), HM_RX_DUPLICATE);
    assert_true(hm_rx_has(&s, lost[0]));
    assert_false(hm_rx_has(&s, lost[1]));
    assert_int_equal(s.unique, 4);
    assert_int_equal(s.retransmits, 1);
    /* The measured window starts after the next packet. */
    hm_rx_restart(&s);
    assert_int_equal(hm_rx_expected(&s), 0);
    assert_int_equal(hm_rx_packet(&s, 3, 0, 0, lost, 16, &nl), HM_RX_NEW);
    assert_int_equal(hm_rx_expected(&s), 1);
    assert_int_equal(hm_rx_packet(&s, 1, 0, 0, lost, 16, &nl), HM_RX_TOO_OLD);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ivf_frames),
        cmocka_unit_test(ogg_opus_packets),
        cmocka_unit_test(percentiles),
        cmocka_unit_test(loss_and_recovery),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
