/* One WebRTC transport on a media worker: ICE-lite (RFC 8445 section 2.5),
 * DTLS-SRTP as the server (RFC 5764) and the SRTP contexts, sans-IO.
 *
 * The object does no I/O and reads no clock: the engine (sfu/engine.h)
 * feeds it the datagrams that belong to it with the current time, and it
 * sends through cb->send and reports state changes through cb->state.
 * Media goes the other way through aula_transport_unprotect() (inbound)
 * and aula_transport_send_rtp/rtcp() (outbound, to the selected address).
 *
 * Lifecycle: created by TRANSPORT_CREATE, connected once ICE selected an
 * address and DTLS completed; FAILED (DTLS failure, handshake not done in
 * time) and CLOSED (consent expired, close_notify) are final, and then it
 * only waits for the control plane's TRANSPORT_CLOSE to be destroyed.
 *
 * Thread: the worker's. */
#ifndef AULA_SFU_TRANSPORT_H
#define AULA_SFU_TRANSPORT_H

#include "rtc/dtls.h"
#include "sfu/media.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct aula_transport aula_transport;

typedef struct aula_transport_cb {
    /* Sends one datagram to a remote address (STUN answers go to the
     * request's source, everything else to the selected address). */
    void (*send)(void *ud, aula_transport *t, const struct sockaddr *to, const uint8_t *buf,
                 size_t len);
    /* CONNECTED, FAILED or CLOSED; reason is NULL for CONNECTED. */
    void (*state)(void *ud, aula_transport *t, aula_media_transport_state state,
                  const char *reason);
} aula_transport_cb;

typedef struct aula_transport_options {
    uint32_t consent_timeout_ms;   /* RFC 7675: 30 s without STUN or SRTP -> CLOSED */
    uint32_t handshake_timeout_ms; /* ICE + DTLS not done in time -> FAILED */
} aula_transport_options;

/* Creates a transport from the control plane's command (copied). id is the
 * process's DTLS identity (borrowed; it must outlive the transport). The
 * handshake deadline counts from now_ms. Never NULL. */
aula_transport *aula_transport_create(const aula_media_transport_create *cfg,
                                      aula_dtls_identity *id, const aula_transport_options *opts,
                                      uint64_t now_ms, const aula_transport_cb *cb, void *ud);

/* Frees the transport and its DTLS and SRTP state. Sends nothing. NULL ok. */
void aula_transport_destroy(aula_transport *t);

uint64_t aula_transport_id(const aula_transport *t);
uint64_t aula_transport_room_key(const aula_transport *t);
const char *aula_transport_ufrag(const aula_transport *t);
const aula_media_extensions *aula_transport_extensions(const aula_transport *t);
bool aula_transport_is_connected(const aula_transport *t);

/* The selected remote address, or NULL before ICE selected one. Borrowed. */
const struct sockaddr *aula_transport_selected(const aula_transport *t);

/* A STUN datagram whose USERNAME names this transport (the caller found it
 * by our ufrag). Verifies FINGERPRINT and MESSAGE-INTEGRITY before
 * anything else; bad credentials are dropped silently (no 401, so a
 * spoofed source gets no reflection). A valid Binding request is answered
 * with a success carrying XOR-MAPPED-ADDRESS, refreshes consent, and
 * selects from when no address is selected yet or when it carries
 * USE-CANDIDATE; *selected_changed tells the caller to re-index the
 * transport by address. Returns AULA_DROP_NONE or an AULA_DROP_* reason. */
int aula_transport_handle_stun(aula_transport *t, uint64_t now_ms, const struct sockaddr *from,
                               const uint8_t *buf, size_t len, bool *selected_changed);

/* A DTLS datagram from the selected address. Returns AULA_DROP_NONE or a
 * reason. May send and report a state change. */
int aula_transport_handle_dtls(aula_transport *t, uint64_t now_ms, const uint8_t *buf, size_t len);

/* Unprotects an SRTP or SRTCP datagram from the selected address in place
 * (*len becomes the plain length) and refreshes consent. Sets *is_rtcp.
 * Returns AULA_DROP_NONE, TRANSPORT_NOT_READY before DTLS completed, or
 * SRTP_AUTH_FAILED. */
int aula_transport_unprotect(aula_transport *t, uint64_t now_ms, uint8_t *buf, size_t *len,
                             bool *is_rtcp);

/* Protects buf[0..len) in place (cap must leave AULA_SRTP_MAX_TRAILER
 * bytes) and sends it to the selected address. Returns 0, AULA_ECLOSED
 * when not connected, or the protect error. */
int aula_transport_send_rtp(aula_transport *t, uint8_t *buf, size_t len, size_t cap);
int aula_transport_send_rtcp(aula_transport *t, uint8_t *buf, size_t len, size_t cap);

/* When handle_timeout is due: DTLS retransmission, handshake deadline or
 * consent expiry. False when the transport needs no timer (final state). */
bool aula_transport_next_timeout(const aula_transport *t, uint64_t *at_ms);
void aula_transport_handle_timeout(aula_transport *t, uint64_t now_ms);

/* True when two AF_INET/AF_INET6 addresses have the same family, address
 * and port. */
bool aula_sockaddr_equal(const struct sockaddr *a, const struct sockaddr *b);

#endif
