/* RTCP compound iteration, reports, SDES, BYE and PLI. See rtcp.h. */
#include "rtc/rtcp.h"

#include "core/error.h"

#include <string.h>

/* A bounds-checked reader over one packet body. A read past the end sets
 * bad and returns 0, so a parser can read a whole fixed block and check once. */
typedef struct rd {
    const uint8_t *p;
    size_t len;
    size_t pos;
    bool bad;
} rd;

static bool rd_need(rd *r, size_t n)
{
    if (r->bad || r->len - r->pos < n) {
        r->bad = true;
        return false;
    }
    return true;
}

static uint8_t rd_u8(rd *r)
{
    if (!rd_need(r, 1))
        return 0;
    return r->p[r->pos++];
}

static uint32_t rd_u24be(rd *r)
{
    if (!rd_need(r, 3))
        return 0;
    const uint8_t *p = r->p + r->pos;
    r->pos += 3;
    return (uint32_t)p[0] << 16 | (uint32_t)p[1] << 8 | p[2];
}

static uint32_t rd_u32be(rd *r)
{
    if (!rd_need(r, 4))
        return 0;
    const uint8_t *p = r->p + r->pos;
    r->pos += 4;
    return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

/* A writer into the caller's buffer; full is set instead of overrunning. */
typedef struct wr {
    uint8_t *p;
    size_t cap;
    size_t pos;
    bool full;
} wr;

static void wr_u8(wr *w, uint8_t v)
{
    if (w->full || w->pos >= w->cap) {
        w->full = true;
        return;
    }
    w->p[w->pos++] = v;
}

static void wr_u16be(wr *w, uint16_t v)
{
    wr_u8(w, (uint8_t)(v >> 8));
    wr_u8(w, (uint8_t)v);
}

static void wr_u32be(wr *w, uint32_t v)
{
    wr_u16be(w, (uint16_t)(v >> 16));
    wr_u16be(w, (uint16_t)v);
}

static void wr_bytes(wr *w, const uint8_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++)
        wr_u8(w, src[i]);
}

/* RFC 3550 §6.4.1 header: V=2, P=0, count, PT, length in words minus one.
 * size is the whole packet, a multiple of 4. */
static void wr_header(wr *w, uint8_t count, uint8_t type, size_t size)
{
    wr_u8(w, (uint8_t)(0x80 | (count & 0x1f)));
    wr_u8(w, type);
    wr_u16be(w, (uint16_t)(size / 4 - 1));
}

static int wr_finish(const wr *w, size_t *written)
{
    if (w->full)
        return AULA_ETOOBIG;
    *written = w->pos;
    return 0;
}

static size_t round4(size_t n)
{
    return (n + 3) & ~(size_t)3;
}

void aula_rtcp_iter_init(aula_rtcp_iter *it, const uint8_t *buf, size_t len)
{
    it->buf = buf;
    it->len = len;
    it->pos = 0;
}

int aula_rtcp_iter_next(aula_rtcp_iter *it, aula_rtcp_header *out)
{
    if (it->pos >= it->len)
        return AULA_ENOENT;
    const uint8_t *p = it->buf + it->pos;
    size_t left = it->len - it->pos;
    /* RFC 3550 §6.4.1 and the validity checks of A.2. */
    if (left < AULA_RTCP_HEADER_LEN || p[0] >> 6 != 2)
        return AULA_EPROTO;
    size_t size = 4 * ((size_t)((unsigned)p[2] << 8 | p[3]) + 1);
    if (size > left)
        return AULA_EPROTO;
    memset(out, 0, sizeof *out);
    out->count = p[0] & 0x1f;
    out->type = p[1];
    out->padding = (p[0] & 0x20) != 0;
    out->packet = p;
    out->size = size;
    out->body = p + AULA_RTCP_HEADER_LEN;
    out->body_len = size - AULA_RTCP_HEADER_LEN;
    if (out->padding) {
        /* Only the last packet of a compound may be padded (A.2), and the
         * count, which includes itself, must stay inside the body. */
        uint8_t pad = p[size - 1];
        if (size != left || pad == 0 || pad > out->body_len)
            return AULA_EPROTO;
        out->padding_len = pad;
        out->body_len -= pad;
    }
    it->pos += size;
    return 0;
}

int aula_rtcp_validate(const uint8_t *buf, size_t len)
{
    if (len == 0)
        return AULA_EPROTO;
    aula_rtcp_iter it;
    aula_rtcp_header h;
    int rc;
    aula_rtcp_iter_init(&it, buf, len);
    while ((rc = aula_rtcp_iter_next(&it, &h)) == 0)
        ;
    return rc == AULA_ENOENT ? 0 : rc;
}

/* RFC 3550 §6.4.1: the 24-bit cumulative loss is signed. */
static void read_report_block(rd *r, aula_rtcp_report_block *b)
{
    b->ssrc = rd_u32be(r);
    b->fraction_lost = rd_u8(r);
    b->cumulative_lost = (int32_t)(rd_u24be(r) ^ 0x800000u) - 0x800000;
    b->highest_seq = rd_u32be(r);
    b->jitter = rd_u32be(r);
    b->lsr = rd_u32be(r);
    b->dlsr = rd_u32be(r);
}

/* Out-of-range losses are clamped as RFC 3550 A.3 suggests. */
static void write_report_block(wr *w, const aula_rtcp_report_block *b)
{
    int32_t lost = b->cumulative_lost;
    if (lost > 0x7fffff)
        lost = 0x7fffff;
    if (lost < -0x800000)
        lost = -0x800000;
    wr_u32be(w, b->ssrc);
    wr_u8(w, b->fraction_lost);
    wr_u8(w, (uint8_t)((uint32_t)lost >> 16));
    wr_u16be(w, (uint16_t)((uint32_t)lost & 0xffff));
    wr_u32be(w, b->highest_seq);
    wr_u32be(w, b->jitter);
    wr_u32be(w, b->lsr);
    wr_u32be(w, b->dlsr);
}

int aula_rtcp_parse_sr(const aula_rtcp_header *h, aula_rtcp_sr *out)
{
    if (h->type != AULA_RTCP_SR)
        return AULA_EPROTO;
    rd r = {h->body, h->body_len, 0, false};
    memset(out, 0, sizeof *out);
    /* RFC 3550 §6.4.1: SSRC, NTP timestamp, RTP timestamp, counts. */
    out->ssrc = rd_u32be(&r);
    out->ntp_time = (uint64_t)rd_u32be(&r) << 32;
    out->ntp_time |= rd_u32be(&r);
    out->rtp_time = rd_u32be(&r);
    out->packet_count = rd_u32be(&r);
    out->octet_count = rd_u32be(&r);
    out->report_count = h->count;
    for (unsigned i = 0; i < h->count; i++)
        read_report_block(&r, &out->reports[i]);
    return r.bad ? AULA_EPROTO : 0;
}

int aula_rtcp_parse_rr(const aula_rtcp_header *h, aula_rtcp_rr *out)
{
    if (h->type != AULA_RTCP_RR)
        return AULA_EPROTO;
    rd r = {h->body, h->body_len, 0, false};
    memset(out, 0, sizeof *out);
    /* RFC 3550 §6.4.2: SSRC of the packet sender, then report blocks. */
    out->ssrc = rd_u32be(&r);
    out->report_count = h->count;
    for (unsigned i = 0; i < h->count; i++)
        read_report_block(&r, &out->reports[i]);
    return r.bad ? AULA_EPROTO : 0;
}

int aula_rtcp_build_sr(const aula_rtcp_sr *sr, uint8_t *buf, size_t cap, size_t *written)
{
    if (sr->report_count > AULA_RTCP_MAX_COUNT)
        return AULA_EINVAL;
    wr w = {buf, cap, 0, false};
    wr_header(&w, sr->report_count, AULA_RTCP_SR, 28 + 24u * sr->report_count);
    wr_u32be(&w, sr->ssrc);
    wr_u32be(&w, (uint32_t)(sr->ntp_time >> 32));
    wr_u32be(&w, (uint32_t)sr->ntp_time);
    wr_u32be(&w, sr->rtp_time);
    wr_u32be(&w, sr->packet_count);
    wr_u32be(&w, sr->octet_count);
    for (unsigned i = 0; i < sr->report_count; i++)
        write_report_block(&w, &sr->reports[i]);
    return wr_finish(&w, written);
}

int aula_rtcp_build_rr(const aula_rtcp_rr *rr, uint8_t *buf, size_t cap, size_t *written)
{
    if (rr->report_count > AULA_RTCP_MAX_COUNT)
        return AULA_EINVAL;
    wr w = {buf, cap, 0, false};
    wr_header(&w, rr->report_count, AULA_RTCP_RR, 8 + 24u * rr->report_count);
    wr_u32be(&w, rr->ssrc);
    for (unsigned i = 0; i < rr->report_count; i++)
        write_report_block(&w, &rr->reports[i]);
    return wr_finish(&w, written);
}

/* RFC 3550 §6.5: items end with a null octet, then null octets pad to the
 * next 32-bit boundary. Positions are relative to the body, which itself
 * starts on a boundary. */
static int parse_sdes_chunk(rd *r, aula_rtcp_sdes_chunk *c)
{
    c->ssrc = rd_u32be(r);
    for (;;) {
        uint8_t type = rd_u8(r);
        if (r->bad)
            return AULA_EPROTO;
        if (type == 0)
            break;
        uint8_t len = rd_u8(r);
        if (!rd_need(r, len))
            return AULA_EPROTO;
        if (type == 1 && c->cname == NULL) { /* CNAME, §6.5.1 */
            c->cname = r->p + r->pos;
            c->cname_len = len;
        }
        r->pos += len;
    }
    size_t next = round4(r->pos);
    if (next > r->len)
        return AULA_EPROTO;
    r->pos = next;
    return 0;
}

int aula_rtcp_parse_sdes(const aula_rtcp_header *h, aula_rtcp_sdes *out)
{
    if (h->type != AULA_RTCP_SDES)
        return AULA_EPROTO;
    rd r = {h->body, h->body_len, 0, false};
    memset(out, 0, sizeof *out);
    out->chunk_count = h->count;
    for (unsigned i = 0; i < h->count; i++) {
        int rc = parse_sdes_chunk(&r, &out->chunks[i]);
        if (rc != 0)
            return rc;
    }
    return 0;
}

int aula_rtcp_build_sdes(const aula_rtcp_sdes *s, uint8_t *buf, size_t cap, size_t *written)
{
    if (s->chunk_count > AULA_RTCP_MAX_COUNT)
        return AULA_EINVAL;
    size_t size = AULA_RTCP_HEADER_LEN;
    for (unsigned i = 0; i < s->chunk_count; i++) {
        const aula_rtcp_sdes_chunk *c = &s->chunks[i];
        size += round4(4 + (c->cname ? 2u + c->cname_len : 0) + 1);
    }
    wr w = {buf, cap, 0, false};
    wr_header(&w, s->chunk_count, AULA_RTCP_SDES, size);
    for (unsigned i = 0; i < s->chunk_count; i++) {
        const aula_rtcp_sdes_chunk *c = &s->chunks[i];
        size_t start = w.pos;
        wr_u32be(&w, c->ssrc);
        if (c->cname) {
            wr_u8(&w, 1);
            wr_u8(&w, c->cname_len);
            wr_bytes(&w, c->cname, c->cname_len);
        }
        /* The END item, then null padding to the boundary. */
        size_t end = start + round4(w.pos - start + 1);
        while (!w.full && w.pos < end)
            wr_u8(&w, 0);
    }
    return wr_finish(&w, written);
}

int aula_rtcp_parse_bye(const aula_rtcp_header *h, aula_rtcp_bye *out)
{
    if (h->type != AULA_RTCP_BYE)
        return AULA_EPROTO;
    rd r = {h->body, h->body_len, 0, false};
    memset(out, 0, sizeof *out);
    /* RFC 3550 §6.6: SC SSRCs, then an optional length-prefixed reason. */
    out->ssrc_count = h->count;
    for (unsigned i = 0; i < h->count; i++)
        out->ssrcs[i] = rd_u32be(&r);
    if (r.bad)
        return AULA_EPROTO;
    if (r.pos < r.len) {
        uint8_t len = rd_u8(&r);
        if (!rd_need(&r, len))
            return AULA_EPROTO;
        out->reason = r.p + r.pos;
        out->reason_len = len;
    }
    return 0;
}

int aula_rtcp_build_bye(const aula_rtcp_bye *b, uint8_t *buf, size_t cap, size_t *written)
{
    if (b->ssrc_count > AULA_RTCP_MAX_COUNT)
        return AULA_EINVAL;
    size_t size = AULA_RTCP_HEADER_LEN + 4u * b->ssrc_count;
    if (b->reason)
        size += round4(1u + b->reason_len);
    wr w = {buf, cap, 0, false};
    wr_header(&w, b->ssrc_count, AULA_RTCP_BYE, size);
    for (unsigned i = 0; i < b->ssrc_count; i++)
        wr_u32be(&w, b->ssrcs[i]);
    if (b->reason) {
        wr_u8(&w, b->reason_len);
        wr_bytes(&w, b->reason, b->reason_len);
        while (!w.full && w.pos < size)
            wr_u8(&w, 0);
    }
    return wr_finish(&w, written);
}

int aula_rtcp_parse_fb(const aula_rtcp_header *h, aula_rtcp_fb *out)
{
    if (h->type != AULA_RTCP_RTPFB && h->type != AULA_RTCP_PSFB)
        return AULA_EPROTO;
    rd r = {h->body, h->body_len, 0, false};
    memset(out, 0, sizeof *out);
    /* RFC 4585 §6.1: SSRC of packet sender, SSRC of media source, FCI. */
    out->type = h->type;
    out->fmt = h->count;
    out->sender_ssrc = rd_u32be(&r);
    out->media_ssrc = rd_u32be(&r);
    if (r.bad)
        return AULA_EPROTO;
    out->fci = h->body + r.pos;
    out->fci_len = h->body_len - r.pos;
    return 0;
}

int aula_rtcp_parse_pli(const aula_rtcp_header *h, aula_rtcp_fb *out)
{
    if (h->type != AULA_RTCP_PSFB || h->count != AULA_RTCP_FMT_PLI)
        return AULA_EPROTO;
    /* RFC 4585 §6.3.1: a PLI has no FCI; trailing bytes are tolerated. */
    return aula_rtcp_parse_fb(h, out);
}

int aula_rtcp_build_pli(uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t *buf, size_t cap,
                        size_t *written)
{
    wr w = {buf, cap, 0, false};
    wr_header(&w, AULA_RTCP_FMT_PLI, AULA_RTCP_PSFB, 12);
    wr_u32be(&w, sender_ssrc);
    wr_u32be(&w, media_ssrc);
    return wr_finish(&w, written);
}
