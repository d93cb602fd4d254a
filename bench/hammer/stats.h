/* Measurement helpers of the load generator: a fixed-width histogram for
 * percentiles (delay, join time) and the per-stream receive statistics a
 * viewer keeps (RFC 3550 appendix A.1 sequence tracking and A.8 jitter,
 * plus a window of seen packets to tell a retransmission from a duplicate
 * and to find what to NACK).
 *
 * Thread: none of this is shared; each object belongs to one loop. */
#ifndef AULA_BENCH_STATS_H
#define AULA_BENCH_STATS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Values in [0, width * nbuckets) are counted in their bucket; larger ones
 * in the last bucket. */
typedef struct hm_hist {
    uint64_t *buckets; /* owned */
    size_t nbuckets;
    uint64_t width;
    uint64_t count;
    uint64_t max;
} hm_hist;

void hm_hist_init(hm_hist *h, uint64_t width, size_t nbuckets);
void hm_hist_deinit(hm_hist *h);
void hm_hist_reset(hm_hist *h);
void hm_hist_add(hm_hist *h, uint64_t v);
/* The value below which a fraction q (0..1) of the samples lie, as the
 * upper edge of its bucket; 0 when empty. */
uint64_t hm_hist_quantile(const hm_hist *h, double q);

/* Window of sequence numbers remembered behind the highest one. */
#define HM_SEQ_WINDOW 1024

/* One received RTP stream. Sequence numbers are extended to 64 bits. */
typedef struct hm_rx_stream {
    uint32_t ssrc;
    uint32_t clock_rate;
    bool started;
    uint64_t base_ext;    /* first extended seq counted (measurement start) */
    uint64_t max_ext;     /* highest extended seq seen */
    uint64_t unique;      /* distinct packets since base_ext */
    uint64_t retransmits; /* packets that filled a hole */
    uint8_t seen[HM_SEQ_WINDOW / 8];
    /* RFC 3550 A.8 interarrival jitter, in timestamp units * 16. */
    uint32_t jitter_q4;
    int64_t last_transit;
    bool has_transit;
    /* For receiver reports: the counts at the last report. */
    uint64_t rr_expected, rr_received;
} hm_rx_stream;

typedef enum hm_rx_result {
    HM_RX_NEW,       /* in order or a forward jump */
    HM_RX_RECOVERED, /* filled a hole (a retransmission or reordering) */
    HM_RX_DUPLICATE,
    HM_RX_TOO_OLD, /* behind the window */
} hm_rx_result;

void hm_rx_init(hm_rx_stream *s, uint32_t ssrc, uint32_t clock_rate);

/* Counts a packet with sequence number seq; arrival is in the stream's clock
 * units (for jitter). On a forward jump, the missing extended sequence
 * numbers (at most cap) are written to lost[] and their number to *n_lost, so the
 * caller can NACK them. */
hm_rx_result hm_rx_packet(hm_rx_stream *s, uint16_t seq, uint32_t rtp_ts, int64_t arrival,
                          uint64_t *lost, size_t cap, size_t *n_lost);

/* True when the extended seq ext is held in the window as received. */
bool hm_rx_has(const hm_rx_stream *s, uint64_t ext);

/* Restarts the counting (after the ramp-up) from the next packet. */
void hm_rx_restart(hm_rx_stream *s);

/* Expected and lost packets since the last restart. */
uint64_t hm_rx_expected(const hm_rx_stream *s);

#endif
