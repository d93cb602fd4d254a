#include "sfu/worker.h"

#include "core/alloc.h"
#include "core/log.h"
#include "sfu/engine.h"
#include "sfu/msg_queue.h"

#include <errno.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>

/* Internal message: ends the worker's loop. */
#define MSG_STOP 100

/* What is batched, and why.
 *
 * Receive: the UDP handle is opened with UV_UDP_RECVMMSG, so libuv reads
 * with one recvmmsg(2) as many datagrams as the buffer from on_udp_alloc
 * has 64 KiB chunks (libuv 1.44 cuts it into UV__UDP_DGRAM_MAXSIZE = 64 KiB
 * chunks, at most 20). It then calls on_udp_recv once per datagram with
 * UV_UDP_MMSG_CHUNK and a pointer into its chunk, and once more with
 * UV_UDP_MMSG_FREE (nread 0) when the batch is done; a read that found
 * nothing or failed ends with a call without UV_UDP_MMSG_CHUNK too. The
 * buffer is one preallocated array per worker, reused for every batch.
 *
 * Send: everything the engine sends while it handles one received batch,
 * one timer tick or one drain of the inbox is copied into a slot of a
 * preallocated queue and leaves with one sendmmsg(2) at the end of that
 * unit of work (or earlier when the queue is full). The copy (at most
 * SEND_SLOT_BYTES, usually about 1.2 KB: tens of nanoseconds) costs little
 * next to the SRTP protect before it (ENVIRONMENT.md: 0.25-1.3 M protects
 * per second on one core) and the sendmmsg after it (about 0.7 M/s);
 * protecting straight into a slot would need a "give me a send buffer"
 * call through engine, transport and router, left for a later change.
 *
 * Backpressure: a datagram the kernel does not take now (EAGAIN: the
 * socket buffer is full) is dropped and counted as SEND_FAILED, as is the
 * rest of that batch. Keeping it for a writable watcher would only delay
 * media that is already late and grow memory under overload; RTP tolerates
 * loss (NACK and PLI repair it), DTLS and STUN retransmit. */
#define RECV_CHUNK 65536 /* UV__UDP_DGRAM_MAXSIZE in libuv 1.44 */
#define RECV_CHUNKS 16   /* datagrams per recvmmsg; libuv caps it at 20 */
#define SEND_SLOTS 256
/* The largest datagram the engine sends: an RTP or RTCP packet of
 * AULA_ROUTER_MAX_RTP plus the SRTP trailer; DTLS records and STUN answers
 * are smaller. Anything larger bypasses the queue (send_direct). */
#define SEND_SLOT_BYTES 1536

typedef struct send_queue {
    unsigned len; /* slots in use, oldest first */
    struct mmsghdr msgs[SEND_SLOTS];
    struct iovec iov[SEND_SLOTS];
    struct sockaddr_in6 to[SEND_SLOTS]; /* large enough for either family */
    uint8_t data[SEND_SLOTS][SEND_SLOT_BYTES];
} send_queue;

struct aula_worker {
    int id;
    int port;
    uv_thread_t thread;

    /* Control side. */
    uv_loop_t *control_loop; /* borrowed */
    uv_async_t control_wake; /* wakes the control loop: outbox has messages */
    aula_msg_queue outbox;   /* worker -> control */
    aula_worker_cb cb;
    void *ud;
    void (*stopped)(void *ud);
    void *stopped_ud;

    /* Worker side: touched only by the worker thread once it runs. */
    uv_loop_t loop;
    uv_async_t worker_wake; /* wakes the worker loop: inbox has messages */
    aula_msg_queue inbox;   /* control -> worker */
    uv_udp_t udp;
    uv_timer_t timer;          /* armed for aula_media_engine_next_timeout() */
    aula_media_engine *engine; /* owned; NULL without a DTLS identity */
    aula_worker_load load;
    uint64_t last_report_ns;
    uint64_t last_idle_ns;
    int fd;        /* the UDP handle's socket, for sendmmsg */
    send_queue tx; /* flushed at the end of each unit of work */
    /* recvmmsg chunks; never allocated per packet or per batch. */
    char rx_buf[RECV_CHUNKS * RECV_CHUNK];
};

static const char *const drop_labels[] = {
#define AULA_DROP_LABEL(name, label) label,
    AULA_DROP_REASONS(AULA_DROP_LABEL)
#undef AULA_DROP_LABEL
};

const char *aula_worker_drop_label(int reason)
{
    if (reason < 0 || reason >= AULA_DROP_N)
        return "unknown";
    return drop_labels[reason];
}

int aula_worker_id(const aula_worker *w)
{
    return w->id;
}

int aula_worker_port(const aula_worker *w)
{
    return w->port;
}

/* ---- worker thread ---------------------------------------------------- */

/* RFC 7983 section 7: the first byte tells STUN, DTLS and RTP/RTCP apart.
 * Without an engine no transport can exist, so each class is dropped with
 * its reason. */
static int classify_drop(unsigned char first)
{
    if (first <= 3)
        return AULA_DROP_STUN_NO_TRANSPORT;
    if (first >= 20 && first <= 63)
        return AULA_DROP_DTLS_UNKNOWN_ADDR;
    if (first >= 128 && first <= 191)
        return AULA_DROP_RTP_UNKNOWN_ADDR;
    return AULA_DROP_UNKNOWN_PROTOCOL;
}

static void on_timer(uv_timer_t *t);
static void flush_sends(aula_worker *w);

/* Re-arms the one timer after anything that may have changed the engine's
 * next deadline. */
static void arm_timer(aula_worker *w)
{
    uint64_t at;
    if (!w->engine || !aula_media_engine_next_timeout(w->engine, &at)) {
        uv_timer_stop(&w->timer);
        return;
    }
    uint64_t now = uv_now(&w->loop);
    uv_timer_start(&w->timer, on_timer, at > now ? at - now : 0, 0);
}

static void on_timer(uv_timer_t *t)
{
    aula_worker *w = t->data;
    aula_media_engine_handle_timeout(w->engine, uv_now(&w->loop));
    flush_sends(w);
    arm_timer(w);
}

/* Sends everything queued with as few sendmmsg calls as the kernel
 * allows; see "Backpressure" above for what is dropped. */
static void flush_sends(aula_worker *w)
{
    send_queue *q = &w->tx;
    unsigned done = 0;
    while (done < q->len) {
        int n = sendmmsg(w->fd, q->msgs + done, q->len - done, 0);
        if (n > 0) {
            done += (unsigned)n;
            w->load.tx_datagrams += (uint64_t)n;
            w->load.tx_batches++;
        } else if (n < 0 && errno == EINTR) {
            continue;
        } else if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
            w->load.dropped[AULA_DROP_SEND_FAILED] += q->len - done;
            break;
        } else {
            /* An error of the first datagram alone (EMSGSIZE, EPERM from a
             * firewall, ENETUNREACH): drop it and send the rest. */
            w->load.dropped[AULA_DROP_SEND_FAILED]++;
            done++;
        }
    }
    q->len = 0;
}

/* A datagram too large for a slot: sent on its own, after what is queued
 * so that the order is kept. */
static void send_direct(aula_worker *w, const struct sockaddr *to, const uint8_t *buf, size_t len)
{
    flush_sends(w);
    uv_buf_t b = uv_buf_init((char *)buf, (unsigned)len);
    if (uv_udp_try_send(&w->udp, &b, 1, to) < 0)
        w->load.dropped[AULA_DROP_SEND_FAILED]++;
    else
        w->load.tx_datagrams++;
}

/* The engine's send callback: copies the datagram into the next slot (see
 * the comment at the top for why a copy). */
static void engine_send(void *ud, const struct sockaddr *to, const uint8_t *buf, size_t len)
{
    aula_worker *w = ud;
    send_queue *q = &w->tx;
    socklen_t tolen =
        to->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6) : sizeof(struct sockaddr_in);
    if (len > SEND_SLOT_BYTES) {
        send_direct(w, to, buf, len);
        return;
    }
    if (q->len == SEND_SLOTS)
        flush_sends(w);
    unsigned i = q->len++;
    memcpy(q->data[i], buf, len);
    memcpy(&q->to[i], to, tolen);
    q->iov[i].iov_base = q->data[i];
    q->iov[i].iov_len = len;
    q->msgs[i].msg_hdr.msg_name = &q->to[i];
    q->msgs[i].msg_hdr.msg_namelen = tolen;
    q->msgs[i].msg_hdr.msg_iov = &q->iov[i];
    q->msgs[i].msg_hdr.msg_iovlen = 1;
}

static void engine_report(void *ud, const aula_media_msg *m)
{
    aula_worker *w = ud;
    aula_worker_msg out;
    memset(&out, 0, sizeof out);
    out.type = AULA_WORKER_MEDIA;
    out.media = *m;
    aula_msg_queue_push(&w->outbox, &out);
}

static void on_udp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    aula_worker *w = h->data;
    (void)suggested;
    *buf = uv_buf_init(w->rx_buf, sizeof w->rx_buf);
}

static void handle_datagram(aula_worker *w, const uv_buf_t *buf, size_t n,
                            const struct sockaddr *addr)
{
    w->load.rx_datagrams++;
    if (!w->engine) {
        w->load.dropped[classify_drop((unsigned char)buf->base[0])]++;
        return;
    }
    int reason = aula_media_engine_handle_datagram(w->engine, uv_now(&w->loop), addr,
                                                   (uint8_t *)buf->base, n);
    if (reason >= 0 && reason < AULA_DROP_N)
        w->load.dropped[reason]++;
}

/* Called once per datagram of a recvmmsg batch (UV_UDP_MMSG_CHUNK), then
 * once without that flag when the batch is over: that call flushes what
 * the batch made the engine send. */
static void on_udp_recv(uv_udp_t *udp, ssize_t n, const uv_buf_t *buf, const struct sockaddr *addr,
                        unsigned flags)
{
    aula_worker *w = udp->data;
    if (!(flags & UV_UDP_MMSG_CHUNK)) {
        if (flags & UV_UDP_MMSG_FREE)
            w->load.rx_batches++;
        else if (n > 0)
            w->load.rx_batches++; /* recvmmsg unavailable: a batch of one */
        else if (n < 0)
            AULA_LOG_DEBUG("worker", "udp receive error", "worker=%d err=%s", w->id,
                           uv_err_name((int)n));
    }
    if (n > 0 && addr)
        handle_datagram(w, buf, (size_t)n, addr);
    if (!(flags & UV_UDP_MMSG_CHUNK) && w->engine) {
        flush_sends(w);
        arm_timer(w);
    }
}

static void report_load(aula_worker *w, uint64_t seq)
{
    uint64_t now = uv_hrtime();
    uint64_t idle = uv_metrics_idle_time(&w->loop);
    uint64_t wall = now - w->last_report_ns;
    if (wall > 0) {
        double idle_frac = (double)(idle - w->last_idle_ns) / (double)wall;
        w->load.busy = idle_frac >= 1.0 ? 0.0 : 1.0 - idle_frac;
    }
    w->last_report_ns = now;
    w->last_idle_ns = idle;
    w->load.transports = w->engine ? aula_media_engine_transport_count(w->engine) : 0;

    aula_worker_msg pong;
    memset(&pong, 0, sizeof pong);
    pong.type = AULA_WORKER_PONG;
    pong.seq = seq;
    pong.load = w->load;
    aula_msg_queue_push(&w->outbox, &pong);
}

static void close_walk_cb(uv_handle_t *h, void *arg)
{
    (void)arg;
    if (!uv_is_closing(h))
        uv_close(h, NULL);
}

static void on_worker_msg(void *ud, const void *msg)
{
    aula_worker *w = ud;
    const aula_worker_msg *m = msg;
    switch ((int)m->type) {
    case AULA_WORKER_PING:
        report_load(w, m->seq);
        break;
    case AULA_WORKER_MEDIA:
        if (w->engine) {
            aula_media_engine_handle_msg(w->engine, uv_now(&w->loop), &m->media);
            flush_sends(w);
            arm_timer(w);
        }
        break;
    case MSG_STOP:
        /* Closing every handle lets uv_run return. */
        uv_walk(&w->loop, close_walk_cb, NULL);
        break;
    default:
        AULA_LOG_WARN("worker", "unknown message", "worker=%d type=%d", w->id, (int)m->type);
        break;
    }
}

static void on_worker_wake(uv_async_t *a)
{
    aula_worker *w = a->data;
    aula_msg_queue_drain(&w->inbox, on_worker_msg, w);
}

static void worker_main(void *arg)
{
    aula_worker *w = arg;
    w->last_report_ns = uv_hrtime();
    AULA_LOG_DEBUG("worker", "started", "worker=%d port=%d recvmmsg=%d", w->id, w->port,
                   uv_udp_using_recvmmsg(&w->udp));
    /* An unasked pong (seq 0) tells the control plane the loop runs. */
    report_load(w, 0);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    /* Messages that raced with the stop are dropped with the queue. */
    /* The engine does no I/O of its own: freeing it after the loop is safe. */
    aula_media_engine_destroy(w->engine);
    w->engine = NULL;
    int rc = uv_loop_close(&w->loop);
    if (rc != 0)
        AULA_LOG_ERROR("worker", "loop did not close", "worker=%d err=%s", w->id, uv_err_name(rc));
}

/* ---- control thread --------------------------------------------------- */

static void on_control_msg(void *ud, const void *msg)
{
    aula_worker *w = ud;
    if (w->cb.on_message)
        w->cb.on_message(w->ud, w, msg);
}

static void on_control_wake(uv_async_t *a)
{
    aula_worker *w = a->data;
    aula_msg_queue_drain(&w->outbox, on_control_msg, w);
}

/* Socket buffers of the media port. Media arrives in bursts (a keyframe is
 * dozens of packets at once) and the worker thread can be descheduled on a
 * busy machine: a few MiB let the kernel hold them meanwhile instead of
 * dropping them. The kernel caps the value at net.core.rmem_max /
 * wmem_max; what was granted is logged. */
#define SOCKET_BUFFER_BYTES (4 * 1024 * 1024)

static void grow_socket_buffers(aula_worker *w)
{
    int rcv = SOCKET_BUFFER_BYTES, snd = SOCKET_BUFFER_BYTES;
    uv_recv_buffer_size((uv_handle_t *)&w->udp, &rcv);
    uv_send_buffer_size((uv_handle_t *)&w->udp, &snd);
    rcv = 0;
    snd = 0;
    uv_recv_buffer_size((uv_handle_t *)&w->udp, &rcv);
    uv_send_buffer_size((uv_handle_t *)&w->udp, &snd);
    AULA_LOG_DEBUG("worker", "socket buffers", "worker=%d rcvbuf=%d sndbuf=%d", w->id, rcv, snd);
}

static int bind_udp(aula_worker *w, const char *host, int port)
{
    struct sockaddr_storage ss;
    int rc = uv_ip4_addr(host, port, (struct sockaddr_in *)&ss);
    if (rc != 0)
        rc = uv_ip6_addr(host, port, (struct sockaddr_in6 *)&ss);
    if (rc != 0)
        return rc;
    rc = uv_udp_bind(&w->udp, (const struct sockaddr *)&ss, 0);
    if (rc != 0)
        return rc;
    int len = sizeof ss;
    rc = uv_udp_getsockname(&w->udp, (struct sockaddr *)&ss, &len);
    if (rc != 0)
        return rc;
    uv_os_fd_t fd;
    rc = uv_fileno((const uv_handle_t *)&w->udp, &fd);
    if (rc != 0)
        return rc;
    w->fd = fd;
    grow_socket_buffers(w);
    w->port = ntohs(ss.ss_family == AF_INET6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
                                             : ((struct sockaddr_in *)&ss)->sin_port);
    return uv_udp_recv_start(&w->udp, on_udp_alloc, on_udp_recv);
}

/* Sets up the worker's loop and handles on the calling thread; the loop
 * is only run later, by the worker thread. */
static int init_worker_side(aula_worker *w, const aula_worker_config *cfg)
{
    int rc = uv_loop_init(&w->loop);
    if (rc != 0)
        return rc;
    uv_loop_configure(&w->loop, UV_METRICS_IDLE_TIME);
    w->worker_wake.data = w;
    w->udp.data = w;
    w->timer.data = w;
    uv_timer_init(&w->loop, &w->timer);
    if ((rc = uv_async_init(&w->loop, &w->worker_wake, on_worker_wake)) == 0 &&
        (rc = aula_msg_queue_init(&w->inbox, sizeof(aula_worker_msg), &w->worker_wake)) == 0) {
        /* AF_UNSPEC: the socket is created by the bind, for either family. */
        if ((rc = uv_udp_init_ex(&w->loop, &w->udp, AF_UNSPEC | UV_UDP_RECVMMSG)) == 0)
            rc = bind_udp(w, cfg->media_host, cfg->media_port);
        if (rc == 0) {
            if (cfg->identity) {
                static const aula_media_engine_cb ecb = {engine_send, engine_report};
                w->engine = aula_media_engine_create(cfg->identity, &ecb, w);
            }
            return 0;
        }
        aula_msg_queue_deinit(&w->inbox);
    }
    /* Undo: close what was opened and let the loop finish the closes. */
    uv_walk(&w->loop, close_walk_cb, NULL);
    uv_run(&w->loop, UV_RUN_DEFAULT);
    uv_loop_close(&w->loop);
    return rc;
}

static void on_control_closed(uv_handle_t *h)
{
    aula_worker *w = h->data;
    void (*done)(void *) = w->stopped;
    void *done_ud = w->stopped_ud;
    aula_msg_queue_deinit(&w->outbox);
    aula_msg_queue_deinit(&w->inbox);
    aula_free(w);
    if (done)
        done(done_ud);
}

int aula_worker_start(uv_loop_t *control_loop, const aula_worker_config *cfg,
                      const aula_worker_cb *cb, void *ud, aula_worker **out)
{
    aula_worker *w = aula_calloc(1, sizeof *w);
    w->id = cfg->id;
    w->control_loop = control_loop;
    w->cb = *cb;
    w->ud = ud;

    int rc = init_worker_side(w, cfg);
    if (rc != 0) {
        AULA_LOG_ERROR("worker", "cannot bind media port", "worker=%d host=%s port=%d err=%s",
                       cfg->id, cfg->media_host, cfg->media_port, uv_strerror(rc));
        aula_free(w);
        return rc;
    }
    w->control_wake.data = w;
    uv_async_init(control_loop, &w->control_wake, on_control_wake);
    aula_msg_queue_init(&w->outbox, sizeof(aula_worker_msg), &w->control_wake);

    rc = uv_thread_create(&w->thread, worker_main, w);
    if (rc != 0) {
        AULA_LOG_ERROR("worker", "cannot start thread", "worker=%d err=%s", w->id, uv_strerror(rc));
        /* Nothing runs the worker loop: tear it down here. */
        aula_media_engine_destroy(w->engine);
        w->engine = NULL;
        uv_walk(&w->loop, close_walk_cb, NULL);
        uv_run(&w->loop, UV_RUN_DEFAULT);
        uv_loop_close(&w->loop);
        /* on_control_closed frees the queues and w once the loop runs. */
        uv_close((uv_handle_t *)&w->control_wake, on_control_closed);
        return rc;
    }
    AULA_LOG_INFO("worker", "media worker started", "worker=%d udp=%s:%d", w->id, cfg->media_host,
                  w->port);
    *out = w;
    return 0;
}

void aula_worker_send(aula_worker *w, const aula_worker_msg *m)
{
    aula_msg_queue_push(&w->inbox, m);
}

void aula_worker_stop(aula_worker *w, void (*done)(void *ud), void *ud)
{
    aula_worker_msg stop;
    memset(&stop, 0, sizeof stop);
    stop.type = (enum aula_worker_msg_type)MSG_STOP;
    aula_msg_queue_push(&w->inbox, &stop);
    /* The worker only has to close a few handles: joining here is short. */
    uv_thread_join(&w->thread);
    AULA_LOG_DEBUG("worker", "stopped", "worker=%d", w->id);
    w->stopped = done;
    w->stopped_ud = ud;
    uv_close((uv_handle_t *)&w->control_wake, on_control_closed);
}
