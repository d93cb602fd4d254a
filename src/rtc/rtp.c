/* RTP header parsing and in-place rewriting. See rtp.h for the contract. */
#include "rtc/rtp.h"

#include "core/byteorder.h"
#include "core/error.h"

#include <assert.h>
#include <string.h>

int aula_rtp_parse(const uint8_t *pkt, size_t len, aula_rtp_header *out)
{
    memset(out, 0, sizeof *out);
    if (len < AULA_RTP_HEADER_MIN)
        return AULA_EPROTO;
    /* RFC 3550 §5.1: V=2, P, X, CC, M, PT, sequence number, timestamp, SSRC. */
    out->version = pkt[0] >> 6;
    if (out->version != 2)
        return AULA_EPROTO;
    out->padding = (pkt[0] & 0x20) != 0;
    out->extension = (pkt[0] & 0x10) != 0;
    out->csrc_count = pkt[0] & 0x0f;
    out->marker = (pkt[1] & 0x80) != 0;
    out->payload_type = pkt[1] & 0x7f;
    out->seq = aula_get_u16be(pkt + 2);
    out->timestamp = aula_get_u32be(pkt + 4);
    out->ssrc = aula_get_u32be(pkt + 8);

    size_t off = AULA_RTP_HEADER_MIN + 4u * out->csrc_count;
    if (off > len)
        return AULA_EPROTO;
    if (out->extension) {
        /* RFC 3550 §5.3.1: 16 bits defined by profile, 16 bits length in
         * 32-bit words, not counting the 4-byte extension header itself. */
        if (len - off < 4)
            return AULA_EPROTO;
        out->ext_profile = aula_get_u16be(pkt + off);
        size_t ext_len = 4u * aula_get_u16be(pkt + off + 2);
        off += 4;
        if (ext_len > len - off)
            return AULA_EPROTO;
        out->ext_offset = off;
        out->ext_len = ext_len;
        off += ext_len;
    }
    size_t end = len;
    if (out->padding) {
        /* RFC 3550 §5.1: the last octet counts the padding including itself,
         * so 0 is invalid, and padding cannot eat into the header. */
        uint8_t pad = pkt[len - 1];
        if (pad == 0 || pad > len - off)
            return AULA_EPROTO;
        out->padding_len = pad;
        end -= pad;
    }
    out->payload_offset = off;
    out->payload_len = end - off;
    return 0;
}

uint32_t aula_rtp_csrc(const uint8_t *pkt, const aula_rtp_header *h, unsigned i)
{
    assert(i < h->csrc_count);
    return aula_get_u32be(pkt + AULA_RTP_HEADER_MIN + 4u * i);
}

bool aula_rtp_is_rtcp(const uint8_t *buf, size_t len)
{
    /* RFC 5761 §4: RTCP packet types 192..223 occupy the second byte where
     * RTP has M+PT; payload types 64..95 are avoided so the two never clash. */
    return len >= 2 && buf[1] >= 192 && buf[1] <= 223;
}

/* One-byte form (RFC 8285 §4.2): ID:4 L:4, L+1 value bytes; ID 0 is a padding
 * byte; ID 15 is reserved and ends processing of the whole block. */
static int ext_next_one_byte(const uint8_t *p, size_t n, size_t *cur, aula_rtp_ext *out)
{
    while (*cur < n && p[*cur] == 0)
        (*cur)++;
    if (*cur >= n)
        return AULA_ENOENT;
    uint8_t id = p[*cur] >> 4;
    size_t vlen = (size_t)(p[*cur] & 0x0f) + 1;
    if (id == 15) {
        *cur = n;
        return AULA_ENOENT;
    }
    if (vlen > n - *cur - 1)
        return AULA_EPROTO;
    out->id = id;
    out->offset = *cur + 1;
    out->len = vlen;
    *cur += 1 + vlen;
    return 0;
}

/* Two-byte form (RFC 8285 §4.3): ID:8 length:8, then length value bytes
 * (possibly 0); ID 0 is a single padding byte. */
static int ext_next_two_byte(const uint8_t *p, size_t n, size_t *cur, aula_rtp_ext *out)
{
    while (*cur < n && p[*cur] == 0)
        (*cur)++;
    if (*cur >= n)
        return AULA_ENOENT;
    if (n - *cur < 2)
        return AULA_EPROTO;
    uint8_t id = p[*cur];
    size_t vlen = p[*cur + 1];
    if (vlen > n - *cur - 2)
        return AULA_EPROTO;
    out->id = id;
    out->offset = *cur + 2;
    out->len = vlen;
    *cur += 2 + vlen;
    return 0;
}

int aula_rtp_ext_next(const uint8_t *pkt, const aula_rtp_header *h, size_t *cursor,
                      aula_rtp_ext *out)
{
    if (!h->extension)
        return AULA_ENOENT;
    const uint8_t *p = pkt + h->ext_offset;
    int rc;
    if (h->ext_profile == AULA_RTP_EXT_ONE_BYTE)
        rc = ext_next_one_byte(p, h->ext_len, cursor, out);
    else if ((h->ext_profile & AULA_RTP_EXT_TWO_BYTE_MASK) == AULA_RTP_EXT_TWO_BYTE)
        rc = ext_next_two_byte(p, h->ext_len, cursor, out);
    else
        return AULA_ENOENT;
    if (rc == 0)
        out->offset += h->ext_offset;
    return rc;
}

int aula_rtp_ext_find(const uint8_t *pkt, const aula_rtp_header *h, uint8_t id, aula_rtp_ext *out)
{
    size_t cur = 0;
    aula_rtp_ext e;
    int rc;
    while ((rc = aula_rtp_ext_next(pkt, h, &cur, &e)) == 0) {
        if (e.id == id) {
            *out = e;
            return 0;
        }
    }
    return rc;
}

int aula_rtp_audio_level(const uint8_t *pkt, const aula_rtp_header *h, uint8_t id, bool *voice,
                         uint8_t *level)
{
    aula_rtp_ext e;
    int rc = aula_rtp_ext_find(pkt, h, id, &e);
    if (rc != 0)
        return rc;
    /* RFC 6464 §3: one byte, V:1 then level:7 in -dBov. Some senders pad the
     * element, so a longer value is accepted and its first byte read. */
    if (e.len < 1)
        return AULA_EPROTO;
    *voice = (pkt[e.offset] & 0x80) != 0;
    *level = pkt[e.offset] & 0x7f;
    return 0;
}

int aula_rtp_rtx_osn(const uint8_t *pkt, const aula_rtp_header *h, uint16_t *osn)
{
    /* RFC 4588 §4: the RTX payload starts with the 2-byte OSN. */
    if (h->payload_len < 2)
        return AULA_EPROTO;
    *osn = aula_get_u16be(pkt + h->payload_offset);
    return 0;
}

void aula_rtp_set_ssrc(uint8_t *pkt, uint32_t ssrc)
{
    aula_put_u32be(pkt + 8, ssrc);
}

void aula_rtp_set_seq(uint8_t *pkt, uint16_t seq)
{
    aula_put_u16be(pkt + 2, seq);
}

void aula_rtp_set_timestamp(uint8_t *pkt, uint32_t ts)
{
    aula_put_u32be(pkt + 4, ts);
}

void aula_rtp_set_payload_type(uint8_t *pkt, uint8_t pt)
{
    assert(pt < 128);
    pkt[1] = (uint8_t)((pkt[1] & 0x80) | (pt & 0x7f));
}

void aula_rtp_set_marker(uint8_t *pkt, bool marker)
{
    pkt[1] = (uint8_t)((pkt[1] & 0x7f) | (marker ? 0x80 : 0));
}

int aula_rtp_ext_rewrite(uint8_t *pkt, const aula_rtp_header *h, uint8_t id, const uint8_t *val,
                         size_t len)
{
    aula_rtp_ext e;
    int rc = aula_rtp_ext_find(pkt, h, id, &e);
    if (rc != 0)
        return rc;
    if (e.len != len)
        return AULA_EINVAL;
    if (len > 0)
        memcpy(pkt + e.offset, val, len);
    return 0;
}
