#include "peer.h"

#include "core/alloc.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "rtc/rtp.h"
#include "rtc/srtp.h"
#include "rtc/stun.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define TICK_MS 50
#define CHECK_RETRY_MS 100
#define CONSENT_MS 5000
#define ICE_TIMEOUT_MS 10000
#define RX_BATCH 16 /* datagrams per recvmmsg */

typedef enum state { ST_IDLE, ST_CHECKING, ST_DTLS, ST_CONNECTED, ST_FAILED } state;

struct hm_peer {
    uv_loop_t *loop;
    int fd;         /* our UDP socket, with kernel receive timestamps */
    uv_poll_t poll; /* readable: drain it with recvmmsg */
    uv_timer_t timer;
    int open_handles;
    hm_peer_callbacks cb;
    void *ud;
    hm_peer_totals *totals; /* borrowed, may be NULL */
    aula_dtls_identity *id; /* borrowed */
    aula_dtls *dtls;        /* owned */
    aula_srtp *srtp;        /* owned, once connected */
    state st;
    bool destroyed;
    struct sockaddr_in remote;
    char ufrag[17], pwd[33]; /* 8 and 16 random bytes in hex */
    char username[160];
    char remote_pwd[260];
    char remote_fp[AULA_DTLS_FINGERPRINT_SIZE];
    uint8_t txid[AULA_STUN_TXID_SIZE];
    uint64_t next_check_ms, started_ms;
    uint16_t port;
    bool dtls_client_role;
    bool debug; /* HAMMER_DEBUG: trace ICE and DTLS */
};

static uint64_t now_ms(const hm_peer *p)
{
    return uv_now(p->loop);
}

/* sendto on the non-blocking socket: 0, or -1 when the kernel refused. */
static int send_datagram(hm_peer *p, const uint8_t *buf, size_t len)
{
    ssize_t r = sendto(p->fd, buf, len, 0, (const struct sockaddr *)&p->remote, sizeof p->remote);
    return r == (ssize_t)len ? 0 : -1;
}

static void send_raw(hm_peer *p, const uint8_t *buf, size_t len)
{
    int r = send_datagram(p, buf, len);
    if (p->totals) {
        if (r < 0)
            p->totals->tx_fail++;
        else
            p->totals->tx_packets++;
    }
}

static void fail(hm_peer *p, const char *why)
{
    if (p->st == ST_FAILED)
        return;
    if (p->debug)
        fprintf(stderr, "peer %u: failed: %s\n", p->port, why);
    p->st = ST_FAILED;
    uv_timer_stop(&p->timer);
    if (p->cb.on_failed)
        p->cb.on_failed(p->ud, why);
}

static void send_check(hm_peer *p)
{
    for (size_t i = 0; i < sizeof p->txid; i++)
        p->txid[i] = (uint8_t)rand();
    aula_stun_request req = {
        .txid = p->txid,
        .username = p->username,
        .password = p->remote_pwd,
        .priority = 2130706431u,
        .controlling = true,
        .tie_breaker = ((uint64_t)rand() << 32) | (uint64_t)rand(),
        .use_candidate = true,
    };
    uint8_t buf[512];
    size_t len;
    if (aula_stun_build_binding_request(buf, sizeof buf, &len, &req) == 0)
        send_raw(p, buf, len);
}

static void drain_dtls(hm_peer *p)
{
    uint8_t buf[2048];
    size_t len;
    while (aula_dtls_poll_transmit(p->dtls, buf, sizeof buf, &len) == 1)
        send_raw(p, buf, len);
    aula_dtls_event ev;
    while (aula_dtls_poll_event(p->dtls, &ev)) {
        if (ev.type == AULA_DTLS_EVENT_CONNECTED && p->st == ST_DTLS) {
            bool client = p->dtls_client_role;
            int err =
                aula_srtp_create(ev.profile, &ev.keys,
                                 client ? AULA_SRTP_ROLE_CLIENT : AULA_SRTP_ROLE_SERVER, &p->srtp);
            memset(&ev.keys, 0, sizeof ev.keys);
            if (err) {
                fail(p, "srtp setup failed");
                return;
            }
            p->st = ST_CONNECTED;
            p->next_check_ms = now_ms(p) + CONSENT_MS;
            if (p->cb.on_connected)
                p->cb.on_connected(p->ud);
        } else if (ev.type != AULA_DTLS_EVENT_CONNECTED) {
            fail(p, ev.reason ? ev.reason : "dtls closed");
            return;
        }
    }
}

static void on_stun(hm_peer *p, const uint8_t *buf, size_t len)
{
    aula_stun_msg m;
    if (aula_stun_parse(&m, buf, len) != 0)
        return;
    if (m.type == AULA_STUN_BINDING_REQUEST) {
        /* Some ICE-lite servers (libnice's, under Janus) check the pair
         * themselves too before they start DTLS: answer like a full agent. */
        uint8_t out[256];
        size_t n;
        if (aula_stun_check_integrity(&m, p->pwd) == 0 &&
            aula_stun_build_binding_success(out, sizeof out, &n, m.txid,
                                            (const struct sockaddr *)&p->remote, p->pwd) == 0)
            send_raw(p, out, n);
        return;
    }
    if (memcmp(m.txid, p->txid, sizeof p->txid) != 0)
        return;
    if (m.type == AULA_STUN_BINDING_ERROR) {
        fail(p, "ice check refused");
        return;
    }
    if (m.type != AULA_STUN_BINDING_SUCCESS || aula_stun_check_integrity(&m, p->remote_pwd) != 0)
        return;
    if (p->st != ST_CHECKING)
        return; /* a consent check answered */
    p->st = ST_DTLS;
    uint64_t now = now_ms(p);
    p->dtls = aula_dtls_create(
        p->id, p->dtls_client_role ? AULA_DTLS_ROLE_CLIENT : AULA_DTLS_ROLE_SERVER, NULL, now);
    aula_dtls_expect_fingerprint(p->dtls, p->remote_fp);
    p->next_check_ms = now + CONSENT_MS;
    drain_dtls(p);
}

static void on_srtp(hm_peer *p, uint8_t *buf, size_t len, uint64_t rx_ns)
{
    if (!p->srtp)
        return;
    if (aula_rtp_is_rtcp(buf, len)) {
        if (aula_srtp_unprotect_rtcp(p->srtp, buf, &len) != 0) {
            if (p->totals)
                p->totals->rx_decrypt_fail++;
            return;
        }
        if (p->cb.on_rtcp)
            p->cb.on_rtcp(p->ud, buf, len);
        return;
    }
    if (aula_srtp_unprotect_rtp(p->srtp, buf, &len) != 0) {
        if (p->totals)
            p->totals->rx_decrypt_fail++;
        return;
    }
    if (p->cb.on_rtp)
        p->cb.on_rtp(p->ud, buf, len, rx_ns);
}

/* One datagram that arrived at rx_ns (CLOCK_REALTIME, the kernel's
 * receive time). */
static void on_datagram(hm_peer *p, uint8_t *d, size_t len, uint64_t rx_ns)
{
    if (p->debug && d[0] < 128)
        fprintf(stderr, "peer %u: %zu bytes, first byte %u, state %d\n", p->port, len, d[0], p->st);
    if (p->totals) {
        p->totals->rx_packets++;
        p->totals->rx_bytes += len;
    }
    /* RFC 7983 section 7: the first byte says which protocol. */
    if (d[0] < 4)
        on_stun(p, d, len);
    else if (d[0] >= 20 && d[0] <= 63 && p->dtls) {
        aula_dtls_handle_input(p->dtls, now_ms(p), d, len);
        drain_dtls(p);
    } else if (d[0] >= 128 && d[0] <= 191)
        on_srtp(p, d, len, rx_ns);
}

/* The kernel's receive time of a datagram (SO_TIMESTAMPNS), or now when
 * it gave none. On loopback it is stamped as the sender's packet enters
 * the receive path: the time a viewer on its own machine would have it,
 * without this process's own queueing. */
static uint64_t rx_time_ns(struct msghdr *h)
{
    for (struct cmsghdr *cm = CMSG_FIRSTHDR(h); cm; cm = CMSG_NXTHDR(h, cm))
        if (cm->cmsg_level == SOL_SOCKET && cm->cmsg_type == SCM_TIMESTAMPNS) {
            struct timespec ts;
            memcpy(&ts, CMSG_DATA(cm), sizeof ts);
            return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
        }
    return hm_wall_ns();
}

/* Reads what the socket holds, RX_BATCH datagrams per recvmmsg, into
 * buffers shared by every peer (one loop, one thread, each datagram handled
 * before the next read). */
static void on_readable(uv_poll_t *w, int status, int events)
{
    (void)events;
    hm_peer *p = w->data;
    static uint8_t bufs[RX_BATCH][2048];
    static char ctl[RX_BATCH][CMSG_SPACE(sizeof(struct timespec))];
    if (status < 0)
        return;
    for (int round = 0; round < 8 && !p->destroyed && p->st != ST_FAILED; round++) {
        struct mmsghdr msgs[RX_BATCH];
        struct iovec iov[RX_BATCH];
        for (int i = 0; i < RX_BATCH; i++) {
            iov[i] = (struct iovec){.iov_base = bufs[i], .iov_len = sizeof bufs[i]};
            msgs[i] = (struct mmsghdr){.msg_hdr = {.msg_iov = &iov[i],
                                                   .msg_iovlen = 1,
                                                   .msg_control = ctl[i],
                                                   .msg_controllen = sizeof ctl[i]}};
        }
        int n = recvmmsg(p->fd, msgs, RX_BATCH, MSG_DONTWAIT, NULL);
        if (n <= 0)
            return;
        for (int i = 0; i < n && !p->destroyed && p->st != ST_FAILED; i++)
            if (msgs[i].msg_len > 0)
                on_datagram(p, bufs[i], msgs[i].msg_len, rx_time_ns(&msgs[i].msg_hdr));
        if (n < RX_BATCH)
            return;
    }
}

static void on_tick(uv_timer_t *t)
{
    hm_peer *p = t->data;
    uint64_t now = now_ms(p);
    if (p->st == ST_CHECKING && now - p->started_ms > ICE_TIMEOUT_MS) {
        fail(p, "ice timed out");
        return;
    }
    if (now >= p->next_check_ms) {
        send_check(p);
        p->next_check_ms = now + (p->st == ST_CHECKING ? CHECK_RETRY_MS : CONSENT_MS);
    }
    if (p->st == ST_DTLS) {
        aula_dtls_handle_timeout(p->dtls, now);
        drain_dtls(p);
    }
}

hm_peer *hm_peer_create(uv_loop_t *loop, aula_dtls_identity *identity, const char *bind_ip,
                        hm_peer_totals *totals, const hm_peer_callbacks *cb, void *ud)
{
    hm_peer *p = aula_calloc(1, sizeof *p);
    p->cb = *cb;
    p->ud = ud;
    p->id = identity;
    p->totals = totals;
    p->debug = getenv("HAMMER_DEBUG") != NULL;
    aula_random_hex(p->ufrag, 8);
    aula_random_hex(p->pwd, 16);
    p->loop = loop;
    struct sockaddr_in a, me;
    socklen_t melen = sizeof me;
    int one = 1, sz = 1 << 20;
    p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
    if (p->fd < 0 || uv_ip4_addr(bind_ip, 0, &a) != 0 ||
        bind(p->fd, (const struct sockaddr *)&a, sizeof a) != 0 ||
        getsockname(p->fd, (struct sockaddr *)&me, &melen) != 0 ||
        setsockopt(p->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof one) != 0 ||
        setsockopt(p->fd, SOL_SOCKET, SO_RCVBUF, &sz, sizeof sz) != 0 ||
        uv_poll_init_socket(loop, &p->poll, p->fd) != 0) {
        AULA_LOG_ERROR("hammer", "udp socket failed", "err=%s", strerror(errno));
        if (p->fd >= 0)
            close(p->fd);
        aula_free(p);
        return NULL;
    }
    p->port = ntohs(me.sin_port);
    p->poll.data = p;
    uv_timer_init(loop, &p->timer);
    p->timer.data = p;
    p->open_handles = 2;
    uv_poll_start(&p->poll, UV_READABLE, on_readable);
    return p;
}

const char *hm_peer_ufrag(const hm_peer *p)
{
    return p->ufrag;
}

const char *hm_peer_pwd(const hm_peer *p)
{
    return p->pwd;
}

uint16_t hm_peer_port(const hm_peer *p)
{
    return p->port;
}

bool hm_peer_connected(const hm_peer *p)
{
    return p->st == ST_CONNECTED;
}

int hm_peer_start(hm_peer *p, const char *ip, uint16_t port, const char *ufrag, const char *pwd,
                  const char *fingerprint, bool dtls_client)
{
    if (p->st != ST_IDLE || uv_ip4_addr(ip, port, &p->remote) != 0 ||
        strlen(fingerprint) >= sizeof p->remote_fp || strlen(pwd) >= sizeof p->remote_pwd)
        return AULA_EINVAL;
    snprintf(p->username, sizeof p->username, "%s:%s", ufrag, p->ufrag);
    snprintf(p->remote_pwd, sizeof p->remote_pwd, "%s", pwd);
    snprintf(p->remote_fp, sizeof p->remote_fp, "%s", fingerprint);
    p->dtls_client_role = dtls_client;
    p->st = ST_CHECKING;
    p->started_ms = now_ms(p);
    p->next_check_ms = 0;
    uv_timer_start(&p->timer, on_tick, 0, TICK_MS);
    if (p->debug)
        fprintf(stderr, "peer %u: checks to %s:%u, dtls %s\n", p->port, ip, port,
                dtls_client ? "client" : "server");
    return 0;
}

static int send_srtp(hm_peer *p, uint8_t *buf, size_t len, size_t cap, bool rtcp)
{
    if (p->st != ST_CONNECTED)
        return AULA_ECLOSED;
    int err = rtcp ? aula_srtp_protect_rtcp(p->srtp, buf, &len, cap)
                   : aula_srtp_protect_rtp(p->srtp, buf, &len, cap);
    if (err)
        return err;
    int r = send_datagram(p, buf, len);
    if (p->totals) {
        if (r < 0)
            p->totals->tx_fail++;
        else
            p->totals->tx_packets++;
    }
    return r < 0 ? AULA_EIO : 0;
}

int hm_peer_send_rtp(hm_peer *p, uint8_t *buf, size_t len, size_t cap)
{
    return send_srtp(p, buf, len, cap, false);
}

int hm_peer_send_rtcp(hm_peer *p, uint8_t *buf, size_t len, size_t cap)
{
    return send_srtp(p, buf, len, cap, true);
}

static void on_closed(uv_handle_t *h)
{
    hm_peer *p = h->data;
    if (--p->open_handles > 0)
        return;
    close(p->fd);
    aula_dtls_destroy(p->dtls);
    aula_srtp_destroy(p->srtp);
    aula_free(p);
}

void hm_peer_destroy(hm_peer *p)
{
    if (!p)
        return;
    p->destroyed = true;
    p->st = ST_FAILED;
    uv_close((uv_handle_t *)&p->poll, on_closed);
    uv_close((uv_handle_t *)&p->timer, on_closed);
}
