#include "sfu/recv_stats.h"

#include "core/error.h"

#include <string.h>

/* RFC 3550 appendix A.1. */
#define SEQ_MOD (1u << 16)
#define MAX_DROPOUT 3000
#define MAX_MISORDER 100

void aula_recv_stats_init(aula_recv_stats *s, uint32_t clock_rate)
{
    memset(s, 0, sizeof *s);
    s->clock_rate = clock_rate ? clock_rate : 90000;
    s->bad_seq = SEQ_MOD + 1;
}

static void init_seq(aula_recv_stats *s, uint16_t seq)
{
    s->started = true;
    s->base_seq = seq;
    s->max_seq = seq;
    s->bad_seq = SEQ_MOD + 1;
    s->cycles = 0;
    s->received = 0;
    s->expected_prior = 0;
    s->received_prior = 0;
    s->jitter_started = false;
}

/* RFC 3550 appendix A.8, in integer arithmetic: J += (|D| - J) / 16. The
 * arrival time is converted to the stream's clock; it only needs to be
 * consistent from packet to packet, so the wrap of uint32_t is harmless. */
static void update_jitter(aula_recv_stats *s, uint32_t rtp_ts, uint64_t now_ms)
{
    uint32_t arrival = (uint32_t)(now_ms * s->clock_rate / 1000);
    uint32_t transit = arrival - rtp_ts;
    if (s->jitter_started) {
        int32_t d = (int32_t)(transit - s->transit);
        uint32_t ad = d < 0 ? (uint32_t) - (int64_t)d : (uint32_t)d;
        if (ad < (1u << 27)) /* a clock jump is not jitter */
            s->jitter_q4 = s->jitter_q4 + ad - ((s->jitter_q4 + 8) >> 4);
    }
    s->transit = transit;
    s->jitter_started = true;
}

void aula_recv_stats_update(aula_recv_stats *s, uint16_t seq, uint32_t rtp_ts, uint64_t now_ms,
                            uint16_t *gap_first, uint16_t *gap_count)
{
    *gap_count = 0;
    if (!s->started) {
        init_seq(s, seq);
        s->received = 1;
        update_jitter(s, rtp_ts, now_ms);
        return;
    }
    uint16_t udelta = (uint16_t)(seq - s->max_seq);
    if (udelta == 0) {
        s->received++; /* a duplicate counts, as in A.1 */
        return;
    }
    if (udelta < MAX_DROPOUT) {
        if (seq < s->max_seq)
            s->cycles += SEQ_MOD;
        if (udelta > 1) {
            *gap_first = (uint16_t)(s->max_seq + 1);
            *gap_count = (uint16_t)(udelta - 1);
        }
        s->max_seq = seq;
        update_jitter(s, rtp_ts, now_ms);
    } else if (udelta <= SEQ_MOD - MAX_MISORDER) {
        /* A very large jump: the sender restarted, or a stray packet. Two
         * sequential packets are needed to believe it. */
        if (seq != s->bad_seq) {
            s->bad_seq = (seq + 1u) & (SEQ_MOD - 1);
            return;
        }
        init_seq(s, seq);
        update_jitter(s, rtp_ts, now_ms);
    }
    /* else: reordered or duplicate, within MAX_MISORDER. */
    s->received++;
}

bool aula_recv_stats_started(const aula_recv_stats *s)
{
    return s->started;
}

bool aula_recv_stats_is_recent(const aula_recv_stats *s, uint16_t seq, uint16_t window)
{
    return s->started && (uint16_t)(s->max_seq - seq) <= window;
}

void aula_recv_stats_on_sr(aula_recv_stats *s, uint64_t ntp, uint64_t now_ms)
{
    s->last_sr = (uint32_t)(ntp >> 16);
    s->last_sr_ms = now_ms;
    s->have_sr = true;
}

/* RFC 3550 appendix A.3. */
bool aula_recv_stats_report(aula_recv_stats *s, uint32_t ssrc, uint64_t now_ms,
                            aula_rtcp_report_block *out)
{
    if (!s->started)
        return false;
    uint32_t extended_max = s->cycles + s->max_seq;
    uint32_t expected = extended_max - s->base_seq + 1;
    int64_t lost = (int64_t)expected - (int64_t)s->received;
    /* Clamped to the 24-bit signed field (section 6.4.1). */
    if (lost > 0x7fffff)
        lost = 0x7fffff;
    else if (lost < -0x800000)
        lost = -0x800000;
    uint32_t expected_interval = expected - s->expected_prior;
    uint32_t received_interval = s->received - s->received_prior;
    int64_t lost_interval = (int64_t)expected_interval - (int64_t)received_interval;
    s->expected_prior = expected;
    s->received_prior = s->received;

    memset(out, 0, sizeof *out);
    out->ssrc = ssrc;
    if (expected_interval != 0 && lost_interval > 0)
        out->fraction_lost = (uint8_t)(lost_interval >= expected_interval
                                           ? 255
                                           : ((uint64_t)lost_interval << 8) / expected_interval);
    out->cumulative_lost = (int32_t)lost;
    out->highest_seq = extended_max;
    out->jitter = s->jitter_q4 >> 4;
    if (s->have_sr) {
        /* DLSR in units of 1/65536 s. */
        out->lsr = s->last_sr;
        out->dlsr = (uint32_t)((now_ms - s->last_sr_ms) * 65536 / 1000);
    }
    return true;
}

int aula_recv_stats_build_rr(aula_recv_stats *s, uint32_t sender_ssrc, uint32_t ssrc,
                             uint64_t now_ms, uint8_t *buf, size_t cap, size_t *written)
{
    aula_rtcp_rr rr = {.ssrc = sender_ssrc, .report_count = 1};
    if (!aula_recv_stats_report(s, ssrc, now_ms, &rr.reports[0]))
        return AULA_ENOENT;
    return aula_rtcp_build_rr(&rr, buf, cap, written);
}
