/* Why the media plane dropped a datagram or a packet: one table shared by
 * the worker's loop glue (which counts them in its load report) and the
 * sans-IO media engine (which returns them). Kept apart from worker.h so
 * the engine does not need uv.h.
 *
 * The first four are the RFC 7983 section 7 classes of a datagram from an
 * address no transport has selected; the rest come from the engine. */
#ifndef AULA_SFU_DROP_H
#define AULA_SFU_DROP_H

#define AULA_DROP_REASONS(X)                                                                       \
    X(STUN_NO_TRANSPORT, "stun_no_transport")                                                      \
    X(DTLS_UNKNOWN_ADDR, "dtls_unknown_address")                                                   \
    X(RTP_UNKNOWN_ADDR, "rtp_unknown_address")                                                     \
    X(UNKNOWN_PROTOCOL, "unknown_protocol")                                                        \
    X(STUN_MALFORMED, "stun_malformed")                                                            \
    X(STUN_BAD_CREDENTIALS, "stun_bad_credentials")                                                \
    X(STUN_UNEXPECTED, "stun_unexpected")                                                          \
    X(TRANSPORT_NOT_READY, "transport_not_ready")                                                  \
    X(SRTP_AUTH_FAILED, "srtp_auth_failed")                                                        \
    X(RTP_MALFORMED, "rtp_malformed")                                                              \
    X(RTP_TOO_BIG, "rtp_too_big")                                                                  \
    X(UNKNOWN_SSRC, "unknown_ssrc")                                                                \
    X(PRODUCER_PAUSED, "producer_paused")                                                          \
    X(RTX_UNSUPPORTED, "rtx_unsupported")                                                          \
    X(RTCP_MALFORMED, "rtcp_malformed")                                                            \
    X(SEND_FAILED, "send_failed")

enum {
#define AULA_DROP_ENUM(name, label) AULA_DROP_##name,
    AULA_DROP_REASONS(AULA_DROP_ENUM)
#undef AULA_DROP_ENUM
        AULA_DROP_N
};

/* Returned by the engine's packet functions when nothing was dropped. */
#define AULA_DROP_NONE (-1)

#endif
