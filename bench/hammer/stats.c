#include "stats.h"

#include "core/alloc.h"

#include <string.h>

void hm_hist_init(hm_hist *h, uint64_t width, size_t nbuckets)
{
    h->buckets = aula_calloc(nbuckets, sizeof *h->buckets);
    h->nbuckets = nbuckets;
    h->width = width;
    h->count = 0;
    h->max = 0;
}

void hm_hist_deinit(hm_hist *h)
{
    aula_free(h->buckets);
    h->buckets = NULL;
}

void hm_hist_reset(hm_hist *h)
{
    memset(h->buckets, 0, h->nbuckets * sizeof *h->buckets);
    h->count = 0;
    h->max = 0;
}

void hm_hist_add(hm_hist *h, uint64_t v)
{
    uint64_t b = v / h->width;
    h->buckets[b < h->nbuckets ? b : h->nbuckets - 1]++;
    h->count++;
    if (v > h->max)
        h->max = v;
}

uint64_t hm_hist_quantile(const hm_hist *h, double q)
{
    if (h->count == 0)
        return 0;
    /* The smallest bucket at which the running count reaches q of all. */
    uint64_t want = (uint64_t)(q * (double)h->count + 0.999999);
    if (want == 0)
        want = 1;
    uint64_t run = 0;
    for (size_t i = 0; i < h->nbuckets; i++) {
        run += h->buckets[i];
        if (run >= want)
            return i + 1 == h->nbuckets ? h->max : (i + 1) * h->width;
    }
    return h->max;
}

void hm_rx_init(hm_rx_stream *s, uint32_t ssrc, uint32_t clock_rate)
{
    memset(s, 0, sizeof *s);
    s->ssrc = ssrc;
    s->clock_rate = clock_rate;
}

static void mark(hm_rx_stream *s, uint64_t ext, bool on)
{
    size_t bit = (size_t)(ext % HM_SEQ_WINDOW);
    if (on)
        s->seen[bit / 8] |= (uint8_t)(1u << (bit % 8));
    else
        s->seen[bit / 8] &= (uint8_t) ~(1u << (bit % 8));
}

bool hm_rx_has(const hm_rx_stream *s, uint64_t ext)
{
    if (!s->started || ext > s->max_ext || s->max_ext - ext >= HM_SEQ_WINDOW)
        return false;
    size_t bit = (size_t)(ext % HM_SEQ_WINDOW);
    return (s->seen[bit / 8] >> (bit % 8)) & 1;
}

static void jitter(hm_rx_stream *s, uint32_t rtp_ts, int64_t arrival)
{
    /* RFC 3550 section 6.4.1 and A.8: J += (|D| - J) / 16. */
    int64_t transit = arrival - (int64_t)rtp_ts;
    if (s->has_transit) {
        int64_t d = transit - s->last_transit;
        if (d < 0)
            d = -d;
        if (d < (1 << 24))
            s->jitter_q4 += (uint32_t)(d - ((s->jitter_q4 + 8) >> 4));
    }
    s->last_transit = transit;
    s->has_transit = true;
}

hm_rx_result hm_rx_packet(hm_rx_stream *s, uint16_t seq, uint32_t rtp_ts, int64_t arrival,
                          uint64_t *lost, size_t cap, size_t *n_lost)
{
    *n_lost = 0;
    if (!s->started) {
        s->started = true;
        s->max_ext = (1u << 16) * 16u + seq; /* room to go back across a wrap */
        s->base_ext = s->max_ext;
        s->unique = 1;
        mark(s, s->max_ext, true);
        jitter(s, rtp_ts, arrival);
        return HM_RX_NEW;
    }
    /* The extended seq nearest to the highest one (RFC 3550 A.1). */
    uint16_t max16 = (uint16_t)s->max_ext;
    int16_t delta = (int16_t)(uint16_t)(seq - max16);
    uint64_t ext = s->max_ext + (uint64_t)(int64_t)delta;
    if (delta > 0) {
        for (uint64_t e = s->max_ext + 1; e < ext; e++) {
            mark(s, e, false);
            if (*n_lost < cap && ext - e < HM_SEQ_WINDOW)
                lost[(*n_lost)++] = e;
        }
        mark(s, ext, true);
        s->max_ext = ext;
        s->unique++;
        jitter(s, rtp_ts, arrival);
        return HM_RX_NEW;
    }
    if (s->max_ext - ext >= HM_SEQ_WINDOW || ext < s->base_ext)
        return HM_RX_TOO_OLD;
    if (hm_rx_has(s, ext))
        return HM_RX_DUPLICATE;
    mark(s, ext, true);
    s->unique++;
    s->retransmits++;
    return HM_RX_RECOVERED;
}

void hm_rx_restart(hm_rx_stream *s)
{
    if (!s->started)
        return;
    s->base_ext = s->max_ext + 1;
    s->unique = 0;
    s->retransmits = 0;
}

uint64_t hm_rx_expected(const hm_rx_stream *s)
{
    return s->started && s->max_ext + 1 > s->base_ext ? s->max_ext + 1 - s->base_ext : 0;
}
