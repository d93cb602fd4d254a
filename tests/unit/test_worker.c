/* The control-plane / media-worker boundary: a worker thread with its own
 * loop answers pings with its load through the message queues, and drops
 * and counts every datagram on its UDP port by RFC 7983 class. With a DTLS
 * identity, media commands reach its engine and STUN is answered on the
 * real socket. Bursts check the batched paths: every datagram of a burst
 * read with recvmmsg is counted, and every answer queued for sendmmsg
 * arrives. */
#include "sfu/worker.h"

#include "rtc/dtls.h"
#include "rtc/stun.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cmocka.h>

typedef struct fixture {
    uv_loop_t loop;
    uv_timer_t deadline;
    aula_worker *worker;
    int pongs;
    uint64_t last_seq;
    aula_worker_load last;
    int stopped;
} fixture;

static void on_message(void *ud, aula_worker *w, const aula_worker_msg *m)
{
    fixture *f = ud;
    (void)w;
    assert_true(m->type == AULA_WORKER_PONG || m->type == AULA_WORKER_MEDIA);
    if (m->type == AULA_WORKER_MEDIA)
        return;
    f->pongs++;
    f->last_seq = m->seq;
    f->last = m->load;
    uv_stop(&f->loop);
}

static void on_deadline(uv_timer_t *t)
{
    (void)t;
    fail_msg("the worker did not answer within 5 s");
}

/* Pings and runs the loop until the pong with that number arrives. */
static void ping(fixture *f, uint64_t seq)
{
    aula_worker_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_WORKER_PING;
    m.seq = seq;
    aula_worker_send(f->worker, &m);
    uv_timer_start(&f->deadline, on_deadline, 5000, 0);
    while (f->last_seq != seq)
        uv_run(&f->loop, UV_RUN_DEFAULT);
    uv_timer_stop(&f->deadline);
}

static void on_stopped(void *ud)
{
    ((fixture *)ud)->stopped = 1;
}

static void send_datagram(int port, const void *data, size_t len)
{
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(sendto(fd, data, len, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)len);
    close(fd);
}

static void ping_pong_and_drop_counters(void **state)
{
    (void)state;
    fixture f;
    memset(&f, 0, sizeof f);
    uv_loop_init(&f.loop);
    uv_timer_init(&f.loop, &f.deadline);
    aula_worker_config cfg = {.id = 0, .media_host = "127.0.0.1", .media_port = 0};
    aula_worker_cb cb = {on_message};
    assert_int_equal(aula_worker_start(&f.loop, &cfg, &cb, &f, &f.worker), 0);
    assert_true(aula_worker_port(f.worker) > 0);

    /* The worker says it runs with an unasked pong, seq 0. */
    uv_timer_start(&f.deadline, on_deadline, 5000, 0);
    while (f.pongs == 0)
        uv_run(&f.loop, UV_RUN_DEFAULT);
    uv_timer_stop(&f.deadline);
    assert_int_equal(f.last_seq, 0);

    ping(&f, 1);
    assert_int_equal(f.pongs, 2);
    assert_int_equal(f.last.rx_datagrams, 0);

    /* One datagram of each class: STUN (0x00), DTLS (0x16), RTP (0x80),
     * and something else (0x47). */
    const unsigned char stun[] = {0x00, 0x01, 0x00, 0x00}, dtls[] = {0x16, 0xfe, 0xfd},
                        rtp[] = {0x80, 0x60, 0x00, 0x01}, junk[] = {0x47, 0x45, 0x54};
    int port = aula_worker_port(f.worker);
    send_datagram(port, stun, sizeof stun);
    send_datagram(port, dtls, sizeof dtls);
    send_datagram(port, rtp, sizeof rtp);
    send_datagram(port, junk, sizeof junk);

    /* Datagrams and the ping race inside the worker: ping until all four
     * are counted (bounded by the deadline in ping()). */
    uint64_t seq = 2;
    for (; f.last.rx_datagrams < 4 && seq < 1000; seq++)
        ping(&f, seq);
    assert_int_equal(f.last.rx_datagrams, 4);
    assert_int_equal(f.last.dropped[AULA_DROP_STUN_NO_TRANSPORT], 1);
    assert_int_equal(f.last.dropped[AULA_DROP_DTLS_UNKNOWN_ADDR], 1);
    assert_int_equal(f.last.dropped[AULA_DROP_RTP_UNKNOWN_ADDR], 1);
    assert_int_equal(f.last.dropped[AULA_DROP_UNKNOWN_PROTOCOL], 1);
    assert_true(f.last.busy >= 0.0 && f.last.busy <= 1.0);

    aula_worker_stop(f.worker, on_stopped, &f);
    uv_close((uv_handle_t *)&f.deadline, NULL);
    uv_run(&f.loop, UV_RUN_DEFAULT);
    assert_int_equal(f.stopped, 1);
    assert_int_equal(uv_loop_close(&f.loop), 0);
}

static void port_in_use_is_an_error(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET};
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    aula_worker_config cfg = {.id = 0, .media_host = "127.0.0.1", .media_port = ntohs(a.sin_port)};
    aula_worker_cb cb = {NULL};
    aula_worker *w = NULL;
    assert_int_equal(aula_worker_start(&loop, &cfg, &cb, NULL, &w), UV_EADDRINUSE);
    assert_null(w);
    close(fd);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

/* With an identity the worker runs the media engine: a transport created by
 * a media command answers a STUN Binding request over the real socket, and
 * a request with the wrong password is dropped and counted by reason. */
static void media_engine_answers_stun(void **state)
{
    (void)state;
    aula_dtls_identity *id;
    assert_int_equal(aula_dtls_identity_create(&id), 0);
    fixture f;
    memset(&f, 0, sizeof f);
    uv_loop_init(&f.loop);
    uv_timer_init(&f.loop, &f.deadline);
    aula_worker_config cfg = {.id = 1, .media_host = "127.0.0.1", .media_port = 0, .identity = id};
    aula_worker_cb cb = {on_message};
    assert_int_equal(aula_worker_start(&f.loop, &cfg, &cb, &f, &f.worker), 0);

    aula_worker_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_WORKER_MEDIA;
    m.media.type = AULA_MEDIA_TRANSPORT_CREATE;
    m.media.u.transport_create.transport_id = 9;
    m.media.u.transport_create.room_key = 1;
    m.media.u.transport_create.direction = AULA_MEDIA_PUBLISH;
    strcpy(m.media.u.transport_create.ufrag, "wkufrag");
    strcpy(m.media.u.transport_create.pwd, "worker-password-0123456789");
    aula_worker_send(f.worker, &m);
    ping(&f, 1);
    assert_int_equal(f.last.transports, 1);

    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct timeval tv = {.tv_sec = 5};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)aula_worker_port(f.worker))};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    uint8_t txid[12] = {7}, buf[512];
    aula_stun_request req = {.txid = txid,
                             .username = "wkufrag:browser",
                             .password = "wrong-password-0123456789",
                             .controlling = true,
                             .use_candidate = true};
    size_t len;
    assert_int_equal(aula_stun_build_binding_request(buf, sizeof buf, &len, &req), 0);
    assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)len);
    req.password = "worker-password-0123456789";
    assert_int_equal(aula_stun_build_binding_request(buf, sizeof buf, &len, &req), 0);
    assert_int_equal(sendto(fd, buf, len, 0, (struct sockaddr *)&to, sizeof to), (ssize_t)len);
    ssize_t n = recv(fd, buf, sizeof buf, 0);
    assert_true(n > 0);
    aula_stun_msg resp;
    assert_int_equal(aula_stun_parse(&resp, buf, (size_t)n), 0);
    assert_int_equal(resp.type, AULA_STUN_BINDING_SUCCESS);
    assert_int_equal(aula_stun_check_integrity(&resp, "worker-password-0123456789"), 0);
    close(fd);

    uint64_t seq = 2;
    for (; f.last.rx_datagrams < 2 && seq < 1000; seq++)
        ping(&f, seq);
    assert_int_equal(f.last.rx_datagrams, 2);
    assert_int_equal(f.last.dropped[AULA_DROP_STUN_BAD_CREDENTIALS], 1);

    m.media.type = AULA_MEDIA_TRANSPORT_CLOSE;
    m.media.u.target.id = 9;
    aula_worker_send(f.worker, &m);
    ping(&f, seq);
    assert_int_equal(f.last.transports, 0);

    aula_worker_stop(f.worker, on_stopped, &f);
    uv_close((uv_handle_t *)&f.deadline, NULL);
    uv_run(&f.loop, UV_RUN_DEFAULT);
    assert_int_equal(f.stopped, 1);
    assert_int_equal(uv_loop_close(&f.loop), 0);
    aula_dtls_identity_destroy(id);
}

/* Pings until the worker has counted `want` datagrams (bounded by the
 * deadline in ping() and by the number of pings). */
static uint64_t ping_until_rx(fixture *f, uint64_t seq, uint64_t want)
{
    for (; f->last.rx_datagrams < want && seq < 100000; seq++)
        ping(f, seq);
    return seq;
}

static void start_worker(fixture *f, const aula_dtls_identity *id)
{
    memset(f, 0, sizeof *f);
    uv_loop_init(&f->loop);
    uv_timer_init(&f->loop, &f->deadline);
    aula_worker_config cfg = {.id = 2, .media_host = "127.0.0.1", .media_port = 0, .identity = id};
    static const aula_worker_cb cb = {on_message};
    assert_int_equal(aula_worker_start(&f->loop, &cfg, &cb, f, &f->worker), 0);
}

static void stop_worker(fixture *f)
{
    aula_worker_stop(f->worker, on_stopped, f);
    uv_close((uv_handle_t *)&f->deadline, NULL);
    uv_run(&f->loop, UV_RUN_DEFAULT);
    assert_int_equal(f->stopped, 1);
    assert_int_equal(uv_loop_close(&f->loop), 0);
}

/* 500 datagrams sent as fast as one socket can: every one is read (through
 * recvmmsg) and counted. They go in bursts of 100 so that the kernel's
 * default receive buffer (about 200 KB, about 1 KB of it per small
 * datagram) cannot overflow on a slow (sanitized) build: a drop there
 * would be the kernel's, not the worker's. */
static void recvmmsg_counts_every_datagram(void **state)
{
    (void)state;
    fixture f;
    start_worker(&f, NULL);
    ping(&f, 1);
    int fd = socket(AF_INET, SOCK_DGRAM, 0);
    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)aula_worker_port(f.worker))};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    uint64_t seq = 2;
    for (int burst = 0; burst < 5; burst++) {
        for (int i = 0; i < 100; i++) {
            unsigned char rtp[12] = {0x80, 0x60, (unsigned char)burst, (unsigned char)i};
            assert_int_equal(sendto(fd, rtp, sizeof rtp, 0, (struct sockaddr *)&to, sizeof to),
                             (ssize_t)sizeof rtp);
        }
        seq = ping_until_rx(&f, seq, (uint64_t)(burst + 1) * 100);
    }
    close(fd);
    assert_int_equal(f.last.rx_datagrams, 500);
    assert_int_equal(f.last.dropped[AULA_DROP_RTP_UNKNOWN_ADDR], 500);
    assert_true(f.last.rx_batches >= 1 && f.last.rx_batches <= 500);
    print_message("500 datagrams in %llu recvmmsg batches\n",
                  (unsigned long long)f.last.rx_batches);
    stop_worker(&f);
}

#define N_PEERS 64

/* Binding requests from 64 sockets at once: the answers, queued while the
 * worker handles each received batch and sent with sendmmsg, all arrive,
 * each at its own socket and with its own transaction id. */
static void batched_sends_answer_every_peer(void **state)
{
    (void)state;
    aula_dtls_identity *id;
    assert_int_equal(aula_dtls_identity_create(&id), 0);
    fixture f;
    start_worker(&f, id);

    aula_worker_msg m;
    memset(&m, 0, sizeof m);
    m.type = AULA_WORKER_MEDIA;
    m.media.type = AULA_MEDIA_TRANSPORT_CREATE;
    m.media.u.transport_create.transport_id = 3;
    m.media.u.transport_create.room_key = 1;
    m.media.u.transport_create.direction = AULA_MEDIA_PUBLISH;
    strcpy(m.media.u.transport_create.ufrag, "batchufrag");
    strcpy(m.media.u.transport_create.pwd, "batch-password-0123456789");
    aula_worker_send(f.worker, &m);
    ping(&f, 1);
    assert_int_equal(f.last.transports, 1);

    struct sockaddr_in to = {.sin_family = AF_INET,
                             .sin_port = htons((uint16_t)aula_worker_port(f.worker))};
    to.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    int fds[N_PEERS];
    uint8_t buf[512];
    for (int i = 0; i < N_PEERS; i++) {
        fds[i] = socket(AF_INET, SOCK_DGRAM, 0);
        assert_true(fds[i] >= 0);
        struct timeval tv = {.tv_sec = 5};
        setsockopt(fds[i], SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    }
    /* Built first, then sent back to back, so that they arrive together. */
    static uint8_t reqs[N_PEERS][256];
    size_t lens[N_PEERS];
    for (int i = 0; i < N_PEERS; i++) {
        uint8_t txid[12] = {0x42, (uint8_t)i};
        aula_stun_request req = {.txid = txid,
                                 .username = "batchufrag:browser",
                                 .password = "batch-password-0123456789",
                                 .controlling = true};
        assert_int_equal(aula_stun_build_binding_request(reqs[i], sizeof reqs[i], &lens[i], &req),
                         0);
    }
    for (int i = 0; i < N_PEERS; i++)
        assert_int_equal(sendto(fds[i], reqs[i], lens[i], 0, (struct sockaddr *)&to, sizeof to),
                         (ssize_t)lens[i]);
    for (int i = 0; i < N_PEERS; i++) {
        ssize_t n = recv(fds[i], buf, sizeof buf, 0);
        assert_true(n > 0);
        aula_stun_msg resp;
        assert_int_equal(aula_stun_parse(&resp, buf, (size_t)n), 0);
        assert_int_equal(resp.type, AULA_STUN_BINDING_SUCCESS);
        assert_int_equal(resp.txid[1], i);
        assert_int_equal(aula_stun_check_integrity(&resp, "batch-password-0123456789"), 0);
        close(fds[i]);
    }

    uint64_t seq = ping_until_rx(&f, 2, N_PEERS);
    /* The load report may be taken before the last flush: ping again. */
    for (; f.last.tx_datagrams < N_PEERS && seq < 100000; seq++)
        ping(&f, seq);
    assert_int_equal(f.last.rx_datagrams, N_PEERS);
    assert_int_equal(f.last.tx_datagrams, N_PEERS);
    assert_true(f.last.tx_batches >= 1 && f.last.tx_batches <= N_PEERS);
    assert_int_equal(f.last.dropped[AULA_DROP_SEND_FAILED], 0);
    print_message("%d answers in %llu sendmmsg batches (%llu recvmmsg batches)\n", N_PEERS,
                  (unsigned long long)f.last.tx_batches, (unsigned long long)f.last.rx_batches);
    stop_worker(&f);
    aula_dtls_identity_destroy(id);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(ping_pong_and_drop_counters),
        cmocka_unit_test(port_in_use_is_an_error),
        cmocka_unit_test(media_engine_answers_stun),
        cmocka_unit_test(recvmmsg_counts_every_datagram),
        cmocka_unit_test(batched_sends_answer_every_peer),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
