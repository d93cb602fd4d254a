#include "sfu/router.h"

#include "core/byteorder.h"
#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/srtp.h"
#include "sfu/drop.h"
#include "sfu/recv_stats.h"
#include "sfu/retransmit.h"
#include "sfu/simulcast.h"
#include "sfu/speaker.h"
#include "sfu/ssrc_index.h"

#include <string.h>

/* The SSRC aula puts as sender in the RTCP it generates (RFC 4585 section
 * 6.1 only needs it to be stable). */
#define ROUTER_RTCP_SSRC 1u
/* A viewer's NACK is answered for at most this many packets per NACK
 * packet and per second: a viewer with a broken link must not turn the
 * SFU into an amplifier. What is over the limit counts as missed. */
#define ROUTER_RTX_PER_NACK 64
#define ROUTER_RTX_PER_SECOND 500

typedef struct producer producer;

typedef struct consumer {
    uint64_t id;
    aula_transport *t; /* borrowed: the viewer's RECEIVE transport */
    producer *p;       /* borrowed: the parent */
    uint32_t ssrc;
    uint8_t pt;
    /* Outgoing seq = incoming seq + seq_off. After a pause (or at the
     * start) the offset is recomputed so the viewer's seq goes on from
     * last_seq + 1 (RFC 3550 section 5.1: the viewer must not see a gap). */
    bool resync;
    bool sent_any;
    uint16_t seq_off;
    uint16_t last_seq;
    uint16_t off_start;     /* the first producer seq forwarded with seq_off */
    uint32_t rtx_in_window; /* retransmissions in the second from rtx_window_ms */
    uint64_t rtx_window_ms;
    /* The viewer's layer when p->sim; for one stream only its timestamp
     * offset, which is not 0 after a publisher restart. */
    aula_sim_consumer sim;
    bool ts_rebase; /* one stream: recompute the timestamp offset at the next packet */
    struct consumer *next;
} consumer;

struct producer {
    uint64_t id;
    aula_transport *t; /* borrowed: the publisher's transport */
    aula_media_kind kind;
    aula_media_codec codec; /* for keyframe detection */
    uint32_t ssrc;
    uint32_t rtx_ssrc;
    uint8_t pt;
    uint8_t rtx_pt; /* 0: any payload type on rtx_ssrc */
    uint32_t clock_rate;
    aula_simulcast *sim; /* owned; NULL: one stream on ssrc */
    unsigned pli_layers; /* simulcast layers (bits) a pending PLI is for */
    bool paused;
    bool pli_sent;    /* at least one PLI went out: pacing applies */
    bool pli_pending; /* a request waits for the pacing window or DTLS */
    uint64_t last_pli_ms;
    consumer *consumers;      /* owned */
    aula_retransmit *rtx_buf; /* owned; NULL for audio */
    aula_recv_stats stats;    /* of the media SSRC, for receiver reports */
    uint64_t next_rr_ms;
    producer *next;
};

struct aula_router {
    uint64_t room_key;
    producer *producers;     /* owned */
    aula_speaker *speaker;   /* owned: active speaker from audio levels */
    aula_ssrc_index viewers; /* (viewer's transport, consumer SSRC) -> consumer */
    /* One forwarded copy at a time: the packet plus the SRTP trailer. */
    uint8_t scratch[AULA_ROUTER_MAX_RTP + AULA_SRTP_MAX_TRAILER];
    /* The original packet rebuilt from a publisher's RTX packet. */
    uint8_t unwrapped[AULA_ROUTER_MAX_RTP];
    aula_router_stats stats;
};

aula_router *aula_router_create(uint64_t room_key)
{
    aula_router *r = aula_calloc(1, sizeof *r);
    r->room_key = room_key;
    r->speaker = aula_speaker_create();
    return r;
}

static void free_consumer(aula_router *r, consumer *c)
{
    aula_ssrc_index_remove(&r->viewers, c->t, c->ssrc, c);
    aula_free(c);
}

static void free_producer(aula_router *r, producer *p)
{
    while (p->consumers) {
        consumer *c = p->consumers;
        p->consumers = c->next;
        free_consumer(r, c);
    }
    aula_retransmit_destroy(p->rtx_buf);
    aula_simulcast_destroy(p->sim);
    aula_free(p);
}

void aula_router_destroy(aula_router *r)
{
    if (!r)
        return;
    while (r->producers) {
        producer *p = r->producers;
        r->producers = p->next;
        free_producer(r, p);
    }
    aula_speaker_destroy(r->speaker);
    aula_ssrc_index_free(&r->viewers);
    aula_free(r);
}

uint64_t aula_router_room_key(const aula_router *r)
{
    return r->room_key;
}

aula_speaker *aula_router_speaker(aula_router *r)
{
    return r->speaker;
}

static producer *find_producer(const aula_router *r, uint64_t id)
{
    for (producer *p = r->producers; p; p = p->next)
        if (p->id == id)
            return p;
    return NULL;
}

/* Producers per room are few: a list walk is cheaper than a hash here. */
static producer *find_by_ssrc(const aula_router *r, const aula_transport *t, uint32_t ssrc,
                              bool *rtx)
{
    for (producer *p = r->producers; p; p = p->next) {
        if (p->t != t)
            continue;
        if (p->ssrc && p->ssrc == ssrc) {
            *rtx = false;
            return p;
        }
        if (p->rtx_ssrc && p->rtx_ssrc == ssrc) {
            *rtx = true;
            return p;
        }
    }
    return NULL;
}

static consumer **find_consumer(aula_router *r, uint64_t id)
{
    for (producer *p = r->producers; p; p = p->next)
        for (consumer **cp = &p->consumers; *cp; cp = &(*cp)->next)
            if ((*cp)->id == id)
                return cp;
    return NULL;
}

int aula_router_producer_add(aula_router *r, const aula_media_producer_add *a, aula_transport *t)
{
    bool rtx;
    if (find_producer(r, a->producer_id) || (a->ssrc && find_by_ssrc(r, t, a->ssrc, &rtx)))
        return AULA_EEXIST;
    if (a->n_layers > AULA_MEDIA_MAX_LAYERS || (a->n_layers && a->kind != AULA_MEDIA_VIDEO))
        return AULA_EINVAL;
    producer *p = aula_calloc(1, sizeof *p);
    p->id = a->producer_id;
    p->t = t;
    p->kind = a->kind;
    p->codec = a->codec;
    p->ssrc = a->ssrc;
    p->rtx_ssrc = a->rtx_ssrc;
    p->pt = a->payload_type;
    p->rtx_pt = a->rtx_payload_type;
    p->clock_rate = a->clock_rate;
    if (a->n_layers) /* each layer has its own buffer */
        p->sim = aula_simulcast_create(a->layers, a->n_layers, a->mid, a->clock_rate);
    else if (a->kind == AULA_MEDIA_VIDEO)
        p->rtx_buf = aula_retransmit_create();
    aula_recv_stats_init(&p->stats, a->clock_rate);
    if (p->kind == AULA_MEDIA_AUDIO)
        aula_speaker_add(r->speaker, p->id);
    p->next = r->producers;
    r->producers = p;
    return 0;
}

int aula_router_producer_close(aula_router *r, uint64_t producer_id)
{
    for (producer **pp = &r->producers; *pp; pp = &(*pp)->next) {
        producer *p = *pp;
        if (p->id != producer_id)
            continue;
        *pp = p->next;
        aula_speaker_remove(r->speaker, p->id);
        free_producer(r, p);
        return 0;
    }
    return AULA_ENOENT;
}

static void request_keyframe(producer *p, unsigned layers, uint64_t now_ms);

int aula_router_producer_rebind(aula_router *r, const aula_media_producer_add *a, aula_transport *t,
                                uint64_t now_ms)
{
    producer *p = find_producer(r, a->producer_id);
    if (!p)
        return AULA_ENOENT;
    size_t n_layers = p->sim ? aula_simulcast_count(p->sim) : 0;
    if (a->n_layers != n_layers)
        return AULA_EINVAL;
    p->t = t;
    p->ssrc = a->ssrc;
    p->rtx_ssrc = a->rtx_ssrc;
    p->pt = a->payload_type;
    p->rtx_pt = a->rtx_payload_type;
    /* Sequence numbers restart with the new SSRCs: what was buffered or
     * counted belongs to the old stream. */
    if (p->sim) {
        aula_simulcast_destroy(p->sim);
        p->sim = aula_simulcast_create(a->layers, a->n_layers, a->mid, p->clock_rate);
    } else if (p->rtx_buf) {
        aula_retransmit_destroy(p->rtx_buf);
        p->rtx_buf = aula_retransmit_create();
    }
    aula_recv_stats_init(&p->stats, p->clock_rate);
    p->pli_sent = p->pli_pending = false;
    p->pli_layers = 0;
    for (consumer *c = p->consumers; c; c = c->next) {
        c->resync = true;
        c->ts_rebase = true;
        aula_sim_consumer_restart(&c->sim); /* simulcast: layer 0, at its keyframe */
    }
    request_keyframe(p, ~0u, now_ms);
    return 0;
}

int aula_router_producer_pause(aula_router *r, uint64_t producer_id, bool paused)
{
    producer *p = find_producer(r, producer_id);
    if (!p)
        return AULA_ENOENT;
    if (p->paused && !paused)
        for (consumer *c = p->consumers; c; c = c->next)
            c->resync = true;
    p->paused = paused;
    return 0;
}

static void send_one_pli(producer *p, uint32_t ssrc)
{
    uint8_t buf[64 + AULA_SRTP_MAX_TRAILER];
    size_t len;
    if (aula_rtcp_build_pli(ROUTER_RTCP_SSRC, ssrc, buf, sizeof buf - AULA_SRTP_MAX_TRAILER,
                            &len) == 0)
        aula_transport_send_rtcp(p->t, buf, len, sizeof buf);
}

/* RFC 4585 section 6.3.1: a PLI for the producer's SSRC to its publisher;
 * for simulcast one per requested layer whose SSRC is known (a layer not
 * seen yet starts with a keyframe anyway). */
static void send_pli(producer *p, uint64_t now_ms)
{
    if (!aula_transport_is_connected(p->t)) {
        p->pli_pending = true; /* sent by aula_router_transport_connected */
        return;
    }
    p->pli_pending = false;
    p->pli_sent = true;
    p->last_pli_ms = now_ms;
    if (!p->sim) {
        send_one_pli(p, p->ssrc);
        return;
    }
    for (size_t i = 0; i < aula_simulcast_count(p->sim); i++)
        if ((p->pli_layers & (1u << i)) && aula_simulcast_ssrc(p->sim, i))
            send_one_pli(p, aula_simulcast_ssrc(p->sim, i));
    p->pli_layers = 0;
}

/* Paced: the first request goes at once, then at most one per interval;
 * a request inside the interval is deferred to its end. layers: the
 * simulcast layers (bits) that need one. */
static void request_keyframe(producer *p, unsigned layers, uint64_t now_ms)
{
    if (p->kind == AULA_MEDIA_AUDIO)
        return;
    p->pli_layers |= layers;
    if (!p->pli_sent || now_ms >= p->last_pli_ms + AULA_ROUTER_PLI_INTERVAL_MS)
        send_pli(p, now_ms);
    else
        p->pli_pending = true;
}

int aula_router_consumer_add(aula_router *r, const aula_media_consumer_add *a, aula_transport *t,
                             uint64_t now_ms)
{
    producer *p = find_producer(r, a->producer_id);
    if (!p)
        return AULA_ENOENT;
    if (find_consumer(r, a->consumer_id))
        return AULA_EEXIST;
    consumer *c = aula_calloc(1, sizeof *c);
    c->id = a->consumer_id;
    c->t = t;
    c->p = p;
    c->ssrc = a->ssrc;
    c->pt = a->payload_type;
    c->resync = true;
    aula_sim_consumer_init(&c->sim, p->sim ? aula_simulcast_count(p->sim) : 1, p->clock_rate);
    c->next = p->consumers;
    p->consumers = c;
    aula_ssrc_index_put(&r->viewers, t, c->ssrc, c);
    request_keyframe(p, 1u, now_ms); /* a viewer starts on layer 0 */
    return 0;
}

int aula_router_consumer_close(aula_router *r, uint64_t consumer_id)
{
    consumer **cp = find_consumer(r, consumer_id);
    if (!cp)
        return AULA_ENOENT;
    consumer *c = *cp;
    *cp = c->next;
    free_consumer(r, c);
    return 0;
}

int aula_router_keyframe_request(aula_router *r, uint64_t producer_id, uint64_t now_ms)
{
    producer *p = find_producer(r, producer_id);
    if (!p)
        return AULA_ENOENT;
    request_keyframe(p, ~0u, now_ms);
    return 0;
}

/* The layers a keyframe would help c with: the one it gets and the one it
 * waits to switch to. */
static unsigned consumer_layers(const consumer *c)
{
    if (!c->p->sim)
        return ~0u;
    return 1u << c->sim.target | (c->sim.current >= 0 ? 1u << c->sim.current : 0);
}

int aula_router_consumer_set_preferred(aula_router *r, uint64_t consumer_id, int layer,
                                       uint64_t now_ms)
{
    consumer **cp = find_consumer(r, consumer_id);
    if (!cp)
        return AULA_ENOENT;
    consumer *c = *cp;
    if (c->p->sim && aula_sim_consumer_set_preferred(&c->sim, layer))
        request_keyframe(c->p, consumer_layers(c), now_ms);
    return 0;
}

void aula_router_transport_gone(aula_router *r, const aula_transport *t)
{
    for (producer **pp = &r->producers; *pp;) {
        producer *p = *pp;
        if (p->t == t) {
            *pp = p->next;
            aula_speaker_remove(r->speaker, p->id);
            free_producer(r, p);
            continue;
        }
        for (consumer **cp = &p->consumers; *cp;) {
            consumer *c = *cp;
            if (c->t == t) {
                *cp = c->next;
                free_consumer(r, c);
            } else {
                cp = &c->next;
            }
        }
        pp = &p->next;
    }
}

void aula_router_transport_connected(aula_router *r, const aula_transport *t, uint64_t now_ms)
{
    for (producer *p = r->producers; p; p = p->next)
        if (p->t == t && p->pli_pending)
            send_pli(p, now_ms);
}

static uint32_t rtp_ts(const uint8_t *pkt)
{
    return aula_get_u32be(pkt + 4);
}

/* Sends a copy of an original packet to c with its SSRC, payload type,
 * sequence number (and, for simulcast, timestamp) rewritten. */
static void forward(aula_router *r, consumer *c, const uint8_t *buf, size_t len, uint16_t seq)
{
    if (c->resync) {
        c->seq_off = c->sent_any ? (uint16_t)(c->last_seq + 1 - seq) : 0;
        c->off_start = seq;
        c->resync = false;
    }
    uint16_t out = (uint16_t)(seq + c->seq_off);
    if (!c->sent_any || (int16_t)(out - c->last_seq) > 0)
        c->last_seq = out;
    c->sent_any = true;
    memcpy(r->scratch, buf, len);
    aula_rtp_set_ssrc(r->scratch, c->ssrc);
    aula_rtp_set_payload_type(r->scratch, c->pt);
    aula_rtp_set_seq(r->scratch, out);
    aula_rtp_set_timestamp(r->scratch, aula_sim_consumer_map_ts(&c->sim, rtp_ts(buf)));
    aula_transport_send_rtp(c->t, r->scratch, len, sizeof r->scratch);
}

/* ---- loss repair ----------------------------------------------------------- */

void aula_router_get_stats(const aula_router *r, aula_router_stats *out)
{
    *out = r->stats;
}

/* One received RTP stream of a producer: its only stream, or a simulcast
 * layer. Sequence numbers and buffers are per stream. */
typedef struct stream {
    uint32_t ssrc;
    aula_recv_stats *stats;
    aula_retransmit *buf; /* NULL for audio */
    int layer;            /* -1: not simulcast */
} stream;

static stream stream_of(producer *p, int layer)
{
    if (!p->sim)
        return (stream){p->ssrc, &p->stats, p->rtx_buf, -1};
    return (stream){aula_simulcast_ssrc(p->sim, (size_t)layer),
                    aula_simulcast_stats(p->sim, (size_t)layer),
                    aula_simulcast_rtx_buf(p->sim, (size_t)layer), layer};
}

static bool producer_started(producer *p)
{
    if (!p->sim)
        return aula_recv_stats_started(&p->stats);
    for (size_t i = 0; i < aula_simulcast_count(p->sim); i++)
        if (aula_recv_stats_started(aula_simulcast_stats(p->sim, i)))
            return true;
    return false;
}

/* True when producer packet seq of stream layer went to c with its current
 * offset: only those map back and forth with seq_off (after a pause or a
 * layer switch the offset changed, and packets from before it are not the
 * viewer's any more). */
static bool current_offset(const consumer *c, int layer, uint16_t seq)
{
    if (c->p->sim && c->sim.current != layer)
        return false;
    return c->sent_any && !c->resync && (int16_t)(uint16_t)(seq - c->off_start) >= 0;
}

/* RFC 4585 section 6.2.1: asks the publisher once for the count packets
 * from first on, which a forward jump skipped. */
static void nack_publisher(aula_router *r, producer *p, uint32_t ssrc, uint16_t first,
                           uint16_t count)
{
    uint8_t buf[12 + 4 * AULA_RETRANSMIT_MAX_NACK_GAP + AULA_SRTP_MAX_TRAILER];
    size_t len;
    if (aula_retransmit_build_nack(ROUTER_RTCP_SSRC, ssrc, first, count, buf,
                                   sizeof buf - AULA_SRTP_MAX_TRAILER, &len) == 0 &&
        aula_transport_send_rtcp(p->t, buf, len, sizeof buf) == 0)
        r->stats.nacked += count;
}

/* Receive statistics of an original packet, and a NACK for what it skipped
 * (video only: audio has no retransmission buffer). */
static void track_publisher(aula_router *r, producer *p, const stream *s, const aula_rtp_header *h,
                            uint64_t now_ms)
{
    uint16_t first = 0, count;
    if (!producer_started(p))
        p->next_rr_ms = now_ms + AULA_ROUTER_RR_INTERVAL_MS;
    aula_recv_stats_update(s->stats, h->seq, h->timestamp, now_ms, &first, &count);
    if (count > 0 && count <= AULA_RETRANSMIT_MAX_NACK_GAP && s->buf)
        nack_publisher(r, p, s->ssrc, first, count);
}

/* RFC 4588: the publisher's retransmission is unwrapped and handled as
 * the original, unless that arrived meanwhile. It does not count in the
 * receive statistics, so the reports show the publisher its real losses. */
static int on_publisher_rtx(aula_router *r, producer *p, const stream *s, uint64_t now_ms,
                            const uint8_t *buf, const aula_rtp_header *h)
{
    size_t len;
    uint16_t osn;
    if (!s->buf || !s->ssrc || (p->rtx_pt && h->payload_type != p->rtx_pt) ||
        aula_retransmit_unwrap_rtx(buf, h, s->ssrc, p->pt, r->unwrapped, sizeof r->unwrapped, &len,
                                   &osn) != 0)
        return AULA_DROP_RTX_UNSUPPORTED; /* padding-only probes, mostly */
    /* Older than the buffer, or ahead of the stream: not an answer to a
     * NACK of ours (the publisher probes bandwidth with old packets too). */
    if (!aula_recv_stats_is_recent(s->stats, osn, AULA_RETRANSMIT_SLOTS - 1))
        return AULA_DROP_RTX_UNSUPPORTED;
    if (aula_retransmit_has(s->buf, osn))
        return AULA_DROP_NONE; /* the original came after all */
    aula_retransmit_store(s->buf, osn, now_ms, r->unwrapped, len);
    r->stats.rtx_recovered++;
    if (p->paused)
        return AULA_DROP_PRODUCER_PAUSED;
    for (consumer *c = p->consumers; c; c = c->next)
        if (current_offset(c, s->layer, osn))
            forward(r, c, r->unwrapped, len, osn);
    return AULA_DROP_NONE;
}

/* Sends viewer seq out of c again, rewritten as forward() did. The viewer
 * negotiated no RTX, so it goes on the consumer's SSRC with its own seq;
 * the outbound SRTP context allows the repeated index. */
static bool resend(aula_router *r, consumer *c, uint16_t out, uint64_t now_ms)
{
    uint16_t seq = (uint16_t)(out - c->seq_off);
    int layer = c->p->sim ? c->sim.current : -1;
    const uint8_t *pkt;
    size_t len;
    if (!current_offset(c, layer, seq) || (int16_t)(uint16_t)(c->last_seq - out) < 0 ||
        aula_retransmit_find(stream_of(c->p, layer).buf, seq, now_ms, AULA_RETRANSMIT_MAX_AGE_MS,
                             &pkt, &len) != 0 ||
        len > AULA_ROUTER_MAX_RTP)
        return false;
    memcpy(r->scratch, pkt, len);
    aula_rtp_set_ssrc(r->scratch, c->ssrc);
    aula_rtp_set_payload_type(r->scratch, c->pt);
    aula_rtp_set_seq(r->scratch, out);
    aula_rtp_set_timestamp(r->scratch, aula_sim_consumer_map_ts(&c->sim, rtp_ts(pkt)));
    return aula_transport_send_rtp(c->t, r->scratch, len, sizeof r->scratch) == 0;
}

static consumer *find_viewer(aula_router *r, const aula_transport *t, uint32_t ssrc)
{
    return aula_ssrc_index_get(&r->viewers, t, ssrc);
}

/* RFC 4585 section 6.2.1: a viewer's generic NACK for a consumer's SSRC,
 * answered from the producer's buffer within the consumer's budget. */
static void on_viewer_nack(aula_router *r, const aula_transport *t, const aula_rtcp_header *h,
                           uint64_t now_ms)
{
    aula_rtcp_nack n;
    if (aula_rtcp_parse_nack(h, &n) != 0)
        return;
    consumer *c = find_viewer(r, t, n.media_ssrc);
    if (!c || c->p->kind != AULA_MEDIA_VIDEO || (c->p->sim && c->sim.current < 0))
        return;
    if (now_ms >= c->rtx_window_ms + 1000) {
        c->rtx_window_ms = now_ms;
        c->rtx_in_window = 0;
    }
    unsigned this_nack = 0;
    for (size_t i = 0; i < n.item_count; i++) {
        uint16_t seqs[17];
        size_t k = aula_rtcp_nack_item_seqs(aula_rtcp_nack_item_at(&n, i), seqs);
        for (size_t j = 0; j < k; j++) {
            bool ok = this_nack < ROUTER_RTX_PER_NACK && c->rtx_in_window < ROUTER_RTX_PER_SECOND &&
                      resend(r, c, seqs[j], now_ms);
            if (ok) {
                this_nack++;
                c->rtx_in_window++;
                r->stats.rtx_served++;
            } else {
                r->stats.rtx_missed++;
            }
        }
    }
}

/* RFC 3550 section 6.4.2: what aula received of p (of each simulcast layer
 * seen so far), to its publisher. */
static void send_rr(aula_router *r, producer *p, uint64_t now_ms)
{
    size_t n = p->sim ? aula_simulcast_count(p->sim) : 1;
    p->next_rr_ms = now_ms + AULA_ROUTER_RR_INTERVAL_MS;
    for (size_t i = 0; i < n; i++) {
        uint8_t buf[64 + AULA_SRTP_MAX_TRAILER];
        size_t len;
        stream s = stream_of(p, p->sim ? (int)i : -1);
        if (aula_recv_stats_build_rr(s.stats, ROUTER_RTCP_SSRC, s.ssrc, now_ms, buf,
                                     sizeof buf - AULA_SRTP_MAX_TRAILER, &len) == 0 &&
            aula_transport_send_rtcp(p->t, buf, len, sizeof buf) == 0)
            r->stats.rr_sent++;
    }
}

/* RFC 6464 with the id the publisher's transport negotiated; a packet
 * without it (or with a malformed one) says nothing about loudness. */
static void note_audio_level(aula_router *r, const aula_transport *t, const producer *p,
                             const uint8_t *buf, const aula_rtp_header *h)
{
    uint8_t id = aula_transport_extensions(t)->audio_level;
    bool voice;
    uint8_t level;
    if (id != 0 && aula_rtp_audio_level(buf, h, id, &voice, &level) == 0)
        aula_speaker_on_level(r->speaker, p->id, level);
}

/* A simulcast packet whose SSRC is not known yet names its layer with the
 * rid extension (RFC 8852); the producer is found by trying each one. */
static producer *find_layer(aula_router *r, aula_transport *t, const uint8_t *buf,
                            const aula_rtp_header *h, int *layer, bool *rtx)
{
    for (producer *p = r->producers; p; p = p->next)
        if (p->t == t && p->sim &&
            (*layer = aula_simulcast_match(p->sim, buf, h, aula_transport_extensions(t), rtx)) >= 0)
            return p;
    return NULL;
}

/* Each viewer gets the packet if it is of its layer; a keyframe of the
 * layer it waits for switches it, with new seq and timestamp offsets. */
static void forward_layer(aula_router *r, producer *p, int layer, uint64_t now_ms,
                          const uint8_t *buf, size_t len, const aula_rtp_header *h)
{
    bool key = aula_simulcast_keyframe(p->codec, buf, h);
    for (consumer *c = p->consumers; c; c = c->next) {
        aula_sim_verdict v = aula_sim_consumer_on_packet(&c->sim, layer, key);
        /* A viewer without a layer yet (after a publisher restart the
         * layers' SSRCs were unknown when the PLI was due) asks again,
         * paced, now that the target's SSRC is known. */
        if (v == AULA_SIM_DROP && c->sim.current < 0 && layer == c->sim.target)
            request_keyframe(p, 1u << layer, now_ms);
        if (v == AULA_SIM_DROP)
            continue;
        if (v == AULA_SIM_SWITCH)
            c->resync = true;
        aula_sim_consumer_timestamp(&c->sim, h->timestamp, now_ms, v == AULA_SIM_SWITCH);
        forward(r, c, buf, len, h->seq);
    }
}

int aula_router_on_rtp(aula_router *r, aula_transport *t, uint64_t now_ms, const uint8_t *buf,
                       size_t len)
{
    aula_rtp_header h;
    if (aula_rtp_parse(buf, len, &h) != 0)
        return AULA_DROP_RTP_MALFORMED;
    if (len > AULA_ROUTER_MAX_RTP)
        return AULA_DROP_RTP_TOO_BIG;
    bool rtx = false;
    int layer = -1;
    producer *p = find_by_ssrc(r, t, h.ssrc, &rtx);
    if (!p)
        p = find_layer(r, t, buf, &h, &layer, &rtx);
    if (!p)
        return AULA_DROP_UNKNOWN_SSRC;
    stream s = stream_of(p, layer);
    if (rtx)
        return on_publisher_rtx(r, p, &s, now_ms, buf, &h);
    /* Stored and counted even while paused: it was received, and
     * current_offset() keeps it from the viewers. */
    if (s.buf)
        aula_retransmit_store(s.buf, h.seq, now_ms, buf, len);
    track_publisher(r, p, &s, &h, now_ms);
    if (p->paused)
        return AULA_DROP_PRODUCER_PAUSED;
    if (p->kind == AULA_MEDIA_AUDIO)
        note_audio_level(r, t, p, buf, &h);
    if (p->sim) {
        forward_layer(r, p, layer, now_ms, buf, len, &h);
        return AULA_DROP_NONE;
    }
    for (consumer *c = p->consumers; c; c = c->next) {
        aula_sim_consumer_timestamp(&c->sim, h.timestamp, now_ms, c->ts_rebase);
        c->ts_rebase = false;
        forward(r, c, buf, len, h.seq);
    }
    return AULA_DROP_NONE;
}

/* RFC 3550 section 6.4.1: the publisher's SR, re-sent to each viewer as if
 * from the consumer's SSRC so the browser can sync audio and video (for
 * simulcast: to the viewers of that layer, on their timestamp clock). Its
 * report blocks describe what the publisher receives and are left out. */
static void forward_sr(producer *p, int layer, const aula_rtcp_header *h, uint64_t now_ms)
{
    aula_rtcp_sr sr;
    if (aula_rtcp_parse_sr(h, &sr) != 0)
        return;
    aula_recv_stats_on_sr(stream_of(p, layer).stats, sr.ntp_time, now_ms); /* for LSR/DLSR */
    if (p->paused)
        return;
    sr.report_count = 0;
    uint32_t rtp_time = sr.rtp_time;
    for (consumer *c = p->consumers; c; c = c->next) {
        uint8_t buf[64 + AULA_SRTP_MAX_TRAILER];
        size_t len;
        if (p->sim ? c->sim.current != layer || !c->sim.ts_started : c->ts_rebase)
            continue; /* not on the viewer's clock yet */
        sr.ssrc = c->ssrc;
        sr.rtp_time = aula_sim_consumer_map_ts(&c->sim, rtp_time);
        if (aula_rtcp_build_sr(&sr, buf, sizeof buf - AULA_SRTP_MAX_TRAILER, &len) == 0)
            aula_transport_send_rtcp(c->t, buf, len, sizeof buf);
    }
}

/* A viewer's PLI or FIR names the consumer's SSRC on its transport. */
static void viewer_wants_keyframe(aula_router *r, const aula_transport *t, uint32_t ssrc,
                                  uint64_t now_ms)
{
    consumer *c = find_viewer(r, t, ssrc);
    if (c)
        request_keyframe(c->p, consumer_layers(c), now_ms);
}

static void on_psfb(aula_router *r, const aula_transport *t, const aula_rtcp_header *h,
                    uint64_t now_ms)
{
    if (h->count == AULA_RTCP_FMT_PLI) {
        aula_rtcp_fb fb;
        if (aula_rtcp_parse_pli(h, &fb) == 0)
            viewer_wants_keyframe(r, t, fb.media_ssrc, now_ms);
    } else if (h->count == AULA_RTCP_FMT_FIR) {
        aula_rtcp_fir fir;
        if (aula_rtcp_parse_fir(h, &fir) != 0)
            return;
        for (size_t i = 0; i < fir.entry_count; i++)
            viewer_wants_keyframe(r, t, aula_rtcp_fir_entry_at(&fir, i).ssrc, now_ms);
    }
    /* REMB (FMT 15) is ignored for now: no bandwidth estimation yet. */
}

/* A viewer's receiver report drives its simulcast layer; while a switch
 * waits for a keyframe, each report asks again (paced). */
static void on_viewer_rr(aula_router *r, const aula_transport *t, const aula_rtcp_header *h,
                         uint64_t now_ms)
{
    aula_rtcp_rr rr;
    if (aula_rtcp_parse_rr(h, &rr) != 0)
        return;
    for (size_t i = 0; i < rr.report_count; i++) {
        consumer *c = find_viewer(r, t, rr.reports[i].ssrc);
        if (!c || !c->p->sim)
            continue;
        aula_sim_consumer_on_report(&c->sim, rr.reports[i].fraction_lost, now_ms);
        if (aula_sim_consumer_switching(&c->sim))
            request_keyframe(c->p, 1u << c->sim.target, now_ms);
    }
}

static void on_publisher_sr(aula_router *r, aula_transport *t, const aula_rtcp_header *h,
                            uint64_t now_ms)
{
    if (h->body_len < 4)
        return;
    uint32_t ssrc = aula_get_u32be(h->body);
    bool rtx;
    producer *p = find_by_ssrc(r, t, ssrc, &rtx);
    if (p && !rtx) {
        forward_sr(p, -1, h, now_ms);
        return;
    }
    for (p = r->producers; p; p = p->next) {
        int layer = p->t == t && p->sim ? aula_simulcast_layer_of_ssrc(p->sim, ssrc) : -1;
        if (layer >= 0) {
            forward_sr(p, layer, h, now_ms);
            return;
        }
    }
}

int aula_router_on_rtcp(aula_router *r, aula_transport *t, uint64_t now_ms, const uint8_t *buf,
                        size_t len)
{
    aula_rtcp_iter it;
    aula_rtcp_header h;
    aula_rtcp_iter_init(&it, buf, len);
    int rc;
    while ((rc = aula_rtcp_iter_next(&it, &h)) == 0) {
        if (h.type == AULA_RTCP_SR)
            on_publisher_sr(r, t, &h, now_ms);
        else if (h.type == AULA_RTCP_RR)
            on_viewer_rr(r, t, &h, now_ms);
        else if (h.type == AULA_RTCP_PSFB)
            on_psfb(r, t, &h, now_ms);
        else if (h.type == AULA_RTCP_RTPFB && h.count == AULA_RTCP_FMT_NACK)
            on_viewer_nack(r, t, &h, now_ms);
        /* SDES, BYE and transport-cc are not acted on yet. */
    }
    return rc == AULA_ENOENT ? AULA_DROP_NONE : AULA_DROP_RTCP_MALFORMED;
}

bool aula_router_next_timeout(const aula_router *r, uint64_t *at_ms)
{
    bool any = false;
    for (const producer *p = r->producers; p; p = p->next) {
        if (!p->pli_pending || !p->pli_sent || !aula_transport_is_connected(p->t))
            continue;
        uint64_t at = p->last_pli_ms + AULA_ROUTER_PLI_INTERVAL_MS;
        if (!any || at < *at_ms)
            *at_ms = at;
        any = true;
    }
    for (producer *p = r->producers; p; p = p->next)
        if (producer_started(p) && aula_transport_is_connected(p->t) &&
            (!any || p->next_rr_ms < *at_ms)) {
            *at_ms = p->next_rr_ms;
            any = true;
        }
    return any;
}

void aula_router_handle_timeout(aula_router *r, uint64_t now_ms)
{
    for (producer *p = r->producers; p; p = p->next)
        if (p->pli_pending && aula_transport_is_connected(p->t) &&
            now_ms >= p->last_pli_ms + AULA_ROUTER_PLI_INTERVAL_MS)
            send_pli(p, now_ms);
    for (producer *p = r->producers; p; p = p->next)
        if (producer_started(p) && aula_transport_is_connected(p->t) && now_ms >= p->next_rr_ms)
            send_rr(r, p, now_ms);
}
