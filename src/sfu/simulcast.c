#include "sfu/simulcast.h"

#include "core/alloc.h"
#include "core/byteorder.h"

#include <assert.h>
#include <stdio.h>
#include <string.h>

typedef struct layer {
    char rid[AULA_MEDIA_RID_MAX + 1];
    uint32_t ssrc;     /* 0 until learned */
    uint32_t rtx_ssrc; /* 0 until learned */
    aula_recv_stats stats;
    aula_retransmit *rtx_buf; /* owned */
} layer;

struct aula_simulcast {
    layer layers[AULA_MEDIA_MAX_LAYERS];
    size_t n;
    char mid[AULA_MEDIA_MID_MAX + 1];
};

bool aula_simulcast_vp8_keyframe(const uint8_t *pkt, const aula_rtp_header *h)
{
    const uint8_t *p = pkt + h->payload_offset;
    size_t n = h->payload_len, i = 1;
    if (n < 1)
        return false;
    /* S set and partition index 0: the start of the frame (section 4.2). */
    if (!(p[0] & 0x10) || (p[0] & 0x07) != 0)
        return false;
    if (p[0] & 0x80) { /* X: the extension byte I L T K */
        if (n < 2)
            return false;
        uint8_t x = p[1];
        i = 2;
        if (x & 0x80) { /* I: picture id, 15 bits when M is set */
            if (i >= n)
                return false;
            i += (p[i] & 0x80) ? 2 : 1;
        }
        if (x & 0x40) /* L: TL0PICIDX */
            i++;
        if (x & 0x30) /* T or K: TID/Y/KEYIDX */
            i++;
    }
    /* Section 4.3: P (the lowest bit) is 0 for a keyframe. */
    return i < n && (p[i] & 0x01) == 0;
}

static bool h264_key_nal(uint8_t type)
{
    return type == 5 || type == 7; /* IDR slice, SPS (RFC 6184 section 1.3) */
}

bool aula_simulcast_h264_keyframe(const uint8_t *pkt, const aula_rtp_header *h)
{
    const uint8_t *p = pkt + h->payload_offset;
    size_t n = h->payload_len;
    if (n < 1)
        return false;
    uint8_t type = p[0] & 0x1f;
    if (type >= 1 && type <= 23) /* a single NAL unit packet, section 5.6 */
        return h264_key_nal(type);
    if (type == 24) { /* STAP-A, section 5.7.1: 16-bit size, then the NAL unit */
        for (size_t i = 1; i + 2 < n;) {
            size_t size = aula_get_u16be(p + i);
            if (size == 0 || size > n - i - 2)
                return false;
            if (h264_key_nal(p[i + 2] & 0x1f))
                return true;
            i += 2 + size;
        }
        return false;
    }
    /* FU-A, section 5.8: the FU header's S bit and the original type. */
    if (type == 28)
        return n >= 2 && (p[1] & 0x80) && h264_key_nal(p[1] & 0x1f);
    return false;
}

bool aula_simulcast_keyframe(aula_media_codec codec, const uint8_t *pkt, const aula_rtp_header *h)
{
    if (codec == AULA_MEDIA_CODEC_H264)
        return aula_simulcast_h264_keyframe(pkt, h);
    return aula_simulcast_vp8_keyframe(pkt, h);
}

aula_simulcast *aula_simulcast_create(const aula_media_layer *layers, size_t n, const char *mid,
                                      uint32_t clock_rate)
{
    assert(n >= 1 && n <= AULA_MEDIA_MAX_LAYERS);
    aula_simulcast *s = aula_calloc(1, sizeof *s);
    s->n = n;
    snprintf(s->mid, sizeof s->mid, "%s", mid ? mid : "");
    for (size_t i = 0; i < n; i++) {
        snprintf(s->layers[i].rid, sizeof s->layers[i].rid, "%s", layers[i].rid);
        aula_recv_stats_init(&s->layers[i].stats, clock_rate);
        s->layers[i].rtx_buf = aula_retransmit_create();
    }
    return s;
}

void aula_simulcast_destroy(aula_simulcast *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        aula_retransmit_destroy(s->layers[i].rtx_buf);
    aula_free(s);
}

size_t aula_simulcast_count(const aula_simulcast *s)
{
    return s->n;
}

/* True when extension id holds exactly the string str (RFC 8852 section
 * 3: the value is the rid's characters, no terminator). */
static bool ext_is(const uint8_t *pkt, const aula_rtp_header *h, uint8_t id, const char *str)
{
    aula_rtp_ext e;
    if (id == 0 || aula_rtp_ext_find(pkt, h, id, &e) != 0)
        return false;
    size_t len = strlen(str);
    return e.len == len && memcmp(pkt + e.offset, str, len) == 0;
}

static bool has_ext(const uint8_t *pkt, const aula_rtp_header *h, uint8_t id)
{
    aula_rtp_ext e;
    return id != 0 && aula_rtp_ext_find(pkt, h, id, &e) == 0;
}

int aula_simulcast_match(aula_simulcast *s, const uint8_t *pkt, const aula_rtp_header *h,
                         const aula_media_extensions *ext, bool *rtx)
{
    if (h->ssrc == 0)
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        if (s->layers[i].ssrc == h->ssrc || s->layers[i].rtx_ssrc == h->ssrc) {
            *rtx = s->layers[i].rtx_ssrc == h->ssrc;
            return (int)i;
        }
    }
    if (!h->extension)
        return -1;
    /* With BUNDLE the rid alone does not name the track: another simulcast
     * section may use the same rids, so the mid must agree when sent. */
    if (s->mid[0] && has_ext(pkt, h, ext->mid) && !ext_is(pkt, h, ext->mid, s->mid))
        return -1;
    for (size_t i = 0; i < s->n; i++) {
        layer *l = &s->layers[i];
        if (!l->ssrc && ext_is(pkt, h, ext->rid, l->rid)) {
            l->ssrc = h->ssrc;
            *rtx = false;
            return (int)i;
        }
        if (!l->rtx_ssrc && ext_is(pkt, h, ext->repaired_rid, l->rid)) {
            l->rtx_ssrc = h->ssrc;
            *rtx = true;
            return (int)i;
        }
    }
    return -1;
}

uint32_t aula_simulcast_ssrc(const aula_simulcast *s, size_t layer_idx)
{
    return layer_idx < s->n ? s->layers[layer_idx].ssrc : 0;
}

int aula_simulcast_layer_of_ssrc(const aula_simulcast *s, uint32_t ssrc)
{
    for (size_t i = 0; i < s->n; i++)
        if (ssrc != 0 && s->layers[i].ssrc == ssrc)
            return (int)i;
    return -1;
}

aula_recv_stats *aula_simulcast_stats(aula_simulcast *s, size_t layer_idx)
{
    assert(layer_idx < s->n);
    return &s->layers[layer_idx].stats;
}

aula_retransmit *aula_simulcast_rtx_buf(aula_simulcast *s, size_t layer_idx)
{
    assert(layer_idx < s->n);
    return s->layers[layer_idx].rtx_buf;
}

/* ---- per viewer ---------------------------------------------------------- */

void aula_sim_consumer_init(aula_sim_consumer *c, size_t n_layers, uint32_t clock_rate)
{
    memset(c, 0, sizeof *c);
    c->n_layers = (int)n_layers;
    c->current = -1;
    c->target = 0;
    c->preferred = (int)n_layers - 1;
    c->clock_rate = clock_rate ? clock_rate : 90000;
}

void aula_sim_consumer_restart(aula_sim_consumer *c)
{
    c->current = -1;
    c->target = 0;
    c->clean_since_ms = 0;
}

aula_sim_verdict aula_sim_consumer_on_packet(aula_sim_consumer *c, int layer_idx, bool keyframe)
{
    if (layer_idx == c->target && layer_idx != c->current && keyframe) {
        c->current = layer_idx;
        return AULA_SIM_SWITCH;
    }
    return layer_idx == c->current ? AULA_SIM_FORWARD : AULA_SIM_DROP;
}

uint32_t aula_sim_consumer_timestamp(aula_sim_consumer *c, uint32_t ts, uint64_t now_ms,
                                     bool switched)
{
    if (switched) {
        if (!c->ts_started) {
            c->ts_off = 0;
        } else {
            /* The new layer's first frame comes as long after the last one
             * sent as it really did, and at least one tick later. */
            uint64_t ticks = (now_ms - c->last_ts_ms) * c->clock_rate / 1000;
            if (ticks == 0)
                ticks = 1;
            c->ts_off = c->last_ts + (uint32_t)ticks - ts;
        }
    }
    uint32_t out = ts + c->ts_off;
    if (!c->ts_started || (int32_t)(out - c->last_ts) > 0) {
        c->last_ts = out;
        c->last_ts_ms = now_ms;
    }
    c->ts_started = true;
    return out;
}

uint32_t aula_sim_consumer_map_ts(const aula_sim_consumer *c, uint32_t ts)
{
    return ts + c->ts_off;
}

bool aula_sim_consumer_on_report(aula_sim_consumer *c, uint8_t fraction_lost, uint64_t now_ms)
{
    int old = c->target, base = c->current < 0 ? 0 : c->current;
    if (fraction_lost > AULA_SIM_DOWN_LOSS) {
        c->clean_since_ms = 0;
        /* A pending step up is called off first; else one layer down. */
        c->target = c->target > base ? base : (base > 0 ? base - 1 : 0);
    } else if (fraction_lost != 0) {
        c->clean_since_ms = 0;
    } else if (c->clean_since_ms == 0) {
        c->clean_since_ms = now_ms;
    } else if (now_ms >= c->clean_since_ms + AULA_SIM_UP_AFTER_MS && c->target == c->current &&
               c->current < c->preferred) {
        c->target = c->current + 1;
        c->clean_since_ms = now_ms; /* the next step up needs its own clean run */
    }
    if (c->target > c->preferred)
        c->target = c->preferred;
    return c->target != old;
}

bool aula_sim_consumer_set_preferred(aula_sim_consumer *c, int layer_idx)
{
    int old = c->target;
    if (layer_idx < 0)
        layer_idx = 0;
    if (layer_idx > c->n_layers - 1)
        layer_idx = c->n_layers - 1;
    c->preferred = layer_idx;
    if (c->target > layer_idx)
        c->target = layer_idx;
    return c->target != old;
}

bool aula_sim_consumer_switching(const aula_sim_consumer *c)
{
    return c->target != c->current;
}
