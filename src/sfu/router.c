#include "sfu/router.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "rtc/rtcp.h"
#include "rtc/rtp.h"
#include "rtc/srtp.h"
#include "sfu/drop.h"

#include <string.h>

/* The SSRC aula puts as sender in the RTCP it generates (RFC 4585 section
 * 6.1 only needs it to be stable). */
#define ROUTER_RTCP_SSRC 1u

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
    struct consumer *next;
} consumer;

struct producer {
    uint64_t id;
    aula_transport *t; /* borrowed: the publisher's transport */
    aula_media_kind kind;
    uint32_t ssrc;
    uint32_t rtx_ssrc;
    uint8_t pt;
    bool paused;
    bool pli_sent;    /* at least one PLI went out: pacing applies */
    bool pli_pending; /* a request waits for the pacing window or DTLS */
    uint64_t last_pli_ms;
    consumer *consumers; /* owned */
    producer *next;
};

struct aula_router {
    uint64_t room_key;
    producer *producers; /* owned */
    /* One forwarded copy at a time: the packet plus the SRTP trailer. */
    uint8_t scratch[AULA_ROUTER_MAX_RTP + AULA_SRTP_MAX_TRAILER];
};

aula_router *aula_router_create(uint64_t room_key)
{
    aula_router *r = aula_calloc(1, sizeof *r);
    r->room_key = room_key;
    return r;
}

static void free_consumers(producer *p)
{
    while (p->consumers) {
        consumer *c = p->consumers;
        p->consumers = c->next;
        aula_free(c);
    }
}

void aula_router_destroy(aula_router *r)
{
    if (!r)
        return;
    while (r->producers) {
        producer *p = r->producers;
        r->producers = p->next;
        free_consumers(p);
        aula_free(p);
    }
    aula_free(r);
}

uint64_t aula_router_room_key(const aula_router *r)
{
    return r->room_key;
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
        if (p->ssrc == ssrc) {
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
    if (find_producer(r, a->producer_id) || find_by_ssrc(r, t, a->ssrc, &rtx))
        return AULA_EEXIST;
    producer *p = aula_calloc(1, sizeof *p);
    p->id = a->producer_id;
    p->t = t;
    p->kind = a->kind;
    p->ssrc = a->ssrc;
    p->rtx_ssrc = a->rtx_ssrc;
    p->pt = a->payload_type;
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
        free_consumers(p);
        aula_free(p);
        return 0;
    }
    return AULA_ENOENT;
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

/* RFC 4585 section 6.3.1: a PLI for the producer's SSRC to its publisher. */
static void send_pli(producer *p, uint64_t now_ms)
{
    uint8_t buf[64 + AULA_SRTP_MAX_TRAILER];
    size_t len;
    if (!aula_transport_is_connected(p->t)) {
        p->pli_pending = true; /* sent by aula_router_transport_connected */
        return;
    }
    p->pli_pending = false;
    p->pli_sent = true;
    p->last_pli_ms = now_ms;
    if (aula_rtcp_build_pli(ROUTER_RTCP_SSRC, p->ssrc, buf, sizeof buf - AULA_SRTP_MAX_TRAILER,
                            &len) == 0)
        aula_transport_send_rtcp(p->t, buf, len, sizeof buf);
}

/* Paced: the first request goes at once, then at most one per interval;
 * a request inside the interval is deferred to its end. */
static void request_keyframe(producer *p, uint64_t now_ms)
{
    if (p->kind == AULA_MEDIA_AUDIO)
        return;
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
    c->next = p->consumers;
    p->consumers = c;
    request_keyframe(p, now_ms);
    return 0;
}

int aula_router_consumer_close(aula_router *r, uint64_t consumer_id)
{
    consumer **cp = find_consumer(r, consumer_id);
    if (!cp)
        return AULA_ENOENT;
    consumer *c = *cp;
    *cp = c->next;
    aula_free(c);
    return 0;
}

int aula_router_keyframe_request(aula_router *r, uint64_t producer_id, uint64_t now_ms)
{
    producer *p = find_producer(r, producer_id);
    if (!p)
        return AULA_ENOENT;
    request_keyframe(p, now_ms);
    return 0;
}

void aula_router_transport_gone(aula_router *r, const aula_transport *t)
{
    for (producer **pp = &r->producers; *pp;) {
        producer *p = *pp;
        if (p->t == t) {
            *pp = p->next;
            free_consumers(p);
            aula_free(p);
            continue;
        }
        for (consumer **cp = &p->consumers; *cp;) {
            consumer *c = *cp;
            if (c->t == t) {
                *cp = c->next;
                aula_free(c);
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

static void forward(aula_router *r, consumer *c, const uint8_t *buf, size_t len, uint16_t seq)
{
    if (c->resync) {
        c->seq_off = c->sent_any ? (uint16_t)(c->last_seq + 1 - seq) : 0;
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
    aula_transport_send_rtp(c->t, r->scratch, len, sizeof r->scratch);
}

int aula_router_on_rtp(aula_router *r, aula_transport *t, uint64_t now_ms, const uint8_t *buf,
                       size_t len)
{
    (void)now_ms;
    aula_rtp_header h;
    if (aula_rtp_parse(buf, len, &h) != 0)
        return AULA_DROP_RTP_MALFORMED;
    if (len > AULA_ROUTER_MAX_RTP)
        return AULA_DROP_RTP_TOO_BIG;
    bool rtx;
    producer *p = find_by_ssrc(r, t, h.ssrc, &rtx);
    if (!p)
        return AULA_DROP_UNKNOWN_SSRC;
    if (rtx) /* RFC 4588 retransmissions need NACK handling: not yet */
        return AULA_DROP_RTX_UNSUPPORTED;
    if (p->paused)
        return AULA_DROP_PRODUCER_PAUSED;
    for (consumer *c = p->consumers; c; c = c->next)
        forward(r, c, buf, len, h.seq);
    return AULA_DROP_NONE;
}

/* RFC 3550 section 6.4.1: the publisher's SR, re-sent to each viewer as if
 * from the consumer's SSRC so the browser can sync audio and video. Its
 * report blocks describe what the publisher receives and are left out. */
static void forward_sr(producer *p, const aula_rtcp_header *h)
{
    aula_rtcp_sr sr;
    if (p->paused || aula_rtcp_parse_sr(h, &sr) != 0)
        return;
    sr.report_count = 0;
    for (consumer *c = p->consumers; c; c = c->next) {
        uint8_t buf[64 + AULA_SRTP_MAX_TRAILER];
        size_t len;
        sr.ssrc = c->ssrc;
        if (aula_rtcp_build_sr(&sr, buf, sizeof buf - AULA_SRTP_MAX_TRAILER, &len) == 0)
            aula_transport_send_rtcp(c->t, buf, len, sizeof buf);
    }
}

/* A viewer's PLI or FIR names the consumer's SSRC on its transport. */
static void viewer_wants_keyframe(aula_router *r, const aula_transport *t, uint32_t ssrc,
                                  uint64_t now_ms)
{
    for (producer *p = r->producers; p; p = p->next)
        for (consumer *c = p->consumers; c; c = c->next)
            if (c->t == t && c->ssrc == ssrc) {
                request_keyframe(p, now_ms);
                return;
            }
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

int aula_router_on_rtcp(aula_router *r, aula_transport *t, uint64_t now_ms, const uint8_t *buf,
                        size_t len)
{
    aula_rtcp_iter it;
    aula_rtcp_header h;
    aula_rtcp_iter_init(&it, buf, len);
    int rc;
    while ((rc = aula_rtcp_iter_next(&it, &h)) == 0) {
        if (h.type == AULA_RTCP_SR && h.body_len >= 4) {
            uint32_t ssrc = (uint32_t)h.body[0] << 24 | (uint32_t)h.body[1] << 16 |
                            (uint32_t)h.body[2] << 8 | h.body[3];
            bool rtx;
            producer *p = find_by_ssrc(r, t, ssrc, &rtx);
            if (p && !rtx)
                forward_sr(p, &h);
        } else if (h.type == AULA_RTCP_PSFB) {
            on_psfb(r, t, &h, now_ms);
        }
        /* RR, SDES, BYE, NACK and transport-cc are not acted on yet. */
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
    return any;
}

void aula_router_handle_timeout(aula_router *r, uint64_t now_ms)
{
    for (producer *p = r->producers; p; p = p->next)
        if (p->pli_pending && aula_transport_is_connected(p->t) &&
            now_ms >= p->last_pli_ms + AULA_ROUTER_PLI_INTERVAL_MS)
            send_pli(p, now_ms);
}
