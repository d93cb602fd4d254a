/* Outbound SRTP for AEAD_AES_128_GCM (RFC 7714) straight through OpenSSL.
 *
 * Forwarding protects every packet once per viewer, so this is the SFU's
 * hottest function. Debian's libsrtp2 does AES-GCM through NSS's PKCS #11
 * layer (a session lock and a context allocation around every call); doing
 * the same arithmetic with one preset EVP context per transport costs a
 * fraction of that and a few KiB instead of libsrtp2's 35 or so. So a GCM
 * transport does everything here: RTP and SRTCP, both ways, with the
 * rollover counters and replay windows libsrtp2 keeps (1,024 packets for
 * SRTP as aula configured it, libsrtp2's fixed 128 for SRTCP). Output and
 * acceptance match libsrtp2's byte for byte and packet for packet
 * (tests/unit/test_srtp_gcm.c compares the two); the AES_CM profile stays
 * with libsrtp2 (src/rtc/srtp.c).
 *
 * Internal to src/rtc: aula_srtp uses it when the profile is GCM.
 * Thread: one object per transport, used by one thread. */
#ifndef AULA_RTC_SRTP_GCM_H
#define AULA_RTC_SRTP_GCM_H

#include <stddef.h>
#include <stdint.h>

#define AULA__SRTP_GCM_KEY_LEN 16
#define AULA__SRTP_GCM_SALT_LEN 12
#define AULA__SRTP_GCM_TAG_LEN 16

typedef struct aula__srtp_gcm_tx aula__srtp_gcm_tx;

/* Derives the session key and salt from the master key and salt (RFC 3711
 * section 4.3 with the 96-bit salt of RFC 7714 section 11) and presets a
 * GCM context. Returns 0 and *out, or AULA_EIO when OpenSSL fails. */
int aula__srtp_gcm_tx_create(const uint8_t key[AULA__SRTP_GCM_KEY_LEN],
                             const uint8_t salt[AULA__SRTP_GCM_SALT_LEN], aula__srtp_gcm_tx **out);

/* Frees it and wipes its keys. NULL is allowed. */
void aula__srtp_gcm_tx_destroy(aula__srtp_gcm_tx *g);

/* Protects the RTP packet buf[0..*len) in place (RFC 7714 section 8):
 * the header (with CSRCs and extension) is the additional data, the
 * payload is encrypted, the 16-byte tag is appended and *len grows by it.
 * The rollover counter of each SSRC is kept as libsrtp2 keeps it for a
 * sender, repeated (retransmitted) sequence numbers included. The caller
 * guarantees the room after the packet. Returns 0, AULA_EINVAL for a
 * packet whose header does not fit, AULA_EIO when OpenSSL fails. */
int aula__srtp_gcm_tx_protect(aula__srtp_gcm_tx *g, uint8_t *buf, size_t *len);

/* Protects the RTCP compound packet buf[0..*len) in place (RFC 7714
 * section 9): everything after the sender SSRC is encrypted, then the tag
 * and the E flag with the SSRC's next SRTCP index are appended (*len grows
 * by 20). Returns 0, AULA_EINVAL for fewer than 8 bytes, AULA_EPROTO when
 * the SSRC's index is used up, AULA_EIO when OpenSSL fails. */
int aula__srtp_gcm_tx_protect_rtcp(aula__srtp_gcm_tx *g, uint8_t *buf, size_t *len);

/* The receiving side: what the peer protected with its master key. */
typedef struct aula__srtp_gcm_rx aula__srtp_gcm_rx;

/* Same as aula__srtp_gcm_tx_create, for the peer's key. */
int aula__srtp_gcm_rx_create(const uint8_t key[AULA__SRTP_GCM_KEY_LEN],
                             const uint8_t salt[AULA__SRTP_GCM_SALT_LEN], aula__srtp_gcm_rx **out);

/* Frees it and wipes its keys. NULL is allowed. */
void aula__srtp_gcm_rx_destroy(aula__srtp_gcm_rx *g);

/* Verifies and decrypts the SRTP packet buf[0..*len) in place; *len loses
 * the tag. Returns 0, or AULA_EPROTO when it is malformed, does not
 * authenticate, is a replay or older than the window: drop it. */
int aula__srtp_gcm_rx_unprotect(aula__srtp_gcm_rx *g, uint8_t *buf, size_t *len);

/* Same for SRTCP; *len loses the tag and the index. */
int aula__srtp_gcm_rx_unprotect_rtcp(aula__srtp_gcm_rx *g, uint8_t *buf, size_t *len);

#endif
