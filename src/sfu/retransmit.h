/* The retransmission buffer of one video producer, sans-IO: the last
 * AULA_RETRANSMIT_SLOTS plain RTP packets the publisher sent, indexed by
 * sequence number, so a viewer's NACK (RFC 4585 section 6.2.1) can be
 * answered from the SFU instead of travelling to the publisher; plus the
 * unwrapping of the publisher's RFC 4588 retransmissions into the packets
 * they carry.
 *
 * Memory: every slot is allocated once, by aula_retransmit_create() when
 * the producer is created; storing a packet is one copy into its slot and
 * allocates nothing. A slot is found by seq modulo the ring size, which
 * divides 2^16, so the 16-bit wrap needs no special case; each slot keeps
 * its seq and arrival time, so a stale slot (an older lap of the ring or
 * older than the caller's age limit) is never mistaken for the one asked.
 *
 * Ownership: the router owns one per video producer. Thread: the worker's. */
#ifndef AULA_SFU_RETRANSMIT_H
#define AULA_SFU_RETRANSMIT_H

#include "rtc/rtp.h"

#include <stddef.h>
#include <stdint.h>

#define AULA_RETRANSMIT_SLOTS 512 /* a power of two that divides 65536 */
#define AULA_RETRANSMIT_MAX_PACKET 1500
/* Older packets are not worth sending again: the viewer's jitter buffer
 * has given up on them. */
#define AULA_RETRANSMIT_MAX_AGE_MS 1000
/* The longest gap in a publisher's stream that is NACKed; a longer one is
 * an outage or a restart, which the viewers' PLIs repair better than a
 * flood of NACKs. */
#define AULA_RETRANSMIT_MAX_NACK_GAP 64

typedef struct aula_retransmit aula_retransmit;

/* Allocates the ring (about 770 KB). Never NULL. */
aula_retransmit *aula_retransmit_create(void);

/* NULL is allowed. */
void aula_retransmit_destroy(aula_retransmit *b);

/* Stores a copy of pkt[0..len) (plain RTP whose sequence number is seq)
 * received at now_ms. A packet longer than AULA_RETRANSMIT_MAX_PACKET is
 * ignored, and so is one older than the packet its slot already holds (a
 * late arrival must not evict a newer one). */
void aula_retransmit_store(aula_retransmit *b, uint16_t seq, uint64_t now_ms, const uint8_t *pkt,
                           size_t len);

/* Finds packet seq if it was stored at most max_age_ms before now_ms.
 * Returns 0 with *pkt (borrowed: valid until the next store) and *len, or
 * AULA_ENOENT. */
int aula_retransmit_find(const aula_retransmit *b, uint16_t seq, uint64_t now_ms,
                         uint32_t max_age_ms, const uint8_t **pkt, size_t *len);

/* True when packet seq is stored, whatever its age. */
bool aula_retransmit_has(const aula_retransmit *b, uint16_t seq);

/* RFC 4585 section 6.2.1: builds into buf[0..cap) one generic NACK from
 * sender_ssrc asking media_ssrc's sender for the count packets from first
 * on (count in 1..AULA_RETRANSMIT_MAX_NACK_GAP, else AULA_EINVAL).
 * Returns 0 with *written, or AULA_ETOOBIG. */
int aula_retransmit_build_nack(uint32_t sender_ssrc, uint32_t media_ssrc, uint16_t first,
                               uint16_t count, uint8_t *buf, size_t cap, size_t *written);

/* RFC 4588 section 4: rebuilds into out[0..cap) the original packet an RTX
 * packet carries (rtx parsed as h): the same header with ssrc, payload
 * type pt and the original sequence number (the payload's first two
 * bytes, returned in *osn), the payload without them, and no padding.
 * Returns 0 with *out_len, or AULA_EPROTO for an RTX packet with no
 * payload (padding-only probes) or AULA_ETOOBIG when cap is too small. */
int aula_retransmit_unwrap_rtx(const uint8_t *rtx, const aula_rtp_header *h, uint32_t ssrc,
                               uint8_t pt, uint8_t *out, size_t cap, size_t *out_len,
                               uint16_t *osn);

#endif
