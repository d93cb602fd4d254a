#include "sfu/retransmit.h"

#include "core/alloc.h"
#include "core/error.h"
#include "rtc/rtcp.h"

#include <string.h>

_Static_assert((AULA_RETRANSMIT_SLOTS & (AULA_RETRANSMIT_SLOTS - 1)) == 0 &&
                   65536 % AULA_RETRANSMIT_SLOTS == 0,
               "the ring must divide the sequence number space");

typedef struct slot {
    uint64_t arrival_ms;
    uint16_t seq;
    uint16_t len; /* 0: empty */
    uint8_t data[AULA_RETRANSMIT_MAX_PACKET];
} slot;

struct aula_retransmit {
    slot slots[AULA_RETRANSMIT_SLOTS];
};

aula_retransmit *aula_retransmit_create(void)
{
    return aula_calloc(1, sizeof(aula_retransmit));
}

void aula_retransmit_destroy(aula_retransmit *b)
{
    aula_free(b);
}

void aula_retransmit_store(aula_retransmit *b, uint16_t seq, uint64_t now_ms, const uint8_t *pkt,
                           size_t len)
{
    if (len == 0 || len > AULA_RETRANSMIT_MAX_PACKET)
        return;
    slot *s = &b->slots[seq & (AULA_RETRANSMIT_SLOTS - 1)];
    /* A slot holding a newer seq of a later lap keeps it; "newer" is the
     * RFC 1982 serial comparison. */
    if (s->len && s->seq != seq && (int16_t)(uint16_t)(seq - s->seq) < 0)
        return;
    memcpy(s->data, pkt, len);
    s->len = (uint16_t)len;
    s->seq = seq;
    s->arrival_ms = now_ms;
}

bool aula_retransmit_has(const aula_retransmit *b, uint16_t seq)
{
    const slot *s = &b->slots[seq & (AULA_RETRANSMIT_SLOTS - 1)];
    return s->len && s->seq == seq;
}

int aula_retransmit_find(const aula_retransmit *b, uint16_t seq, uint64_t now_ms,
                         uint32_t max_age_ms, const uint8_t **pkt, size_t *len)
{
    const slot *s = &b->slots[seq & (AULA_RETRANSMIT_SLOTS - 1)];
    if (!s->len || s->seq != seq || now_ms > s->arrival_ms + max_age_ms)
        return AULA_ENOENT;
    *pkt = s->data;
    *len = s->len;
    return 0;
}

int aula_retransmit_unwrap_rtx(const uint8_t *rtx, const aula_rtp_header *h, uint32_t ssrc,
                               uint8_t pt, uint8_t *out, size_t cap, size_t *out_len, uint16_t *osn)
{
    /* An RTX packet whose payload is only the OSN carries nothing either. */
    if (aula_rtp_rtx_osn(rtx, h, osn) != 0 || h->payload_len == 2)
        return AULA_EPROTO;
    size_t len = h->payload_offset + h->payload_len - 2;
    if (len > cap)
        return AULA_ETOOBIG;
    memcpy(out, rtx, h->payload_offset);
    memcpy(out + h->payload_offset, rtx + h->payload_offset + 2, h->payload_len - 2);
    out[0] &= (uint8_t)~0x20; /* the padding, if any, was the RTX packet's */
    aula_rtp_set_ssrc(out, ssrc);
    aula_rtp_set_payload_type(out, pt);
    aula_rtp_set_seq(out, *osn);
    *out_len = len;
    return 0;
}

int aula_retransmit_build_nack(uint32_t sender_ssrc, uint32_t media_ssrc, uint16_t first,
                               uint16_t count, uint8_t *buf, size_t cap, size_t *written)
{
    uint16_t seqs[AULA_RETRANSMIT_MAX_NACK_GAP];
    aula_rtcp_nack_item items[AULA_RETRANSMIT_MAX_NACK_GAP];
    size_t n;
    if (count == 0 || count > AULA_RETRANSMIT_MAX_NACK_GAP)
        return AULA_EINVAL;
    for (uint16_t i = 0; i < count; i++)
        seqs[i] = (uint16_t)(first + i);
    int rc = aula_rtcp_nack_from_seqs(seqs, count, items, AULA_RETRANSMIT_MAX_NACK_GAP, &n);
    if (rc != 0)
        return rc;
    return aula_rtcp_build_nack(sender_ssrc, media_ssrc, items, n, buf, cap, written);
}
