/* RTCP parsing and building, sans-IO (rtcp.c: compound iteration, SR, RR,
 * SDES, BYE, PLI; rtcp_feedback.c: NACK, FIR, REMB, transport-wide CC).
 *
 * Parsing allocates nothing: an iterator walks a compound datagram one
 * validated header at a time, and per-type parsers fill value structs whose
 * pointers and lists are borrowed views into the datagram (valid while the
 * caller keeps it). Lists bounded by a 5-bit or 8-bit count are copied into
 * fixed arrays; lists bounded only by the packet length (NACK items, FIR
 * entries, transport-cc statuses) are read through accessors.
 *
 * Builders write one RTCP packet into buf[0..cap), set *written and return 0,
 * or return AULA_ETOOBIG when cap is too small (buf is then unspecified) and
 * AULA_EINVAL on arguments the wire format cannot carry. A compound packet
 * is the concatenation of builder outputs. Nothing here keeps state, reads
 * the clock or touches a socket; any thread may call on distinct buffers.
 *
 * References: RFC 3550 §6 (RTCP), RFC 4585 §6 (feedback, NACK, PLI),
 * RFC 5104 §4.3.1 (FIR), draft-alvestrand-rmcat-remb-03 (REMB),
 * draft-holmer-rmcat-transport-wide-cc-extensions-01 §3.1 (transport-cc). */
#ifndef AULA_RTC_RTCP_H
#define AULA_RTC_RTCP_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Packet types (RFC 3550 §12.1, RFC 4585 §6.1). */
enum {
    AULA_RTCP_SR = 200,
    AULA_RTCP_RR = 201,
    AULA_RTCP_SDES = 202,
    AULA_RTCP_BYE = 203,
    AULA_RTCP_APP = 204,
    AULA_RTCP_RTPFB = 205,
    AULA_RTCP_PSFB = 206,
};

/* Feedback message types, the FMT field (RFC 4585 §6.2, §6.3; RFC 5104). */
enum {
    AULA_RTCP_FMT_NACK = 1,  /* RTPFB */
    AULA_RTCP_FMT_TWCC = 15, /* RTPFB, transport-wide CC */
    AULA_RTCP_FMT_PLI = 1,   /* PSFB */
    AULA_RTCP_FMT_FIR = 4,   /* PSFB */
    AULA_RTCP_FMT_AFB = 15,  /* PSFB, application layer: REMB */
};

#define AULA_RTCP_HEADER_LEN 4
#define AULA_RTCP_MAX_COUNT 31 /* a 5-bit RC/SC field */
#define AULA_RTCP_REMB_MAX_SSRCS 255

/* One validated packet of a compound datagram. */
typedef struct aula_rtcp_header {
    uint8_t count; /* RC, SC or FMT: the low 5 bits of the first byte */
    uint8_t type;
    bool padding;
    uint8_t padding_len;
    const uint8_t *packet; /* borrowed: the packet's first header byte */
    size_t size;           /* whole packet: 4 * (length + 1) */
    const uint8_t *body;   /* borrowed: after the 4-byte header */
    size_t body_len;       /* excluding padding */
} aula_rtcp_header;

typedef struct aula_rtcp_iter {
    const uint8_t *buf; /* borrowed */
    size_t len;
    size_t pos;
} aula_rtcp_iter;

/* RFC 3550 §6.4.1 report block. cumulative_lost is a signed 24-bit value. */
typedef struct aula_rtcp_report_block {
    uint32_t ssrc;
    uint8_t fraction_lost;
    int32_t cumulative_lost;
    uint32_t highest_seq;
    uint32_t jitter;
    uint32_t lsr;
    uint32_t dlsr;
} aula_rtcp_report_block;

/* Sender report (RFC 3550 §6.4.1). Profile extensions are ignored. */
typedef struct aula_rtcp_sr {
    uint32_t ssrc;
    uint64_t ntp_time; /* 32.32 fixed point */
    uint32_t rtp_time;
    uint32_t packet_count;
    uint32_t octet_count;
    uint8_t report_count;
    aula_rtcp_report_block reports[AULA_RTCP_MAX_COUNT];
} aula_rtcp_sr;

/* Receiver report (RFC 3550 §6.4.2). */
typedef struct aula_rtcp_rr {
    uint32_t ssrc;
    uint8_t report_count;
    aula_rtcp_report_block reports[AULA_RTCP_MAX_COUNT];
} aula_rtcp_rr;

/* SDES (RFC 3550 §6.5): only CNAME is kept; other items are skipped. */
typedef struct aula_rtcp_sdes_chunk {
    uint32_t ssrc;
    const uint8_t *cname; /* borrowed; NULL when the chunk has no CNAME */
    uint8_t cname_len;
} aula_rtcp_sdes_chunk;

typedef struct aula_rtcp_sdes {
    uint8_t chunk_count;
    aula_rtcp_sdes_chunk chunks[AULA_RTCP_MAX_COUNT];
} aula_rtcp_sdes;

/* BYE (RFC 3550 §6.6). */
typedef struct aula_rtcp_bye {
    uint8_t ssrc_count;
    uint32_t ssrcs[AULA_RTCP_MAX_COUNT];
    const uint8_t *reason; /* borrowed; NULL when absent */
    uint8_t reason_len;
} aula_rtcp_bye;

/* The common part of a feedback message (RFC 4585 §6.1). Also the parsed
 * form of a PLI, which has no FCI (§6.3.1). */
typedef struct aula_rtcp_fb {
    uint8_t type; /* AULA_RTCP_RTPFB or AULA_RTCP_PSFB */
    uint8_t fmt;
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    const uint8_t *fci; /* borrowed */
    size_t fci_len;
} aula_rtcp_fb;

/* Generic NACK (RFC 4585 §6.2.1): pid lost, and pid+i+1 lost for each bit i
 * set in blp. */
typedef struct aula_rtcp_nack_item {
    uint16_t pid;
    uint16_t blp;
} aula_rtcp_nack_item;

typedef struct aula_rtcp_nack {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    size_t item_count;
    const uint8_t *fci; /* borrowed; read with aula_rtcp_nack_item_at() */
} aula_rtcp_nack;

/* FIR (RFC 5104 §4.3.1). */
typedef struct aula_rtcp_fir_entry {
    uint32_t ssrc;
    uint8_t seq;
} aula_rtcp_fir_entry;

typedef struct aula_rtcp_fir {
    uint32_t sender_ssrc;
    uint32_t media_ssrc; /* 0 on the wire per §4.3.1.2; not checked */
    size_t entry_count;
    const uint8_t *fci; /* borrowed; read with aula_rtcp_fir_entry_at() */
} aula_rtcp_fir;

/* REMB (draft-alvestrand-rmcat-remb-03 §2.2). */
typedef struct aula_rtcp_remb {
    uint32_t sender_ssrc;
    uint64_t bitrate_bps; /* mantissa << exponent, saturated at UINT64_MAX */
    uint8_t ssrc_count;
    uint32_t ssrcs[AULA_RTCP_REMB_MAX_SSRCS];
} aula_rtcp_remb;

/* Transport-wide CC packet status symbols (draft §3.1.1). */
enum {
    AULA_TWCC_NOT_RECEIVED = 0,
    AULA_TWCC_SMALL_DELTA = 1, /* received, delta in 0..255 ticks */
    AULA_TWCC_LARGE_DELTA = 2, /* received, delta in -32768..32767 ticks */
};

#define AULA_TWCC_DELTA_US 250   /* one receive delta tick */
#define AULA_TWCC_REF_TIME_MS 64 /* one reference time unit */

/* Transport-wide CC feedback (draft-holmer-...-01 §3.1). Parse validates
 * every chunk and delta; read the statuses with aula_rtcp_twcc_iter. */
typedef struct aula_rtcp_twcc {
    uint32_t sender_ssrc;
    uint32_t media_ssrc;
    uint16_t base_seq;
    uint16_t status_count;  /* >= 1 */
    int32_t reference_time; /* signed 24 bits, in 64 ms units */
    uint8_t fb_pkt_count;
    const uint8_t *chunks; /* borrowed */
    size_t chunks_len;
    const uint8_t *deltas; /* borrowed */
    size_t deltas_len;
} aula_rtcp_twcc;

/* One packet's status: seq is base_seq + index (mod 2^16); delta is in
 * 250 µs ticks from the previous received packet (or from the reference
 * time for the first), 0 when not received. */
typedef struct aula_rtcp_twcc_packet {
    uint16_t seq;
    uint8_t status;
    int32_t delta;
} aula_rtcp_twcc_packet;

typedef struct aula_rtcp_twcc_iter {
    const aula_rtcp_twcc *fb; /* borrowed */
    size_t chunk_pos;
    size_t delta_pos;
    uint32_t index;
    uint16_t chunk;
    uint16_t sym;
    uint16_t sym_cap;
} aula_rtcp_twcc_iter;

/* ---- Compound iteration (rtcp.c) ---- */

/* Starts iterating the compound datagram buf[0..len); buf is borrowed. */
void aula_rtcp_iter_init(aula_rtcp_iter *it, const uint8_t *buf, size_t len);

/* Reads and validates the next packet header (RFC 3550 §6.4.1, A.2):
 * version 2, length within the datagram, padding only on the last packet
 * with a count in 1..body length. Returns 0 with *out filled, AULA_ENOENT
 * after the last packet, AULA_EPROTO on a malformed header (the iterator
 * then stays at the bad packet). */
int aula_rtcp_iter_next(aula_rtcp_iter *it, aula_rtcp_header *out);

/* Validates every header of a compound datagram. Returns 0, or AULA_EPROTO
 * when it is empty or any header is malformed. Does not parse bodies. */
int aula_rtcp_validate(const uint8_t *buf, size_t len);

/* ---- Reports (rtcp.c) ---- */

/* Parse an SR / RR body whose header came from aula_rtcp_iter_next().
 * Return 0, or AULA_EPROTO on a wrong type or when the report blocks
 * overrun the packet. */
int aula_rtcp_parse_sr(const aula_rtcp_header *h, aula_rtcp_sr *out);
int aula_rtcp_parse_rr(const aula_rtcp_header *h, aula_rtcp_rr *out);

/* Build an SR / RR with sr->report_count blocks (<= 31, else AULA_EINVAL). */
int aula_rtcp_build_sr(const aula_rtcp_sr *sr, uint8_t *buf, size_t cap, size_t *written);
int aula_rtcp_build_rr(const aula_rtcp_rr *rr, uint8_t *buf, size_t cap, size_t *written);

/* Parses SDES chunks, keeping each chunk's CNAME. Returns 0, or AULA_EPROTO
 * when an item overruns or a chunk is not terminated. */
int aula_rtcp_parse_sdes(const aula_rtcp_header *h, aula_rtcp_sdes *out);

/* Builds an SDES with one CNAME item per chunk (chunks without a CNAME get
 * none). AULA_EINVAL when chunk_count > 31. */
int aula_rtcp_build_sdes(const aula_rtcp_sdes *s, uint8_t *buf, size_t cap, size_t *written);

/* Parse / build a BYE with an optional reason. */
int aula_rtcp_parse_bye(const aula_rtcp_header *h, aula_rtcp_bye *out);
int aula_rtcp_build_bye(const aula_rtcp_bye *b, uint8_t *buf, size_t cap, size_t *written);

/* ---- Feedback (rtcp.c) ---- */

/* Parses the common feedback header of an RTPFB or PSFB packet. Returns 0,
 * or AULA_EPROTO on another type or a body shorter than 8 bytes. */
int aula_rtcp_parse_fb(const aula_rtcp_header *h, aula_rtcp_fb *out);

/* Parses a PLI (PSFB, FMT 1). AULA_EPROTO on another type or FMT. */
int aula_rtcp_parse_pli(const aula_rtcp_header *h, aula_rtcp_fb *out);

/* Builds a PLI asking the sender of media_ssrc for a key frame. */
int aula_rtcp_build_pli(uint32_t sender_ssrc, uint32_t media_ssrc, uint8_t *buf, size_t cap,
                        size_t *written);

/* ---- NACK, FIR, REMB, transport-cc (rtcp_feedback.c) ---- */

/* Parses a generic NACK (RTPFB, FMT 1). AULA_EPROTO unless the FCI is one or
 * more whole 4-byte items. */
int aula_rtcp_parse_nack(const aula_rtcp_header *h, aula_rtcp_nack *out);

/* Returns item i (< n->item_count) of a parsed NACK. */
aula_rtcp_nack_item aula_rtcp_nack_item_at(const aula_rtcp_nack *n, size_t i);

/* Builds a generic NACK with n (>= 1, else AULA_EINVAL) items. */
int aula_rtcp_build_nack(uint32_t sender_ssrc, uint32_t media_ssrc,
                         const aula_rtcp_nack_item *items, size_t n, uint8_t *buf, size_t cap,
                         size_t *written);

/* Packs lost sequence numbers into NACK items. seqs should be in sending
 * order (ascending modulo 2^16, wrapping through 65535 -> 0); each goes into
 * the current item when it is 1..16 after its pid, else starts a new item,
 * and a repeat of the pid is ignored. Returns 0 with *count items, or
 * AULA_ETOOBIG when cap items do not suffice. */
int aula_rtcp_nack_from_seqs(const uint16_t *seqs, size_t n, aula_rtcp_nack_item *items, size_t cap,
                             size_t *count);

/* Expands one item into seqs[0..17) in ascending order; returns the count. */
size_t aula_rtcp_nack_item_seqs(aula_rtcp_nack_item item, uint16_t seqs[17]);

/* Expands n items into seqs. Returns 0 with *count seqs, or AULA_ETOOBIG
 * when cap does not suffice. */
int aula_rtcp_nack_to_seqs(const aula_rtcp_nack_item *items, size_t n, uint16_t *seqs, size_t cap,
                           size_t *count);

/* Parses a FIR (PSFB, FMT 4). AULA_EPROTO unless the FCI is one or more
 * whole 8-byte entries. */
int aula_rtcp_parse_fir(const aula_rtcp_header *h, aula_rtcp_fir *out);

/* Returns entry i (< f->entry_count) of a parsed FIR. */
aula_rtcp_fir_entry aula_rtcp_fir_entry_at(const aula_rtcp_fir *f, size_t i);

/* Builds a FIR with n (>= 1, else AULA_EINVAL) entries; media SSRC is 0. */
int aula_rtcp_build_fir(uint32_t sender_ssrc, const aula_rtcp_fir_entry *entries, size_t n,
                        uint8_t *buf, size_t cap, size_t *written);

/* Parses a REMB (PSFB, FMT 15, "REMB"). Returns 0, AULA_ENOENT for another
 * application layer feedback, AULA_EPROTO when malformed. */
int aula_rtcp_parse_remb(const aula_rtcp_header *h, aula_rtcp_remb *out);

/* Builds a REMB. The bitrate is rounded down to what an 18-bit mantissa
 * and 6-bit exponent can carry. */
int aula_rtcp_build_remb(const aula_rtcp_remb *r, uint8_t *buf, size_t cap, size_t *written);

/* Parses a transport-wide CC feedback (RTPFB, FMT 15), walking every chunk
 * and delta. Returns 0, or AULA_EPROTO on a zero status count, a reserved
 * status symbol, or chunks or deltas that overrun the packet. */
int aula_rtcp_parse_twcc(const aula_rtcp_header *h, aula_rtcp_twcc *out);

/* Iterates the packet statuses of a parsed feedback (fb is borrowed). next
 * returns 0 with *out filled, AULA_ENOENT after status_count packets,
 * AULA_EPROTO on a malformed feedback that did not come from parse. */
void aula_rtcp_twcc_iter_init(aula_rtcp_twcc_iter *it, const aula_rtcp_twcc *fb);
int aula_rtcp_twcc_iter_next(aula_rtcp_twcc_iter *it, aula_rtcp_twcc_packet *out);

/* Builds a feedback for pkts[0..n), n in 1..65535, pkts[i] describing
 * hdr->base_seq + i (its seq field is ignored); hdr's sender and media SSRC,
 * base_seq, reference_time and fb_pkt_count are used. Each status must fit
 * its delta (AULA_EINVAL otherwise). Uses run-length chunks for long runs
 * and status vectors otherwise. */
int aula_rtcp_build_twcc(const aula_rtcp_twcc *hdr, const aula_rtcp_twcc_packet *pkts, size_t n,
                         uint8_t *buf, size_t cap, size_t *written);

#endif
