/* Tests of WebSocket connections (src/http/ws_conn.c) over the real HTTP
 * server on 127.0.0.1.
 *
 * The server's loop runs in a second thread; the test body is the client,
 * with a blocking socket, so cmocka's assertions stay on the main thread.
 * The application on the loop thread echoes text ("echo:" + text), closes
 * on "close", floods on "flood", and records what happened in atomics. */
#include "http/ws_conn.h"

#include "core/buf.h"
#include "core/error.h"
#include "http/http_server.h"
#include "http/websocket.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#define KEY "dGhlIHNhbXBsZSBub25jZQ=="
#define ACCEPT "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
#define MAX_CONNS 8

/* ---- the server side ---- */

typedef struct harness {
    uv_loop_t loop;
    uv_async_t async;
    pthread_t thread;
    aula_http_server *server;
    int port;
    aula_ws_conn_config ws_cfg;
    aula_ws_conn *conns[MAX_CONNS]; /* loop thread only */
    atomic_int accepted;
    atomic_int refused;
    atomic_int closed;
    atomic_int texts;
    atomic_int flood_sent;  /* sends that succeeded during "flood" */
    atomic_int flood_rc;    /* the send result that ended it */
    atomic_int stop_called; /* aula_http_server_close's done ran */
    atomic_int errors;      /* checks failed on the loop thread */
} harness;

/* cmocka's assertions must stay on the main thread; the loop thread counts
 * failures, and stop() asserts there were none. */
#define CHECK(h, cond)                                                                             \
    do {                                                                                           \
        if (!(cond)) {                                                                             \
            fprintf(stderr, "loop thread check failed: %s (line %d)\n", #cond, __LINE__);          \
            atomic_fetch_add(&(h)->errors, 1);                                                     \
        }                                                                                          \
    } while (0)

static void untrack(harness *h, aula_ws_conn *c)
{
    for (int i = 0; i < MAX_CONNS; i++)
        if (h->conns[i] == c)
            h->conns[i] = NULL;
}

static void on_text(void *ud, aula_ws_conn *c, const char *data, size_t len)
{
    harness *h = ud;
    atomic_fetch_add(&h->texts, 1);
    if (len == 5 && memcmp(data, "close", 5) == 0) {
        aula_ws_conn_close(c, 4000, "asked");
        CHECK(h, aula_ws_conn_send_text(c, "x", 1) == AULA_ECLOSED);
        return;
    }
    if (len == 5 && memcmp(data, "flood", 5) == 0) {
        static char chunk[60000];
        memset(chunk, 'f', sizeof chunk);
        int rc = 0;
        int sent = 0;
        for (int i = 0; i < 2000 && rc == 0; i++)
            if ((rc = aula_ws_conn_send_text(c, chunk, sizeof chunk)) == 0)
                sent++;
        atomic_store(&h->flood_sent, sent);
        atomic_store(&h->flood_rc, rc);
        return;
    }
    aula_buf b;
    aula_buf_init(&b);
    aula_buf_append_str(&b, "echo:");
    aula_buf_append(&b, data, len);
    CHECK(h, aula_ws_conn_send_text(c, b.data, b.len) == 0);
    aula_buf_deinit(&b);
}

static void on_closed(void *ud, aula_ws_conn *c)
{
    harness *h = ud;
    untrack(h, c);
    atomic_fetch_add(&h->closed, 1);
}

static void handler(aula_http_request *req, void *ud)
{
    harness *h = ud;
    static const aula_ws_conn_cb cb = {on_text, on_closed};
    aula_ws_conn *c = NULL;
    if (aula_ws_conn_accept(req, &h->loop, &h->ws_cfg, &cb, h, &c) != 0) {
        CHECK(h, c == NULL && req->status >= 400);
        atomic_fetch_add(&h->refused, 1);
        return;
    }
    CHECK(h, req->status == 101);
    CHECK(h, strcmp(aula_ws_conn_remote_addr(c), "127.0.0.1") == 0);
    for (int i = 0; i < MAX_CONNS; i++) {
        if (!h->conns[i]) {
            h->conns[i] = c;
            break;
        }
    }
    atomic_fetch_add(&h->accepted, 1);
}

static void on_server_done(void *ud)
{
    harness *h = ud;
    atomic_store(&h->stop_called, 1);
}

/* Shutdown as the application does it: close the server, and each live
 * WebSocket with 1001. */
static void on_async(uv_async_t *a)
{
    harness *h = a->data;
    aula_http_server_close(h->server, on_server_done, h);
    for (int i = 0; i < MAX_CONNS; i++)
        if (h->conns[i])
            aula_ws_conn_close(h->conns[i], AULA_WS_CLOSE_GOING_AWAY, "server shutting down");
    uv_close((uv_handle_t *)&h->async, NULL);
}

static void *loop_main(void *arg)
{
    harness *h = arg;
    uv_run(&h->loop, UV_RUN_DEFAULT);
    return NULL;
}

static harness *start(uint64_t ping_ms, size_t max_pending)
{
    harness *h = calloc(1, sizeof *h);
    assert_non_null(h);
    assert_int_equal(uv_loop_init(&h->loop), 0);
    h->ws_cfg.ping_interval_ms = ping_ms;
    h->ws_cfg.max_pending_bytes = max_pending;
    h->ws_cfg.max_message_bytes = 1024;
    aula_http_server_config cfg = {.host = "127.0.0.1", .on_request = handler, .ud = h};
    cfg.limits.idle_timeout_ms = 1000;
    assert_int_equal(aula_http_server_create(&h->loop, &cfg, &h->server), 0);
    h->port = aula_http_server_port(h->server);
    uv_async_init(&h->loop, &h->async, on_async);
    h->async.data = h;
    assert_int_equal(pthread_create(&h->thread, NULL, loop_main, h), 0);
    return h;
}

/* Stops the loop (5 s at most) and checks that every handle was closed. */
static void stop(harness *h)
{
    uv_async_send(&h->async);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    assert_int_equal(pthread_timedjoin_np(h->thread, NULL, &deadline), 0);
    assert_int_equal(atomic_load(&h->stop_called), 1);
    assert_int_equal(atomic_load(&h->closed), atomic_load(&h->accepted));
    assert_int_equal(atomic_load(&h->errors), 0);
    assert_int_equal(uv_loop_close(&h->loop), 0);
    free(h);
}

/* Waits up to timeout_ms for *v to reach want. */
static void wait_for(atomic_int *v, int want, int timeout_ms)
{
    for (int t = 0; t < timeout_ms && atomic_load(v) != want; t += 5)
        usleep(5000);
    assert_int_equal(atomic_load(v), want);
}

/* ---- the client side ---- */

typedef struct client {
    int fd;
    char in[1 << 16];
    size_t len;
} client;

static client *cli_open(int port)
{
    client *c = calloc(1, sizeof *c);
    assert_non_null(c);
    c->fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(c->fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(c->fd, (struct sockaddr *)&sa, sizeof sa), 0);
    int one = 1;
    setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return c;
}

static void cli_close(client *c)
{
    close(c->fd);
    free(c);
}

static void cli_send(client *c, const void *data, size_t len)
{
    const char *p = data;
    while (len > 0) {
        ssize_t n = send(c->fd, p, len, MSG_NOSIGNAL);
        assert_true(n > 0);
        p += n;
        len -= (size_t)n;
    }
}

/* Reads more within timeout_ms: the count, 0 at EOF or reset, -1 on timeout. */
static ssize_t cli_fill(client *c, int timeout_ms)
{
    struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
    if (poll(&pfd, 1, timeout_ms) <= 0)
        return -1;
    if (c->len == sizeof c->in)
        c->len = 0; /* the flood test only counts bytes */
    ssize_t n = recv(c->fd, c->in + c->len, sizeof c->in - c->len, 0);
    if (n < 0)
        return errno == ECONNRESET ? 0 : -1;
    c->len += (size_t)n;
    return n;
}

static void consume(client *c, size_t n)
{
    memmove(c->in, c->in + n, c->len - n);
    c->len -= n;
}

/* Reads the response head; returns it NUL-terminated in head. */
static void cli_head(client *c, char *head, size_t cap)
{
    char *end;
    while (!(end = memmem(c->in, c->len, "\r\n\r\n", 4)))
        assert_true(cli_fill(c, 5000) > 0);
    size_t n = (size_t)(end + 4 - c->in);
    assert_true(n < cap);
    memcpy(head, c->in, n);
    head[n] = '\0';
    consume(c, n);
}

/* Reads one server frame (unmasked, payload < 126 bytes as the tests use). */
static void cli_frame(client *c, int *head0, char *payload, size_t *len)
{
    while (c->len < 2)
        assert_true(cli_fill(c, 5000) > 0);
    assert_true(((unsigned char)c->in[1] & 0x80) == 0);
    size_t n = (unsigned char)c->in[1];
    assert_true(n < 126);
    while (c->len < 2 + n)
        assert_true(cli_fill(c, 5000) > 0);
    *head0 = (unsigned char)c->in[0];
    memcpy(payload, c->in + 2, n);
    payload[n] = '\0';
    *len = n;
    consume(c, 2 + n);
}

static void expect_frame(client *c, int head0, const char *payload, size_t len)
{
    int h;
    char p[128];
    size_t n;
    cli_frame(c, &h, p, &n);
    assert_int_equal(h, head0);
    assert_int_equal(n, len);
    assert_memory_equal(p, payload, len);
}

static void expect_eof(client *c, int timeout_ms)
{
    ssize_t n;
    while ((n = cli_fill(c, timeout_ms)) > 0)
        c->len = 0;
    assert_int_equal(n, 0);
}

static void frame(aula_buf *b, uint8_t head0, const void *payload, size_t len)
{
    static const uint8_t key[4] = {0x11, 0x22, 0x33, 0x44};
    assert_true(len < 126);
    uint8_t h[6] = {head0, (uint8_t)(0x80 | len), key[0], key[1], key[2], key[3]};
    aula_buf_append(b, h, 6);
    for (size_t i = 0; i < len; i++) {
        uint8_t x = (uint8_t)(((const uint8_t *)payload)[i] ^ key[i % 4]);
        aula_buf_append(b, &x, 1);
    }
}

static void send_frame(client *c, uint8_t head0, const void *payload, size_t len)
{
    aula_buf b;
    aula_buf_init(&b);
    frame(&b, head0, payload, len);
    cli_send(c, b.data, b.len);
    aula_buf_deinit(&b);
}

static const char upgrade_req[] = "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n"
                                  "Connection: keep-alive, Upgrade\r\n"
                                  "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " KEY "\r\n\r\n";

static client *ws_open(harness *h)
{
    client *c = cli_open(h->port);
    cli_send(c, upgrade_req, sizeof upgrade_req - 1);
    char head[1024];
    cli_head(c, head, sizeof head);
    assert_non_null(strstr(head, "HTTP/1.1 101 Switching Protocols\r\n"));
    assert_non_null(strstr(head, "\r\nSec-WebSocket-Accept: " ACCEPT "\r\n"));
    assert_non_null(strstr(head, "\r\nUpgrade: websocket\r\n"));
    return c;
}

/* ---- tests ---- */

static void test_echo_and_client_close(void **state)
{
    (void)state;
    harness *h = start(0, 0);
    client *c = ws_open(h);
    send_frame(c, 0x81, "hi", 2);
    expect_frame(c, 0x81, "echo:hi", 7);
    send_frame(c, 0x88,
               "\x03\xe8"
               "bye",
               5);
    expect_frame(c, 0x88,
                 "\x03\xe8"
                 "bye",
                 5);
    expect_eof(c, 2000);
    wait_for(&h->closed, 1, 2000);
    cli_close(c);
    stop(h);
}

static void test_frame_in_same_packet_as_request(void **state)
{
    (void)state;
    harness *h = start(0, 0);
    client *c = cli_open(h->port);
    aula_buf b;
    aula_buf_init(&b);
    aula_buf_append(&b, upgrade_req, sizeof upgrade_req - 1);
    frame(&b, 0x81, "early", 5);
    cli_send(c, b.data, b.len);
    aula_buf_deinit(&b);
    char head[1024];
    cli_head(c, head, sizeof head);
    assert_non_null(strstr(head, ACCEPT));
    expect_frame(c, 0x81, "echo:early", 10);
    cli_close(c);
    wait_for(&h->closed, 1, 2000);
    stop(h);
}

static void expect_refused(harness *h, const char *req, const char *status, const char *header)
{
    client *c = cli_open(h->port);
    cli_send(c, req, strlen(req));
    char head[2048];
    cli_head(c, head, sizeof head);
    assert_int_equal(strncmp(head, status, strlen(status)), 0);
    if (header)
        assert_non_null(strstr(head, header));
    cli_close(c);
}

static void test_handshake_refused(void **state)
{
    (void)state;
    harness *h = start(0, 0);
    expect_refused(h,
                   "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Version: 8\r\nSec-WebSocket-Key: " KEY "\r\n\r\n",
                   "HTTP/1.1 426 ", "\r\nSec-WebSocket-Version: 13\r\n");
    expect_refused(h,
                   "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: c2hvcnQ=\r\n\r\n",
                   "HTTP/1.1 400 ", NULL);
    expect_refused(h,
                   "GET /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: close\r\n"
                   "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " KEY "\r\n\r\n",
                   "HTTP/1.1 400 ", NULL);
    expect_refused(h,
                   "GET /ws HTTP/1.1\r\nHost: x\r\n"
                   "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " KEY "\r\n\r\n",
                   "HTTP/1.1 400 ", NULL);
    expect_refused(h,
                   "POST /ws HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                   "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: " KEY
                   "\r\nContent-Length: 0\r\n\r\n",
                   "HTTP/1.1 400 ", NULL);
    wait_for(&h->refused, 5, 2000);
    assert_int_equal(atomic_load(&h->accepted), 0);
    stop(h);
}

static void test_server_close_then_client_answers(void **state)
{
    (void)state;
    harness *h = start(0, 0);
    client *c = ws_open(h);
    send_frame(c, 0x81, "close", 5);
    expect_frame(c, 0x88,
                 "\x0f\xa0"
                 "asked",
                 7);
    send_frame(c, 0x88, "\x0f\xa0", 2);
    expect_eof(c, 1000);
    wait_for(&h->closed, 1, 2000);
    cli_close(c);
    stop(h);
}

static void test_binary_closed_with_1003_after_grace(void **state)
{
    (void)state;
    harness *h = start(0, 0);
    client *c = ws_open(h);
    send_frame(c, 0x82, "\x01\x02", 2);
    int h0;
    char p[128];
    size_t n;
    cli_frame(c, &h0, p, &n);
    assert_int_equal(h0, 0x88);
    assert_memory_equal(p, "\x03\xeb", 2);
    /* The client never answers: the socket closes after the grace period. */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    expect_eof(c, 4000);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    double waited = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
    assert_true(waited > 1.5 && waited < 3.5);
    assert_int_equal(atomic_load(&h->texts), 0);
    wait_for(&h->closed, 1, 2000);
    cli_close(c);
    stop(h);
}

static void test_protocol_error_closes_at_once(void **state)
{
    (void)state;
    harness *h = start(0, 0);
    client *c = ws_open(h);
    cli_send(c, "\x81\x02hi", 4); /* unmasked */
    expect_frame(c, 0x88, "\x03\xea", 2);
    expect_eof(c, 1000);
    wait_for(&h->closed, 1, 2000);
    cli_close(c);
    stop(h);
}

static void test_message_too_big(void **state)
{
    (void)state;
    harness *h = start(0, 0);
    client *c = ws_open(h);
    /* 2000 bytes announced against a limit of 1024. */
    cli_send(c, "\x81\xfe\x07\xd0\0\0\0\0x", 9);
    expect_frame(c, 0x88, "\x03\xf1", 2);
    expect_eof(c, 1000);
    wait_for(&h->closed, 1, 2000);
    cli_close(c);
    stop(h);
}

static void test_ping_then_idle_close(void **state)
{
    (void)state;
    harness *h = start(100, 0);
    client *c = ws_open(h);
    expect_frame(c, 0x89, "", 0);
    send_frame(c, 0x8a, "", 0);
    expect_frame(c, 0x89, "", 0);
    send_frame(c, 0x8a, "", 0);
    /* Now silent: after 200 ms without a byte the server gives up. */
    int h0;
    char p[128];
    size_t n;
    do
        cli_frame(c, &h0, p, &n);
    while (h0 == 0x89);
    assert_int_equal(h0, 0x88);
    assert_memory_equal(p,
                        "\x03\xf0"
                        "idle timeout",
                        14);
    send_frame(c, 0x88, "\x03\xf0", 2);
    expect_eof(c, 1000);
    wait_for(&h->closed, 1, 2000);
    cli_close(c);
    stop(h);
}

static void test_client_vanishes(void **state)
{
    (void)state;
    harness *h = start(0, 0);
    client *a = ws_open(h);
    client *b = ws_open(h);
    wait_for(&h->accepted, 2, 2000);
    cli_close(a);
    wait_for(&h->closed, 1, 2000);
    /* The other connection is unaffected. */
    send_frame(b, 0x81, "still", 5);
    expect_frame(b, 0x81, "echo:still", 10);
    cli_close(b);
    wait_for(&h->closed, 2, 2000);
    stop(h);
}

static void test_slow_reader_closed(void **state)
{
    (void)state;
    harness *h = start(0, 256 * 1024);
    client *c = ws_open(h);
    int small = 4096;
    setsockopt(c->fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    send_frame(c, 0x81, "flood", 5);
    /* The client reads nothing; the server stops queueing well before
     * 2000 x 60 kB and closes the connection on its own. */
    wait_for(&h->closed, 1, 6000);
    assert_int_equal(atomic_load(&h->flood_rc), AULA_ECLOSED);
    assert_true(atomic_load(&h->flood_sent) < 2000);
    cli_close(c);
    stop(h);
}

static void test_shutdown_closes_with_1001(void **state)
{
    (void)state;
    harness *h = start(0, 0);
    client *c = ws_open(h);
    wait_for(&h->accepted, 1, 2000);
    uv_async_send(&h->async);
    expect_frame(c, 0x88,
                 "\x03\xe9"
                 "server shutting down",
                 22);
    send_frame(c, 0x88, "\x03\xe9", 2);
    expect_eof(c, 1000);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    assert_int_equal(pthread_timedjoin_np(h->thread, NULL, &deadline), 0);
    assert_int_equal(atomic_load(&h->stop_called), 1);
    assert_int_equal(atomic_load(&h->closed), 1);
    assert_int_equal(atomic_load(&h->errors), 0);
    assert_int_equal(uv_loop_close(&h->loop), 0);
    free(h);
    cli_close(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_echo_and_client_close),
        cmocka_unit_test(test_frame_in_same_packet_as_request),
        cmocka_unit_test(test_handshake_refused),
        cmocka_unit_test(test_server_close_then_client_answers),
        cmocka_unit_test(test_binary_closed_with_1003_after_grace),
        cmocka_unit_test(test_protocol_error_closes_at_once),
        cmocka_unit_test(test_message_too_big),
        cmocka_unit_test(test_ping_then_idle_close),
        cmocka_unit_test(test_client_vanishes),
        cmocka_unit_test(test_slow_reader_closed),
        cmocka_unit_test(test_shutdown_closes_with_1001),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
