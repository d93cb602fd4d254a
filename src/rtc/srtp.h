/* SRTP and SRTCP contexts (RFC 3711, AEAD GCM: RFC 7714): AES_CM through
 * libsrtp2, AEAD_AES_128_GCM through OpenSSL (srtp_gcm.h).
 *
 * A transport holds one aula_srtp: an inbound session that unprotects what
 * the peer sends and an outbound session that protects what we send, both
 * keyed from the DTLS-SRTP exporter (RFC 5764 section 4.2) and matching any
 * SSRC, so producers and consumers come and go without touching the keys.
 *
 * Packets are protected and unprotected in place. protect appends the
 * authentication tag (and for SRTCP the 4-byte E flag + index), so the
 * caller's buffer must have AULA_SRTP_MAX_TRAILER bytes of room after the
 * packet: libsrtp2 documents that it may write up to its maximum trailer
 * (tag plus MKI) even though, without MKI, it writes only 16 bytes for
 * AEAD_AES_128_GCM and 10 for AES_CM_128_HMAC_SHA1_80 (plus 4 for SRTCP).
 *
 * Thread: one aula_srtp is used by one thread (its transport's worker).
 * aula_srtp_global_init() may be called from any thread. */
#ifndef AULA_RTC_SRTP_H
#define AULA_RTC_SRTP_H

#include <stddef.h>
#include <stdint.h>

/* Protection profiles by their IANA DTLS-SRTP identifiers (RFC 5764
 * section 4.1.2, RFC 7714 section 14.2). */
typedef enum aula_srtp_profile {
    AULA_SRTP_AES128_CM_SHA1_80 = 0x0001,
    AULA_SRTP_AEAD_AES_128_GCM = 0x0007,
} aula_srtp_profile;

/* Which side of the DTLS handshake we were: the server sends with the
 * server write key and receives with the client write key. */
typedef enum aula_srtp_role {
    AULA_SRTP_ROLE_SERVER,
    AULA_SRTP_ROLE_CLIENT,
} aula_srtp_role;

#define AULA_SRTP_MAX_KEY_LEN 16
#define AULA_SRTP_MAX_SALT_LEN 14
/* Room protect needs after the packet: libsrtp2's SRTP_MAX_TRAILER_LEN
 * (16-byte tag + 128-byte MKI) plus the 4-byte SRTCP index. */
#define AULA_SRTP_MAX_TRAILER 148

/* Keying material exported from DTLS, split as RFC 5764 section 4.2 lays
 * it out. Secret: wipe copies (OPENSSL_cleanse) once contexts exist. */
typedef struct aula_srtp_keys {
    size_t key_len;  /* 16 for both profiles */
    size_t salt_len; /* 14 for AES_CM, 12 for AEAD_AES_128_GCM */
    uint8_t client_key[AULA_SRTP_MAX_KEY_LEN];
    uint8_t server_key[AULA_SRTP_MAX_KEY_LEN];
    uint8_t client_salt[AULA_SRTP_MAX_SALT_LEN];
    uint8_t server_salt[AULA_SRTP_MAX_SALT_LEN];
} aula_srtp_keys;

typedef struct aula_srtp aula_srtp;

/* Initialises libsrtp2 once per process; later calls return the first
 * result. Returns 0 or AULA_EIO. Thread: any. aula_srtp_create calls it. */
int aula_srtp_global_init(void);

/* Master key and salt lengths of a profile. Returns 0, or AULA_EINVAL for
 * an unknown profile. */
int aula_srtp_profile_lengths(aula_srtp_profile profile, size_t *key_len, size_t *salt_len);

/* "AEAD_AES_128_GCM" or "AES_CM_128_HMAC_SHA1_80" (SDP / RFC names), or
 * "unknown". Never NULL. */
const char *aula_srtp_profile_name(aula_srtp_profile profile);

/* Creates the inbound and outbound sessions of one transport from keys
 * (copied; the caller keeps ownership and should wipe them). Replay
 * window: 1024 packets; the outbound side allows repeated sequence
 * numbers so NACKed packets can be protected again. Returns 0 and *out,
 * or AULA_EINVAL (unknown profile, key lengths not the profile's) or
 * AULA_EIO (libsrtp2 refused). */
int aula_srtp_create(aula_srtp_profile profile, const aula_srtp_keys *keys, aula_srtp_role role,
                     aula_srtp **out);

/* Frees both sessions. NULL is allowed. */
void aula_srtp_destroy(aula_srtp *s);

aula_srtp_profile aula_srtp_get_profile(const aula_srtp *s);

/* Protects the RTP packet buf[0..*len) in place and sets *len to the SRTP
 * length. cap is the size of buf: it must be at least *len +
 * AULA_SRTP_MAX_TRAILER, else AULA_ETOOBIG. Returns 0, AULA_EINVAL for a
 * packet that is not RTP, AULA_EPROTO when libsrtp2 refuses it. */
int aula_srtp_protect_rtp(aula_srtp *s, uint8_t *buf, size_t *len, size_t cap);

/* Same for an RTCP compound packet (SRTCP, RFC 3711 section 3.4). */
int aula_srtp_protect_rtcp(aula_srtp *s, uint8_t *buf, size_t *len, size_t cap);

/* Verifies and decrypts the SRTP packet buf[0..*len) in place; *len
 * becomes the RTP length. Returns 0, or AULA_EPROTO when the packet fails
 * authentication, is a replay or is malformed: drop it and count it. */
int aula_srtp_unprotect_rtp(aula_srtp *s, uint8_t *buf, size_t *len);

/* Same for SRTCP. */
int aula_srtp_unprotect_rtcp(aula_srtp *s, uint8_t *buf, size_t *len);

#endif
