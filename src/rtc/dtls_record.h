/* The records of an established DTLS 1.2 connection, without OpenSSL's SSL
 * object (RFC 6347 section 4.1, AES-GCM as RFC 5288 section 3).
 *
 * Once a DTLS-SRTP handshake is over, all a transport still needs from DTLS
 * is to notice the peer's alerts (close_notify, RFC 5246 section 7.2.1) and
 * to send its own close_notify. OpenSSL's SSL object keeps tens of KiB
 * (record buffers, the handshake buffer and queue, the peer certificate)
 * for that, per transport, for the transport's whole life. An aula__dtls_rec
 * holds the epoch's keys instead, about a hundred bytes, and seals or opens
 * one record at a time with a short-lived EVP context: alerts are rare.
 *
 * Only the AES-GCM suites aula offers (ECDHE-ECDSA-AES128/256-GCM) are
 * handled; aula__dtls_rec_from_ssl refuses others, and the caller keeps
 * its SSL object for those.
 *
 * Internal to src/rtc/dtls.c and its tests. Thread: one user at a time. */
#ifndef AULA_RTC_DTLS_RECORD_H
#define AULA_RTC_DTLS_RECORD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct ssl_st; /* OpenSSL's SSL */

#define AULA_DTLS_REC_HEADER 13 /* type, version, epoch, sequence number, length */
#define AULA_DTLS_REC_CT_CCS 20
#define AULA_DTLS_REC_CT_ALERT 21
#define AULA_DTLS_REC_CT_HANDSHAKE 22
#define AULA_DTLS_REC_CT_APPDATA 23

typedef struct aula__dtls_rec {
    size_t key_len; /* 16 or 32 */
    uint8_t read_key[32], read_salt[4];
    uint8_t write_key[32], write_salt[4];
    uint16_t epoch;     /* the epoch the handshake ended in */
    uint64_t write_seq; /* our next sequence number in it (48 bits) */
} aula__dtls_rec;

/* One record's header, as read by aula__dtls_rec_next. */
typedef struct aula__dtls_rec_view {
    uint8_t type;
    uint16_t version, epoch;
    uint64_t seq;
    const uint8_t *rec; /* the whole record, header included (borrowed) */
    size_t rec_len;
} aula__dtls_rec_view;

/* Reads the record at *off in a datagram and moves *off past it. Returns
 * true with *v set, false at the end or at a truncated record. */
bool aula__dtls_rec_next(const uint8_t *dgram, size_t len, size_t *off, aula__dtls_rec_view *v);

/* Derives the current epoch's keys from a finished handshake (RFC 5246
 * section 6.3: key_block = PRF(master_secret, "key expansion",
 * server_random + client_random)), the side being ours (server or client).
 * The write sequence starts at 0: call aula__dtls_rec_note_sent with every
 * datagram we sent in the epoch so far. Returns 0, AULA_EINVAL for a suite
 * that is not AES-GCM (keep the SSL object), or AULA_EIO. */
int aula__dtls_rec_from_ssl(aula__dtls_rec *r, struct ssl_st *ssl, bool server);

/* Moves the write sequence past every record of the current epoch in a
 * datagram we sent. */
void aula__dtls_rec_note_sent(aula__dtls_rec *r, const uint8_t *dgram, size_t len);

/* Decrypts and authenticates one record of the current epoch (v from
 * aula__dtls_rec_next) into out. Returns 0 with *out_len, AULA_EPROTO when
 * it does not authenticate (drop it, as DTLS does) or is of another epoch,
 * AULA_ETOOBIG when cap is short. */
int aula__dtls_rec_open(const aula__dtls_rec *r, const aula__dtls_rec_view *v, uint8_t *out,
                        size_t cap, size_t *out_len);

/* Encrypts plaintext into one record of the current epoch with the next
 * sequence number. Returns 0 with *out_len, or AULA_ETOOBIG. */
int aula__dtls_rec_seal(aula__dtls_rec *r, uint8_t type, const uint8_t *pt, size_t n, uint8_t *out,
                        size_t cap, size_t *out_len);

/* Wipes the keys. */
void aula__dtls_rec_wipe(aula__dtls_rec *r);

#endif
