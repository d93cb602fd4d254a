/* DTLS 1.2 with DTLS-SRTP (RFC 6347, RFC 5764) through OpenSSL, sans-IO.
 *
 * A process creates one identity: a fresh ECDSA P-256 key with a
 * self-signed certificate, whose SHA-256 fingerprint goes into every SDP
 * answer (a=fingerprint, RFC 8122). Each transport then gets an aula_dtls
 * that plays the DTLS server (the browser offers a=setup:actpass and we
 * answer a=setup:passive).
 *
 * The object does no I/O and reads no clock. Feed it every datagram that
 * arrived (RFC 7983: first byte 20..63) with the current time, then drain
 * datagrams to send with aula_dtls_poll_transmit() and events with
 * aula_dtls_poll_event(); arm a timer for aula_dtls_next_timeout() and
 * call aula_dtls_handle_timeout() when it fires. Times are milliseconds on
 * any monotonic clock the caller likes, as long as it is the same one.
 *
 * Thread: an identity is shared read-only by all transports of the
 * process (OpenSSL's SSL_CTX is safe for that once configured); one
 * aula_dtls is used by one thread. */
#ifndef AULA_RTC_DTLS_H
#define AULA_RTC_DTLS_H

#include "rtc/srtp.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* "AB:CD:...": 32 bytes as colon-separated uppercase hex, plus NUL. */
#define AULA_DTLS_FINGERPRINT_SIZE 96
#define AULA_DTLS_DEFAULT_MTU 1200
#define AULA_DTLS_DEFAULT_HANDSHAKE_TIMEOUT_MS 30000
#define AULA_DTLS_DEFAULT_RETRANSMIT_MS 1000

typedef struct aula_dtls_identity aula_dtls_identity;
typedef struct aula_dtls aula_dtls;
struct x509_st; /* OpenSSL's X509 */

/* The server waits for a ClientHello (a=setup:passive, what aula's SFU
 * plays); the client sends one from aula_dtls_create (a=setup:active, what
 * the load generator in bench/ plays against aula and other servers). */
typedef enum aula_dtls_role {
    AULA_DTLS_ROLE_SERVER,
    AULA_DTLS_ROLE_CLIENT,
} aula_dtls_role;

typedef enum aula_dtls_state {
    AULA_DTLS_STATE_HANDSHAKING,
    AULA_DTLS_STATE_CONNECTED,
    AULA_DTLS_STATE_FAILED,
    AULA_DTLS_STATE_CLOSED,
} aula_dtls_state;

/* Zero in any field means its default. */
typedef struct aula_dtls_options {
    size_t mtu;                     /* largest datagram we send */
    uint32_t handshake_timeout_ms;  /* from aula_dtls_create to done */
    uint32_t retransmit_initial_ms; /* first flight timer, doubled per retry */
} aula_dtls_options;

typedef enum aula_dtls_event_type {
    /* The handshake completed: profile, keys and remote_fingerprint are
     * set. Build the SRTP contexts from them, then wipe keys. */
    AULA_DTLS_EVENT_CONNECTED = 1,
    /* The handshake or the connection failed; reason says why. Final. */
    AULA_DTLS_EVENT_FAILED,
    /* The peer sent close_notify. Final. */
    AULA_DTLS_EVENT_CLOSED,
} aula_dtls_event_type;

typedef struct aula_dtls_event {
    aula_dtls_event_type type;
    aula_srtp_profile profile;
    aula_srtp_keys keys; /* secret */
    char remote_fingerprint[AULA_DTLS_FINGERPRINT_SIZE];
    const char *reason; /* borrowed from the aula_dtls, FAILED only */
} aula_dtls_event;

/* Generates the key and certificate (CN "aula", random serial, valid from
 * yesterday for 30 days) and the SSL_CTX every transport uses. Returns 0
 * and *out, or AULA_EIO when OpenSSL fails (logged with its reason). */
int aula_dtls_identity_create(aula_dtls_identity **out);

/* Frees the identity. Every aula_dtls made from it must be gone. */
void aula_dtls_identity_destroy(aula_dtls_identity *id);

/* The certificate's SHA-256 fingerprint for a=fingerprint:sha-256.
 * Borrowed: lives as long as the identity. */
const char *aula_dtls_identity_fingerprint(const aula_dtls_identity *id);

/* The certificate itself (borrowed), for tests and diagnostics. */
const struct x509_st *aula_dtls_identity_certificate(const aula_dtls_identity *id);

/* A transport's DTLS endpoint: a server waiting for the ClientHello, or a
 * client whose ClientHello is queued for aula_dtls_poll_transmit() (with its
 * retransmission timer armed). Both check the peer's certificate only
 * against the fingerprint given to aula_dtls_expect_fingerprint(). opts may
 * be NULL. The handshake must complete within the handshake timeout counted
 * from now_ms. The identity must outlive it. Never NULL. */
aula_dtls *aula_dtls_create(aula_dtls_identity *id, aula_dtls_role role,
                            const aula_dtls_options *opts, uint64_t now_ms);

/* Frees the endpoint and wipes its keys. NULL is allowed. Sends nothing:
 * call aula_dtls_close() and drain first for a polite goodbye. */
void aula_dtls_destroy(aula_dtls *d);

/* The fingerprint from the remote SDP ("AB:CD:...", any case). When set,
 * a peer certificate with another fingerprint fails the handshake instead
 * of raising CONNECTED. Returns 0, or AULA_EINVAL for a malformed one. */
int aula_dtls_expect_fingerprint(aula_dtls *d, const char *fingerprint);

/* Feeds one received datagram. Returns 0 (including for datagrams that
 * DTLS silently discards, such as garbage), AULA_EPROTO when this
 * datagram made the connection fail or arrived past the handshake
 * deadline (a FAILED event is queued), or
 * AULA_ECLOSED when the connection had already failed or closed. */
int aula_dtls_handle_input(aula_dtls *d, uint64_t now_ms, const uint8_t *data, size_t len);

/* Copies the next datagram to send into buf. Returns 1 with *len set, 0
 * when there is nothing to send, or AULA_ETOOBIG when cap is below that
 * datagram's size (it is dropped: give a buffer of at least the MTU). */
int aula_dtls_poll_transmit(aula_dtls *d, uint8_t *buf, size_t cap, size_t *len);

/* Takes the next event into *ev. Returns true if there was one. */
bool aula_dtls_poll_event(aula_dtls *d, aula_dtls_event *ev);

/* When to call aula_dtls_handle_timeout next: true with *at_ms while the
 * handshake is under way (a flight retransmission or the handshake
 * deadline), false when no timer is needed. */
bool aula_dtls_next_timeout(const aula_dtls *d, uint64_t *at_ms);

/* Retransmits the last flight if its timer expired and fails the
 * handshake past its deadline. Returns 0, or AULA_ETIMEDOUT when this
 * call failed the handshake (a FAILED event is queued). */
int aula_dtls_handle_timeout(aula_dtls *d, uint64_t now_ms);

/* Queues close_notify if connected; later input is refused. Idempotent. */
void aula_dtls_close(aula_dtls *d);

aula_dtls_state aula_dtls_get_state(const aula_dtls *d);

/* Whether OpenSSL's SSL object is still held: during the handshake, and
 * after it for suites other than AES-GCM. For tests and diagnostics. */
bool aula_dtls_holds_ssl(const aula_dtls *d);

#endif
