/* RTCP feedback messages: generic NACK, FIR, REMB and transport-wide CC.
 * See rtcp.h for the contract. Each parser checks the FCI length once up
 * front and then reads fixed offsets inside it. */
#include "rtc/rtcp.h"

#include "core/byteorder.h"
#include "core/error.h"

#include <string.h>

/* The largest RTCP packet the 16-bit length field can describe. */
#define MAX_PACKET (4u * 65536u)

/* Writes the 12-byte feedback header (RFC 4585 §6.1) of a packet of size
 * bytes, a multiple of 4 that the caller has checked against cap. */
static void put_fb_header(uint8_t *p, uint8_t fmt, uint8_t type, size_t size, uint32_t sender,
                          uint32_t media)
{
    p[0] = (uint8_t)(0x80 | fmt);
    p[1] = type;
    aula_put_u16be(p + 2, (uint16_t)(size / 4 - 1));
    aula_put_u32be(p + 4, sender);
    aula_put_u32be(p + 8, media);
}

/* Parses the common header and checks type and FMT. */
static int parse_fb_of(const aula_rtcp_header *h, uint8_t type, uint8_t fmt, aula_rtcp_fb *fb)
{
    if (h->type != type || h->count != fmt)
        return AULA_EPROTO;
    return aula_rtcp_parse_fb(h, fb);
}

int aula_rtcp_parse_nack(const aula_rtcp_header *h, aula_rtcp_nack *out)
{
    aula_rtcp_fb fb;
    int rc = parse_fb_of(h, AULA_RTCP_RTPFB, AULA_RTCP_FMT_NACK, &fb);
    if (rc != 0)
        return rc;
    /* RFC 4585 §6.2.1: one or more 32-bit PID+BLP items. */
    if (fb.fci_len == 0 || fb.fci_len % 4 != 0)
        return AULA_EPROTO;
    out->sender_ssrc = fb.sender_ssrc;
    out->media_ssrc = fb.media_ssrc;
    out->item_count = fb.fci_len / 4;
    out->fci = fb.fci;
    return 0;
}

aula_rtcp_nack_item aula_rtcp_nack_item_at(const aula_rtcp_nack *n, size_t i)
{
    aula_rtcp_nack_item it = {aula_get_u16be(n->fci + 4 * i), aula_get_u16be(n->fci + 4 * i + 2)};
    return it;
}

int aula_rtcp_build_nack(uint32_t sender_ssrc, uint32_t media_ssrc,
                         const aula_rtcp_nack_item *items, size_t n, uint8_t *buf, size_t cap,
                         size_t *written)
{
    if (n == 0 || n > (MAX_PACKET - 12) / 4)
        return AULA_EINVAL;
    size_t size = 12 + 4 * n;
    if (size > cap)
        return AULA_ETOOBIG;
    put_fb_header(buf, AULA_RTCP_FMT_NACK, AULA_RTCP_RTPFB, size, sender_ssrc, media_ssrc);
    for (size_t i = 0; i < n; i++) {
        aula_put_u16be(buf + 12 + 4 * i, items[i].pid);
        aula_put_u16be(buf + 14 + 4 * i, items[i].blp);
    }
    *written = size;
    return 0;
}

int aula_rtcp_nack_from_seqs(const uint16_t *seqs, size_t n, aula_rtcp_nack_item *items, size_t cap,
                             size_t *count)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > 0) {
            /* Modular distance from the current pid handles the wrap. */
            uint16_t d = (uint16_t)(seqs[i] - items[k - 1].pid);
            if (d == 0)
                continue;
            if (d <= 16) {
                items[k - 1].blp |= (uint16_t)(1u << (d - 1));
                continue;
            }
        }
        if (k == cap)
            return AULA_ETOOBIG;
        items[k].pid = seqs[i];
        items[k].blp = 0;
        k++;
    }
    *count = k;
    return 0;
}

size_t aula_rtcp_nack_item_seqs(aula_rtcp_nack_item item, uint16_t seqs[17])
{
    size_t k = 0;
    seqs[k++] = item.pid;
    for (unsigned b = 0; b < 16; b++)
        if (item.blp & (1u << b))
            seqs[k++] = (uint16_t)(item.pid + b + 1);
    return k;
}

int aula_rtcp_nack_to_seqs(const aula_rtcp_nack_item *items, size_t n, uint16_t *seqs, size_t cap,
                           size_t *count)
{
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        uint16_t one[17];
        size_t m = aula_rtcp_nack_item_seqs(items[i], one);
        if (m > cap - k)
            return AULA_ETOOBIG;
        memcpy(seqs + k, one, m * sizeof one[0]);
        k += m;
    }
    *count = k;
    return 0;
}

int aula_rtcp_parse_fir(const aula_rtcp_header *h, aula_rtcp_fir *out)
{
    aula_rtcp_fb fb;
    int rc = parse_fb_of(h, AULA_RTCP_PSFB, AULA_RTCP_FMT_FIR, &fb);
    if (rc != 0)
        return rc;
    /* RFC 5104 §4.3.1.1: entries of SSRC, Seq nr. (8 bits), reserved (24). */
    if (fb.fci_len == 0 || fb.fci_len % 8 != 0)
        return AULA_EPROTO;
    out->sender_ssrc = fb.sender_ssrc;
    out->media_ssrc = fb.media_ssrc;
    out->entry_count = fb.fci_len / 8;
    out->fci = fb.fci;
    return 0;
}

aula_rtcp_fir_entry aula_rtcp_fir_entry_at(const aula_rtcp_fir *f, size_t i)
{
    aula_rtcp_fir_entry e = {aula_get_u32be(f->fci + 8 * i), f->fci[8 * i + 4]};
    return e;
}

int aula_rtcp_build_fir(uint32_t sender_ssrc, const aula_rtcp_fir_entry *entries, size_t n,
                        uint8_t *buf, size_t cap, size_t *written)
{
    if (n == 0 || n > (MAX_PACKET - 12) / 8)
        return AULA_EINVAL;
    size_t size = 12 + 8 * n;
    if (size > cap)
        return AULA_ETOOBIG;
    /* RFC 5104 §4.3.1.2: the media source SSRC field SHALL be 0. */
    put_fb_header(buf, AULA_RTCP_FMT_FIR, AULA_RTCP_PSFB, size, sender_ssrc, 0);
    for (size_t i = 0; i < n; i++) {
        uint8_t *e = buf + 12 + 8 * i;
        aula_put_u32be(e, entries[i].ssrc);
        e[4] = entries[i].seq;
        e[5] = e[6] = e[7] = 0;
    }
    *written = size;
    return 0;
}

int aula_rtcp_parse_remb(const aula_rtcp_header *h, aula_rtcp_remb *out)
{
    aula_rtcp_fb fb;
    int rc = parse_fb_of(h, AULA_RTCP_PSFB, AULA_RTCP_FMT_AFB, &fb);
    if (rc != 0)
        return rc;
    /* draft-alvestrand-rmcat-remb-03 §2.2: "REMB", Num SSRC (8), BR Exp (6),
     * BR Mantissa (18), then Num SSRC SSRCs. */
    if (fb.fci_len < 4 || memcmp(fb.fci, "REMB", 4) != 0)
        return AULA_ENOENT;
    if (fb.fci_len < 8)
        return AULA_EPROTO;
    const uint8_t *p = fb.fci;
    uint8_t num = p[4];
    if (fb.fci_len - 8 < 4u * num)
        return AULA_EPROTO;
    unsigned exp = p[5] >> 2;
    uint64_t mantissa = aula_get_u24be(p + 5) & 0x3ffff;
    out->sender_ssrc = fb.sender_ssrc;
    /* An 18-bit mantissa shifted by up to 63 can overflow 64 bits. */
    if (exp > 46 && (mantissa >> (64 - exp)) != 0)
        out->bitrate_bps = UINT64_MAX;
    else
        out->bitrate_bps = mantissa << exp;
    out->ssrc_count = num;
    for (unsigned i = 0; i < num; i++)
        out->ssrcs[i] = aula_get_u32be(p + 8 + 4 * i);
    return 0;
}

int aula_rtcp_build_remb(const aula_rtcp_remb *r, uint8_t *buf, size_t cap, size_t *written)
{
    size_t size = 20 + 4u * r->ssrc_count;
    if (size > cap)
        return AULA_ETOOBIG;
    unsigned exp = 0;
    while ((r->bitrate_bps >> exp) > 0x3ffff)
        exp++;
    uint32_t mantissa = (uint32_t)(r->bitrate_bps >> exp);
    put_fb_header(buf, AULA_RTCP_FMT_AFB, AULA_RTCP_PSFB, size, r->sender_ssrc, 0);
    memcpy(buf + 12, "REMB", 4);
    buf[16] = r->ssrc_count;
    buf[17] = (uint8_t)(exp << 2 | mantissa >> 16);
    aula_put_u16be(buf + 18, (uint16_t)mantissa);
    for (unsigned i = 0; i < r->ssrc_count; i++)
        aula_put_u32be(buf + 20 + 4 * i, r->ssrcs[i]);
    *written = size;
    return 0;
}

/* Transport-cc packet chunks (draft-holmer-...-01 §3.1.3, §3.1.4):
 *   T=0: run length chunk, S (2 bits) repeated run length (13 bits) times;
 *   T=1, S=0: status vector of 14 one-bit symbols (0 lost, 1 small delta);
 *   T=1, S=1: status vector of 7 two-bit symbols. */
static unsigned chunk_capacity(uint16_t c)
{
    if (!(c & 0x8000))
        return c & 0x1fff;
    return (c & 0x4000) ? 7 : 14;
}

static unsigned chunk_symbol(uint16_t c, unsigned k)
{
    if (!(c & 0x8000))
        return (c >> 13) & 3;
    if (!(c & 0x4000))
        return (c >> (13 - k)) & 1;
    return (c >> (2 * (6 - k))) & 3;
}

int aula_rtcp_parse_twcc(const aula_rtcp_header *h, aula_rtcp_twcc *out)
{
    aula_rtcp_fb fb;
    int rc = parse_fb_of(h, AULA_RTCP_RTPFB, AULA_RTCP_FMT_TWCC, &fb);
    if (rc != 0)
        return rc;
    /* §3.1: base sequence number, packet status count, reference time
     * (signed 24 bits), feedback packet count. */
    if (fb.fci_len < 8)
        return AULA_EPROTO;
    const uint8_t *p = fb.fci;
    memset(out, 0, sizeof *out);
    out->sender_ssrc = fb.sender_ssrc;
    out->media_ssrc = fb.media_ssrc;
    out->base_seq = aula_get_u16be(p);
    out->status_count = aula_get_u16be(p + 2);
    out->reference_time = (int32_t)(aula_get_u24be(p + 4) ^ 0x800000u) - 0x800000;
    out->fb_pkt_count = p[7];
    if (out->status_count == 0)
        return AULA_EPROTO;

    /* Walk the chunks until they cover status_count packets, adding up the
     * receive delta bytes they promise (1 per small, 2 per large delta). */
    size_t pos = 8;
    size_t covered = 0;
    size_t delta_bytes = 0;
    while (covered < out->status_count) {
        if (fb.fci_len - pos < 2)
            return AULA_EPROTO;
        uint16_t c = aula_get_u16be(p + pos);
        pos += 2;
        size_t n = chunk_capacity(c);
        if (n > out->status_count - covered)
            n = out->status_count - covered;
        for (size_t k = 0; k < n; k++) {
            unsigned s = chunk_symbol(c, (unsigned)k);
            if (s == 3)
                return AULA_EPROTO;
            delta_bytes += s;
            if (!(c & 0x8000)) { /* a run has one symbol: count it at once */
                delta_bytes += s * (n - 1);
                break;
            }
        }
        covered += n;
    }
    if (delta_bytes > fb.fci_len - pos)
        return AULA_EPROTO;
    out->chunks = p + 8;
    out->chunks_len = pos - 8;
    out->deltas = p + pos;
    out->deltas_len = delta_bytes;
    return 0;
}

void aula_rtcp_twcc_iter_init(aula_rtcp_twcc_iter *it, const aula_rtcp_twcc *fb)
{
    memset(it, 0, sizeof *it);
    it->fb = fb;
}

int aula_rtcp_twcc_iter_next(aula_rtcp_twcc_iter *it, aula_rtcp_twcc_packet *out)
{
    const aula_rtcp_twcc *fb = it->fb;
    if (it->index >= fb->status_count)
        return AULA_ENOENT;
    while (it->sym >= it->sym_cap) {
        if (fb->chunks_len - it->chunk_pos < 2)
            return AULA_EPROTO;
        it->chunk = aula_get_u16be(fb->chunks + it->chunk_pos);
        it->chunk_pos += 2;
        it->sym = 0;
        it->sym_cap = (uint16_t)chunk_capacity(it->chunk);
    }
    unsigned s = chunk_symbol(it->chunk, it->sym++);
    int32_t delta = 0;
    if (s == AULA_TWCC_SMALL_DELTA) {
        /* §3.1.5: one unsigned byte of 250 µs ticks. */
        if (fb->deltas_len - it->delta_pos < 1)
            return AULA_EPROTO;
        delta = fb->deltas[it->delta_pos++];
    } else if (s == AULA_TWCC_LARGE_DELTA) {
        /* §3.1.5: two bytes, signed. */
        if (fb->deltas_len - it->delta_pos < 2)
            return AULA_EPROTO;
        delta = (int32_t)(aula_get_u16be(fb->deltas + it->delta_pos) ^ 0x8000u) - 0x8000;
        it->delta_pos += 2;
    } else if (s != AULA_TWCC_NOT_RECEIVED) {
        return AULA_EPROTO;
    }
    out->seq = (uint16_t)(fb->base_seq + it->index);
    out->status = (uint8_t)s;
    out->delta = delta;
    it->index++;
    return 0;
}

/* Encodes the chunks for pkts[0..n) into p (or only counts them when p is
 * NULL); returns the number of bytes. Runs of 14 or more equal statuses
 * become run length chunks, the rest 1-bit vectors when only lost/small
 * statuses follow, else 2-bit vectors. */
static size_t encode_chunks(const aula_rtcp_twcc_packet *pkts, size_t n, uint8_t *p)
{
    size_t len = 0;
    size_t i = 0;
    while (i < n) {
        size_t run = 1;
        while (i + run < n && run < 0x1fff && pkts[i + run].status == pkts[i].status)
            run++;
        uint16_t c;
        if (run >= 14) {
            c = (uint16_t)(pkts[i].status << 13 | run);
            i += run;
        } else {
            size_t k = n - i < 14 ? n - i : 14;
            bool two_bit = false;
            for (size_t j = 0; j < k; j++)
                two_bit |= pkts[i + j].status == AULA_TWCC_LARGE_DELTA;
            if (!two_bit) {
                c = 0x8000;
                for (size_t j = 0; j < k; j++)
                    c |= (uint16_t)(pkts[i + j].status << (13 - j));
            } else {
                k = k < 7 ? k : 7;
                c = 0xc000;
                for (size_t j = 0; j < k; j++)
                    c |= (uint16_t)(pkts[i + j].status << (2 * (6 - j)));
            }
            i += k;
        }
        if (p)
            aula_put_u16be(p + len, c);
        len += 2;
    }
    return len;
}

int aula_rtcp_build_twcc(const aula_rtcp_twcc *hdr, const aula_rtcp_twcc_packet *pkts, size_t n,
                         uint8_t *buf, size_t cap, size_t *written)
{
    if (n == 0 || n > 0xffff)
        return AULA_EINVAL;
    if (hdr->reference_time < -0x800000 || hdr->reference_time > 0x7fffff)
        return AULA_EINVAL;
    size_t delta_bytes = 0;
    for (size_t i = 0; i < n; i++) {
        const aula_rtcp_twcc_packet *q = &pkts[i];
        if (q->status == AULA_TWCC_SMALL_DELTA && q->delta >= 0 && q->delta <= 255)
            delta_bytes += 1;
        else if (q->status == AULA_TWCC_LARGE_DELTA && q->delta >= -32768 && q->delta <= 32767)
            delta_bytes += 2;
        else if (q->status != AULA_TWCC_NOT_RECEIVED)
            return AULA_EINVAL;
    }
    size_t chunk_bytes = encode_chunks(pkts, n, NULL);
    /* Zero bytes fill up to the word boundary inside the FCI (without the
     * padding bit), so the packet can sit anywhere in a compound. */
    size_t size = (20 + chunk_bytes + delta_bytes + 3) & ~(size_t)3;
    if (size > cap)
        return AULA_ETOOBIG;
    put_fb_header(buf, AULA_RTCP_FMT_TWCC, AULA_RTCP_RTPFB, size, hdr->sender_ssrc,
                  hdr->media_ssrc);
    aula_put_u16be(buf + 12, hdr->base_seq);
    aula_put_u16be(buf + 14, (uint16_t)n);
    uint32_t ref = (uint32_t)hdr->reference_time & 0xffffff;
    buf[16] = (uint8_t)(ref >> 16);
    aula_put_u16be(buf + 17, (uint16_t)ref);
    buf[19] = hdr->fb_pkt_count;
    size_t pos = 20 + encode_chunks(pkts, n, buf + 20);
    for (size_t i = 0; i < n; i++) {
        if (pkts[i].status == AULA_TWCC_SMALL_DELTA) {
            buf[pos++] = (uint8_t)pkts[i].delta;
        } else if (pkts[i].status == AULA_TWCC_LARGE_DELTA) {
            aula_put_u16be(buf + pos, (uint16_t)pkts[i].delta);
            pos += 2;
        }
    }
    while (pos < size)
        buf[pos++] = 0;
    *written = size;
    return 0;
}
