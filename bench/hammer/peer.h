/* One WebRTC peer connection of the load generator: a UDP socket, the
 * controlling side of ICE against an ICE-lite server (Binding requests
 * with USE-CANDIDATE until one is answered, then one every few seconds
 * for consent, RFC 7675), DTLS-SRTP in either role, and SRTP both ways.
 * It glues the sans-IO cores of src/rtc to libuv, as the SFU's worker
 * does on the other side.
 *
 * Thread: the loop's. */
#ifndef AULA_BENCH_PEER_H
#define AULA_BENCH_PEER_H

#include "rtc/dtls.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <uv.h>

typedef struct hm_peer hm_peer;

/* CLOCK_REALTIME in ns: the clock of the publishers' send stamps and of
 * the kernel's receive timestamps (SO_TIMESTAMPNS), which one-way delay
 * compares. */
static inline uint64_t hm_wall_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

typedef struct hm_peer_callbacks {
    /* DTLS finished: SRTP can be sent. */
    void (*on_connected)(void *ud);
    /* A decrypted RTP packet (buf may be changed by the callee) that the
     * kernel received at rx_ns (hm_wall_ns's clock). */
    void (*on_rtp)(void *ud, uint8_t *pkt, size_t len, uint64_t rx_ns);
    /* A decrypted RTCP compound packet. */
    void (*on_rtcp)(void *ud, const uint8_t *pkt, size_t len);
    /* ICE or DTLS failed: final. why is borrowed for the call. */
    void (*on_failed)(void *ud, const char *why);
} hm_peer_callbacks;

/* Counters the benchmark reports for the whole process. */
typedef struct hm_peer_totals {
    uint64_t rx_packets, rx_bytes, rx_decrypt_fail;
    uint64_t tx_packets, tx_fail;
} hm_peer_totals;

/* Binds a UDP socket on bind_ip (any port), read in recvmmsg batches
 * with kernel receive timestamps, and makes fresh ICE
 * credentials. identity is borrowed and must outlive the peer; totals (may
 * be NULL) is borrowed and updated. Returns NULL if the socket fails. */
hm_peer *hm_peer_create(uv_loop_t *loop, aula_dtls_identity *identity, const char *bind_ip,
                        hm_peer_totals *totals, const hm_peer_callbacks *cb, void *ud);

/* Our ICE credentials and port for the SDP; borrowed from the peer. */
const char *hm_peer_ufrag(const hm_peer *p);
const char *hm_peer_pwd(const hm_peer *p);
uint16_t hm_peer_port(const hm_peer *p);

/* Starts connectivity checks to the server's candidate ip:port with its
 * ICE credentials, and DTLS once a check succeeds: as the client when
 * dtls_client (the remote SDP said a=setup:passive or actpass), else as the
 * server. fingerprint is the remote sha-256 fingerprint. Returns 0 or
 * AULA_EINVAL. */
int hm_peer_start(hm_peer *p, const char *ip, uint16_t port, const char *ufrag, const char *pwd,
                  const char *fingerprint, bool dtls_client);

/* Protects and sends an RTP packet (buf is changed in place; cap must
 * leave AULA_SRTP_MAX_TRAILER bytes). Returns 0, AULA_ECLOSED before DTLS
 * finished, or AULA_EIO when the socket refused it (counted). */
int hm_peer_send_rtp(hm_peer *p, uint8_t *buf, size_t len, size_t cap);

/* Same for an RTCP compound packet. */
int hm_peer_send_rtcp(hm_peer *p, uint8_t *buf, size_t len, size_t cap);

bool hm_peer_connected(const hm_peer *p);

/* Closes the socket and frees the peer once libuv lets go of it. No
 * callback runs after this. */
void hm_peer_destroy(hm_peer *p);

#endif
