/* What aula receives of one published RTP stream, for the receiver reports
 * it sends back to the publisher (RFC 3550 section 6.4.2): the extended
 * highest sequence number (appendix A.1), expected and received packets
 * for the fraction and cumulative number lost (A.3), the interarrival
 * jitter (A.8) and the LSR/DLSR of the publisher's last sender report.
 * It also tells the caller which sequence numbers a forward jump skipped,
 * so they can be NACKed at once.
 *
 * A value type, embedded in the router's producer so nothing is allocated;
 * the fields are private to recv_stats.c. Sans-IO: the arrival time is the
 * caller's now_ms. Thread: the worker's. */
#ifndef AULA_SFU_RECV_STATS_H
#define AULA_SFU_RECV_STATS_H

#include "rtc/rtcp.h"

#include <stdbool.h>
#include <stdint.h>

typedef struct aula_recv_stats {
    uint32_t clock_rate;
    bool started;
    bool jitter_started;
    uint16_t max_seq;
    uint32_t cycles; /* count of wraps, times 2^16 */
    uint32_t base_seq;
    uint32_t bad_seq; /* a big jump waits for its successor before resync */
    uint32_t received;
    uint32_t expected_prior;
    uint32_t received_prior;
    uint32_t transit;
    uint32_t jitter_q4; /* jitter in timestamp units, times 16 */
    uint32_t last_sr;   /* middle 32 bits of the last SR's NTP time */
    uint64_t last_sr_ms;
    bool have_sr;
} aula_recv_stats;

/* clock_rate: the stream's RTP clock in Hz (0 takes 90000). */
void aula_recv_stats_init(aula_recv_stats *s, uint32_t clock_rate);

/* One packet of the stream (not a retransmission) arrived at now_ms.
 * When it moves the highest seq forward past a gap, *gap_first is the
 * first skipped seq and *gap_count (else 0) how many were skipped;
 * reordered, duplicate and resync packets report no gap. */
void aula_recv_stats_update(aula_recv_stats *s, uint16_t seq, uint32_t rtp_ts, uint64_t now_ms,
                            uint16_t *gap_first, uint16_t *gap_count);

/* True once a packet arrived: from then on the stream gets reports. */
bool aula_recv_stats_started(const aula_recv_stats *s);

/* True when seq is at most window packets behind the highest seq received
 * (the highest itself included); false before the first packet. */
bool aula_recv_stats_is_recent(const aula_recv_stats *s, uint16_t seq, uint16_t window);

/* The publisher's SR for this stream arrived at now_ms (ntp: 32.32). */
void aula_recv_stats_on_sr(aula_recv_stats *s, uint64_t ntp, uint64_t now_ms);

/* Fills a report block about ssrc and starts the next reporting interval
 * (the fraction lost is over the packets since the previous call).
 * Returns false, filling nothing, before the first packet. */
bool aula_recv_stats_report(aula_recv_stats *s, uint32_t ssrc, uint64_t now_ms,
                            aula_rtcp_report_block *out);

/* Builds into buf[0..cap) an RR from sender_ssrc with the block of
 * aula_recv_stats_report() (which starts the next interval). Returns 0
 * with *written, AULA_ENOENT before the first packet, or AULA_ETOOBIG. */
int aula_recv_stats_build_rr(aula_recv_stats *s, uint32_t sender_ssrc, uint32_t ssrc,
                             uint64_t now_ms, uint8_t *buf, size_t cap, size_t *written);

#endif
