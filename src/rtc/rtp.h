/* RTP header parsing and in-place rewriting for the forwarding path, sans-IO.
 *
 * Everything here works on a packet the caller owns: parsing fills a value
 * struct of offsets into that packet and allocates nothing, and the rewrite
 * helpers change bytes in place so the SFU can forward one buffer per viewer
 * without copying it. Nothing reads the clock or touches a socket. All
 * functions are pure and may be called from any thread on distinct packets.
 *
 * References: RFC 3550 §5.1 (fixed header), RFC 8285 (header extensions),
 * RFC 6464 (audio level), RFC 4588 (RTX), RFC 5761 §4 (rtcp-mux demux). */
#ifndef AULA_RTC_RTP_H
#define AULA_RTC_RTP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define AULA_RTP_HEADER_MIN 12
#define AULA_RTP_MAX_CSRC 15

/* "Defined by profile" values of the header extension (RFC 8285 §4.2, §4.3).
 * The two-byte form carries 4 application bits in the low nibble. */
#define AULA_RTP_EXT_ONE_BYTE 0xBEDE
#define AULA_RTP_EXT_TWO_BYTE 0x1000
#define AULA_RTP_EXT_TWO_BYTE_MASK 0xFFF0

/* A parsed RTP header. Offsets are from the start of the packet that was
 * parsed; the struct holds no pointer, so it stays valid while the packet is
 * rewritten in place. */
typedef struct aula_rtp_header {
    uint8_t version; /* always 2 after a successful parse */
    bool padding;
    bool extension;
    bool marker;
    uint8_t payload_type; /* 7 bits */
    uint8_t csrc_count;   /* 0..15 */
    uint16_t seq;
    uint32_t timestamp;
    uint32_t ssrc;
    uint16_t ext_profile; /* "defined by profile"; 0 when !extension */
    size_t ext_offset;    /* first byte of extension data, after its 4-byte header */
    size_t ext_len;       /* bytes of extension data (a multiple of 4) */
    size_t payload_offset;
    size_t payload_len; /* excluding padding */
    uint8_t padding_len;
} aula_rtp_header;

/* One header extension element (RFC 8285 §4.2 / §4.3). */
typedef struct aula_rtp_ext {
    uint8_t id;    /* 1..14 (one-byte form) or 1..255 (two-byte form) */
    size_t offset; /* first byte of the value, from the start of the packet */
    size_t len;    /* value length in bytes (0 only in the two-byte form) */
} aula_rtp_ext;

/* Parses the RTP fixed header, CSRC list, extension block and padding of
 * pkt[0..len) (RFC 3550 §5.1, §5.3.1). Returns 0 and fills *out, or
 * AULA_EPROTO when the version is not 2, the CSRC list or the extension
 * overruns the packet, or the padding count is 0 or larger than the payload.
 * Does not look inside the extension block: see aula_rtp_ext_next(). */
int aula_rtp_parse(const uint8_t *pkt, size_t len, aula_rtp_header *out);

/* Returns CSRC number i (i < h->csrc_count) of a packet h was parsed from. */
uint32_t aula_rtp_csrc(const uint8_t *pkt, const aula_rtp_header *h, unsigned i);

/* Tells RTP from RTCP on an rtcp-mux port: RTCP when the second byte is in
 * 192..223 (RFC 5761 §4). Needs len >= 2, else returns false. Callers have
 * already sent STUN and DTLS elsewhere by the first byte (RFC 7983). */
bool aula_rtp_is_rtcp(const uint8_t *buf, size_t len);

/* Steps through the extension elements of a parsed packet. *cursor starts at
 * 0 and is advanced past each element; padding bytes are skipped. Returns 0
 * with *out filled, AULA_ENOENT at the end (or when the packet has no
 * one-byte or two-byte extension block, or at the reserved id 15 of the
 * one-byte form, RFC 8285 §4.2), AULA_EPROTO when an element overruns. */
int aula_rtp_ext_next(const uint8_t *pkt, const aula_rtp_header *h, size_t *cursor,
                      aula_rtp_ext *out);

/* Finds the first extension element with the given id (1..255). Returns 0,
 * AULA_ENOENT when absent, AULA_EPROTO when the block is malformed before it. */
int aula_rtp_ext_find(const uint8_t *pkt, const aula_rtp_header *h, uint8_t id, aula_rtp_ext *out);

/* Reads the audio level extension (RFC 6464 §3) with the negotiated id:
 * *voice is the V bit, *level the level in -dBov (0 loudest, 127 silence).
 * Returns 0, AULA_ENOENT when absent, AULA_EPROTO when malformed or empty. */
int aula_rtp_audio_level(const uint8_t *pkt, const aula_rtp_header *h, uint8_t id, bool *voice,
                         uint8_t *level);

/* Reads the original sequence number that opens an RTX payload (RFC 4588
 * §4). Returns 0, or AULA_EPROTO when the payload is shorter than 2 bytes. */
int aula_rtp_rtx_osn(const uint8_t *pkt, const aula_rtp_header *h, uint16_t *osn);

/* In-place rewrites for forwarding. pkt must have been accepted by
 * aula_rtp_parse() (at least AULA_RTP_HEADER_MIN bytes); a header struct
 * parsed before the rewrite keeps its old field values but its offsets stay
 * right. set_payload_type keeps the marker bit; pt must be < 128. */
void aula_rtp_set_ssrc(uint8_t *pkt, uint32_t ssrc);
void aula_rtp_set_seq(uint8_t *pkt, uint16_t seq);
void aula_rtp_set_timestamp(uint8_t *pkt, uint32_t ts);
void aula_rtp_set_payload_type(uint8_t *pkt, uint8_t pt);
void aula_rtp_set_marker(uint8_t *pkt, bool marker);

/* Overwrites the value of extension element id with val[0..len), which must
 * be exactly as long as the present value (the packet never changes size).
 * Returns 0, AULA_ENOENT when absent, AULA_EINVAL on a length mismatch,
 * AULA_EPROTO when the block is malformed. */
int aula_rtp_ext_rewrite(uint8_t *pkt, const aula_rtp_header *h, uint8_t id, const uint8_t *val,
                         size_t len);

#endif
