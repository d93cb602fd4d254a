/* The media engine of one worker, sans-IO: the registries of transports
 * (by id, by our ICE ufrag for STUN, by selected remote address for
 * everything else) and of rooms (routers by room_key), the demultiplexing
 * of the worker's one UDP port (RFC 7983), and the control commands of
 * sfu/media.h.
 *
 * The worker's loop glue feeds it datagrams, commands and timer ticks with
 * uv_now() as the time and does what the callbacks ask; tests drive it in
 * virtual time with no sockets.
 *
 * A datagram from an address no transport selected is only accepted when
 * it is a STUN Binding request whose USERNAME names a live transport and
 * whose MESSAGE-INTEGRITY verifies; everything else from such an address
 * is dropped before anything is allocated.
 *
 * Thread: the worker's; one engine per worker. */
#ifndef AULA_SFU_ENGINE_H
#define AULA_SFU_ENGINE_H

#include "rtc/dtls.h"
#include "sfu/drop.h"
#include "sfu/media.h"
#include "sfu/router.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

typedef struct aula_media_engine aula_media_engine;

typedef struct aula_media_engine_cb {
    /* Sends one datagram. Called synchronously from the engine's calls. */
    void (*send)(void *ud, const struct sockaddr *to, const uint8_t *buf, size_t len);
    /* A report for the control plane (TRANSPORT_STATE, ACTIVE_SPEAKER). */
    void (*report)(void *ud, const aula_media_msg *m);
} aula_media_engine_cb;

/* identity: borrowed, must outlive the engine (shared read-only between
 * workers). cb is copied. Never NULL. */
aula_media_engine *aula_media_engine_create(const aula_dtls_identity *identity,
                                            const aula_media_engine_cb *cb, void *ud);

/* Frees every transport and room; sends and reports nothing. NULL ok. */
void aula_media_engine_destroy(aula_media_engine *e);

/* Timeouts of transports created afterwards (0: the 30 s defaults of RFC
 * 7675 and of the DTLS handshake). For tests. */
void aula_media_engine_set_timeouts(aula_media_engine *e, uint32_t consent_ms,
                                    uint32_t handshake_ms);

/* A control-plane command (sfu/media.h). Bad commands (unknown ids,
 * duplicates) are logged and ignored. */
void aula_media_engine_handle_msg(aula_media_engine *e, uint64_t now_ms, const aula_media_msg *m);

/* One datagram received on the worker's port from `from`. buf is
 * modified (SRTP is unprotected in place). Returns AULA_DROP_NONE when it
 * was consumed, else the AULA_DROP_* reason to count. */
int aula_media_engine_handle_datagram(aula_media_engine *e, uint64_t now_ms,
                                      const struct sockaddr *from, uint8_t *buf, size_t len);

/* When aula_media_engine_handle_timeout is due next (DTLS retransmission,
 * handshake deadline, consent expiry, deferred keyframe request). */
bool aula_media_engine_next_timeout(const aula_media_engine *e, uint64_t *at_ms);
void aula_media_engine_handle_timeout(aula_media_engine *e, uint64_t now_ms);

/* Live transports, for the load report. */
uint32_t aula_media_engine_transport_count(const aula_media_engine *e);

/* The loss repair counters of every room on the worker, summed (see
 * aula_router_stats in sfu/router.h), for the load report and tests. */
void aula_media_engine_loss_stats(const aula_media_engine *e, aula_router_stats *out);

#endif
