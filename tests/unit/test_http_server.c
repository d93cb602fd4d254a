/* Tests of the HTTP server (src/http/http_server.c, tls.c) on a real loop.
 *
 * The server's loop runs in a second thread; the test body in the main
 * thread is the client, with plain blocking sockets on 127.0.0.1, so that
 * cmocka's assertions stay on the main thread. The handler runs on the loop
 * thread and only records what it saw (atomics, read after the join). */
#include "http/http_server.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
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

/* ---- the server side: a loop thread, commands through uv_async ---- */

enum cmd {
    CMD_NONE,
    CMD_CLOSE_SERVER,
    CMD_STOP,
};

typedef struct harness {
    uv_loop_t loop;
    uv_async_t async;
    pthread_t thread;
    pthread_mutex_t mu;
    enum cmd cmd;
    aula_http_server *server;
    int port;
    bool closing;          /* loop thread only */
    atomic_int done_calls; /* aula_http_server_close's done */
    atomic_int requests;
    atomic_int stream_closes; /* on_close of upgraded connections */
    atomic_int respond_rc;    /* what /bad-header's respond returned */
    atomic_int upgrade_rc;
    atomic_int aborts;     /* on_abort of streamed bodies */
    atomic_int last_abort; /* its status */
    atomic_int pauses;     /* pieces held back with AULA_EAGAIN */
    atomic_int downloads;  /* done(1) of streamed responses */
    char last_remote[64];
} harness;

static void on_server_done(void *ud)
{
    harness *h = ud;
    atomic_fetch_add(&h->done_calls, 1);
    h->server = NULL;
}

static void on_async(uv_async_t *a)
{
    harness *h = a->data;
    pthread_mutex_lock(&h->mu);
    enum cmd cmd = h->cmd;
    h->cmd = CMD_NONE;
    pthread_mutex_unlock(&h->mu);
    if ((cmd == CMD_CLOSE_SERVER || cmd == CMD_STOP) && !h->closing) {
        h->closing = true;
        aula_http_server_close(h->server, on_server_done, h);
    }
    if (cmd == CMD_STOP)
        uv_close((uv_handle_t *)&h->async, NULL);
}

static void send_cmd(harness *h, enum cmd cmd)
{
    pthread_mutex_lock(&h->mu);
    h->cmd = cmd;
    pthread_mutex_unlock(&h->mu);
    uv_async_send(&h->async);
}

/* An upgraded connection that echoes in upper case and closes on "close". */
typedef struct echo {
    harness *h;
    aula_http_conn *conn; /* weak: cleared by stream_close */
} echo;

static void stream_data(void *ud, const char *data, size_t len)
{
    aula_http_conn *c = ((echo *)ud)->conn;
    char out[1024];
    size_t n = len < sizeof out ? len : sizeof out;
    for (size_t i = 0; i < n; i++)
        out[i] = (data[i] >= 'a' && data[i] <= 'z') ? (char)(data[i] - 32) : data[i];
    aula_http_conn_write(c, out, n);
    if (memmem(data, len, "close", 5))
        aula_http_conn_close(c);
}

static void stream_close(void *ud)
{
    echo *e = ud;
    atomic_fetch_add(&e->h->stream_closes, 1);
    aula_free(e);
}

static const aula_http_stream_cb echo_stream = {stream_data, stream_close};

/* ---- streamed bodies: /upload takes its body piece by piece, holding
 * every other piece back until a zero timer resumes it; /refuse answers
 * 403 before its body; /download?N streams N bytes. ---- */

typedef struct upload {
    harness *h;
    aula_http_request *req; /* borrowed: valid until on_end/on_abort */
    uv_timer_t timer;
    uint64_t bytes;
    uint32_t sum; /* a running checksum of the bytes, checked by the client */
    int pieces;
    bool ended;
} upload;

static void upload_free(uv_handle_t *t)
{
    aula_free(t->data);
}

static void upload_resume(uv_timer_t *t)
{
    upload *u = t->data;
    if (!u->ended)
        aula_http_body_resume(u->req);
}

static int upload_data(void *ud, aula_http_request *req, const char *data, size_t len)
{
    (void)req;
    upload *u = ud;
    for (size_t i = 0; i < len; i++)
        u->sum = u->sum * 31 + (unsigned char)data[i];
    u->bytes += len;
    if (++u->pieces % 2 == 0) {
        atomic_fetch_add(&u->h->pauses, 1);
        uv_timer_start(&u->timer, upload_resume, 0, 0);
        return AULA_EAGAIN;
    }
    return 0;
}

static void upload_end(void *ud, aula_http_request *req)
{
    upload *u = ud;
    u->ended = true;
    char out[64];
    int n = snprintf(out, sizeof out, "%llu %u", (unsigned long long)u->bytes, u->sum);
    aula_http_respond(req, 200, "text/plain", NULL, 0, out, (size_t)n);
    uv_close((uv_handle_t *)&u->timer, upload_free);
}

static void upload_abort(void *ud, int status)
{
    upload *u = ud;
    u->ended = true;
    atomic_store(&u->h->last_abort, status);
    atomic_fetch_add(&u->h->aborts, 1);
    uv_close((uv_handle_t *)&u->timer, upload_free);
}

static const aula_http_body_cb upload_cb = {upload_data, upload_end, upload_abort};

static void head_handler(aula_http_request *req, void *ud)
{
    harness *h = ud;
    if (strcmp(req->path, "/refuse") == 0) {
        aula_http_respond_error(req, 403, "not you");
        return;
    }
    if (strcmp(req->path, "/upload") != 0)
        return; /* buffered as usual */
    upload *u = aula_calloc(1, sizeof *u);
    u->h = h;
    u->req = req;
    int rc = aula_http_request_stream_body(req, 300000, &upload_cb, u);
    if (rc == AULA_ETOOBIG) {
        aula_free(u);
        aula_http_respond_error(req, 413, "uploads stop at 300000 bytes");
        return;
    }
    if (rc != 0)
        abort();
    uv_timer_init(&h->loop, &u->timer);
    u->timer.data = u;
}

typedef struct download {
    harness *h;
    uint64_t at;
} download;

static int download_read(void *ud, char *buf, size_t cap, size_t *got)
{
    download *d = ud;
    for (size_t i = 0; i < cap; i++)
        buf[i] = (char)('a' + (d->at + i) % 26);
    d->at += cap;
    *got = cap;
    return 0;
}

static void download_done(void *ud, int ok)
{
    download *d = ud;
    if (ok)
        atomic_fetch_add(&d->h->downloads, 1);
    aula_free(d);
}

static const aula_http_body_source download_src = {download_read, download_done};

static void handler(aula_http_request *req, void *ud)
{
    harness *h = ud;
    atomic_fetch_add(&h->requests, 1);
    snprintf(h->last_remote, sizeof h->last_remote, "%s", req->remote_addr);
    if (strcmp(req->path, "/hello") == 0) {
        aula_http_respond(req, 200, "text/plain", NULL, 0, "hello", 5);
    } else if (strcmp(req->path, "/echo") == 0) {
        aula_http_respond(req, 200, "application/octet-stream", NULL, 0, req->body, req->body_len);
    } else if (strcmp(req->path, "/header") == 0) {
        const char *v = aula_http_request_header(req, req->query);
        aula_http_respond(req, v ? 200 : 404, "text/plain", NULL, 0, v ? v : "", v ? strlen(v) : 0);
    } else if (strcmp(req->path, "/big") == 0) {
        size_t n = 2 * 1024 * 1024;
        char *body = aula_malloc(n);
        memset(body, 'z', n);
        aula_http_respond(req, 200, "text/plain", NULL, 0, body, n);
        aula_free(body);
    } else if (strcmp(req->path, "/bad-header") == 0) {
        const aula_http_header evil = {"X-Evil", "a\r\nSet-Cookie: x=1"};
        atomic_store(&h->respond_rc, aula_http_respond(req, 200, NULL, &evil, 1, "", 0));
        const aula_http_header fine = {"X-Fine", "yes"};
        aula_http_respond(req, 201, NULL, &fine, 1, "ok", 2);
    } else if (strcmp(req->path, "/twice") == 0) {
        aula_http_respond(req, 200, NULL, NULL, 0, "1", 1);
        atomic_store(&h->respond_rc, aula_http_respond(req, 200, NULL, NULL, 0, "2", 1));
    } else if (strcmp(req->path, "/upgrade") == 0) {
        static const char head[] = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: echo\r\n"
                                   "Connection: Upgrade\r\n\r\n";
        echo *e = aula_malloc(sizeof *e);
        e->h = h;
        e->conn = req->conn;
        int rc = aula_http_upgrade(req, head, sizeof head - 1, &echo_stream, e);
        atomic_store(&h->upgrade_rc, rc);
        if (rc != 0) {
            aula_free(e);
            aula_http_respond_error(req, 503, "closing");
        }
    } else if (strcmp(req->path, "/error") == 0) {
        aula_http_respond_error(req, 404, "no \"such\" thing\n");
    } else if (strcmp(req->path, "/download") == 0) {
        download *d = aula_calloc(1, sizeof *d);
        d->h = h;
        aula_http_respond_stream(req, 200, "text/plain", NULL, 0, strtoull(req->query, NULL, 10),
                                 &download_src, d);
    } else if (strcmp(req->path, "/silent") == 0) {
        /* no answer: the server must answer 500 */
    } else {
        aula_http_respond_error(req, 404, "not found");
    }
}

static void *loop_main(void *arg)
{
    harness *h = arg;
    uv_run(&h->loop, UV_RUN_DEFAULT);
    return NULL;
}

static int start_with(harness *h, aula_http_server_config *cfg)
{
    memset(h, 0, sizeof *h);
    assert_int_equal(uv_loop_init(&h->loop), 0);
    pthread_mutex_init(&h->mu, NULL);
    cfg->host = "127.0.0.1";
    cfg->on_request = handler;
    cfg->on_head = head_handler;
    cfg->ud = h;
    int rc = aula_http_server_create(&h->loop, cfg, &h->server);
    if (rc != 0) {
        uv_run(&h->loop, UV_RUN_DEFAULT); /* lets the failed listener close */
        assert_int_equal(uv_loop_close(&h->loop), 0);
        return rc;
    }
    h->port = aula_http_server_port(h->server);
    assert_true(h->port > 0);
    uv_async_init(&h->loop, &h->async, on_async);
    h->async.data = h;
    assert_int_equal(pthread_create(&h->thread, NULL, loop_main, h), 0);
    return 0;
}

static void start(harness *h, uint64_t request_ms, uint64_t idle_ms)
{
    aula_http_server_config cfg = {0};
    cfg.limits.request_timeout_ms = request_ms;
    cfg.limits.idle_timeout_ms = idle_ms;
    cfg.limits.max_body_bytes = 4096;
    assert_int_equal(start_with(h, &cfg), 0);
}

/* Closes the server, waits for the loop to end (5 s at most) and checks
 * that every handle was closed and done was called once. */
static void stop(harness *h)
{
    send_cmd(h, CMD_STOP);
    struct timespec deadline;
    clock_gettime(CLOCK_REALTIME, &deadline);
    deadline.tv_sec += 5;
    assert_int_equal(pthread_timedjoin_np(h->thread, NULL, &deadline), 0);
    assert_int_equal(atomic_load(&h->done_calls), 1);
    assert_int_equal(uv_loop_close(&h->loop), 0);
    pthread_mutex_destroy(&h->mu);
}

/* ---- the client side: blocking sockets ---- */

typedef struct client {
    int fd;
    SSL *ssl; /* NULL for plain */
    char *in; /* received, not consumed */
    size_t len;
    size_t cap;
} client;

typedef struct response {
    int status;
    char head[8192];
    char *body; /* owned */
    size_t body_len;
} response;

static int connect_to(int port)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) != 0) {
        close(fd);
        return -1;
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static client *cli_open(int port)
{
    client *c = aula_calloc(1, sizeof *c);
    c->fd = connect_to(port);
    assert_true(c->fd >= 0);
    c->cap = 4 * 1024 * 1024;
    c->in = aula_malloc(c->cap);
    return c;
}

static void cli_close(client *c)
{
    if (c->ssl)
        SSL_free(c->ssl);
    close(c->fd);
    aula_free(c->in);
    aula_free(c);
}

static void cli_send_n(client *c, const char *data, size_t len)
{
    while (len > 0) {
        ssize_t n =
            c->ssl ? SSL_write(c->ssl, data, (int)len) : send(c->fd, data, len, MSG_NOSIGNAL);
        assert_true(n > 0);
        data += n;
        len -= (size_t)n;
    }
}

static void cli_send(client *c, const char *s)
{
    cli_send_n(c, s, strlen(s));
}

/* Reads more bytes within timeout_ms. Returns the count, 0 at EOF, -1 on
 * timeout or error. */
static ssize_t cli_fill(client *c, int timeout_ms)
{
    if (c->ssl && SSL_pending(c->ssl) == 0) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        if (poll(&pfd, 1, timeout_ms) <= 0)
            return -1;
    } else if (!c->ssl) {
        struct pollfd pfd = {.fd = c->fd, .events = POLLIN};
        if (poll(&pfd, 1, timeout_ms) <= 0)
            return -1;
    }
    assert_true(c->len < c->cap);
    ssize_t n;
    if (c->ssl) {
        n = SSL_read(c->ssl, c->in + c->len, (int)(c->cap - c->len));
        if (n <= 0) {
            int e = SSL_get_error(c->ssl, (int)n);
            if (e == SSL_ERROR_WANT_READ)
                return cli_fill(c, timeout_ms);
            return e == SSL_ERROR_ZERO_RETURN || e == SSL_ERROR_SYSCALL ? 0 : -1;
        }
    } else {
        n = recv(c->fd, c->in + c->len, c->cap - c->len, 0);
        if (n < 0)
            return errno == ECONNRESET ? 0 : -1;
    }
    c->len += (size_t)n;
    return n;
}

static void consume(client *c, size_t n)
{
    memmove(c->in, c->in + n, c->len - n);
    c->len -= n;
}

/* Reads exactly n raw bytes. */
static void cli_read_exact(client *c, char *out, size_t n)
{
    while (c->len < n)
        assert_true(cli_fill(c, 5000) > 0);
    memcpy(out, c->in, n);
    consume(c, n);
}

/* Reads one response (head, then Content-Length bytes of body unless the
 * request was HEAD). Returns false at EOF before any byte. */
static bool cli_response(client *c, response *r, bool head_request)
{
    memset(r, 0, sizeof *r);
    char *end;
    while (!(end = memmem(c->in, c->len, "\r\n\r\n", 4))) {
        ssize_t n = cli_fill(c, 5000);
        assert_true(n >= 0);
        if (n == 0) {
            assert_int_equal(c->len, 0);
            return false;
        }
    }
    size_t head_len = (size_t)(end - c->in) + 4;
    assert_true(head_len < sizeof r->head);
    memcpy(r->head, c->in, head_len);
    r->head[head_len] = '\0';
    consume(c, head_len);
    assert_int_equal(sscanf(r->head, "HTTP/1.1 %d", &r->status), 1);
    const char *cl = strcasestr(r->head, "\r\nContent-Length: ");
    size_t len = cl ? strtoull(cl + 18, NULL, 10) : 0;
    if (head_request || r->status == 304 || r->status == 204 || r->status == 101 ||
        r->status == 100)
        len = 0;
    while (c->len < len)
        assert_true(cli_fill(c, 5000) > 0);
    r->body = aula_malloc(len + 1);
    memcpy(r->body, c->in, len);
    r->body[len] = '\0';
    r->body_len = len;
    consume(c, len);
    return true;
}

static void response_free(response *r)
{
    aula_free(r->body);
    r->body = NULL;
}

static bool has_header(const response *r, const char *line)
{
    char want[512];
    snprintf(want, sizeof want, "\r\n%s\r\n", line);
    return strcasestr(r->head, want) != NULL;
}

/* True when the server closes the connection within timeout_ms with no
 * more bytes. */
static bool cli_eof(client *c, int timeout_ms)
{
    ssize_t n = cli_fill(c, timeout_ms);
    return n == 0 && c->len == 0;
}

static uint64_t now_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

/* ---- tests ---- */

static void test_keep_alive_and_headers(void **state)
{
    (void)state;
    harness h;
    start(&h, 5000, 5000);
    client *c = cli_open(h.port);
    response r;
    for (int i = 0; i < 3; i++) {
        cli_send(c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
        assert_true(cli_response(c, &r, false));
        assert_int_equal(r.status, 200);
        assert_string_equal(r.body, "hello");
        assert_true(has_header(&r, "Content-Length: 5"));
        assert_true(has_header(&r, "Content-Type: text/plain"));
        assert_true(has_header(&r, "Connection: keep-alive"));
        assert_non_null(strstr(r.head, "\r\nDate: "));
        assert_non_null(strstr(r.head, " GMT\r\n"));
        response_free(&r);
    }
    /* HTTP/1.0 without keep-alive: answered, then closed. */
    cli_send(c, "GET /hello HTTP/1.0\r\n\r\n");
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 200);
    assert_true(has_header(&r, "Connection: close"));
    response_free(&r);
    assert_true(cli_eof(c, 3000));
    cli_close(c);

    /* HTTP/1.0 asking for keep-alive gets it. */
    c = cli_open(h.port);
    cli_send(c, "GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    assert_true(cli_response(c, &r, false));
    assert_true(has_header(&r, "Connection: keep-alive"));
    response_free(&r);
    cli_send(c, "GET /hello HTTP/1.1\r\nHost: t\r\nConnection: close\r\n\r\n");
    assert_true(cli_response(c, &r, false));
    assert_true(has_header(&r, "Connection: close"));
    response_free(&r);
    assert_true(cli_eof(c, 3000));
    cli_close(c);
    stop(&h);
    assert_int_equal(atomic_load(&h.requests), 6);
    assert_string_equal(h.last_remote, "127.0.0.1");
}

static void test_head_pipelining_and_bodies(void **state)
{
    (void)state;
    harness h;
    start(&h, 5000, 5000);
    client *c = cli_open(h.port);
    /* Three requests in one write, one of them HEAD, one chunked. */
    cli_send(c, "HEAD /hello HTTP/1.1\r\nHost: t\r\n\r\n"
                "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n"
                "3\r\nabc\r\n2;x=y\r\nde\r\n0\r\n\r\n"
                "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 4\r\n\r\nwxyz");
    response r;
    assert_true(cli_response(c, &r, true));
    assert_int_equal(r.status, 200);
    assert_true(has_header(&r, "Content-Length: 5"));
    response_free(&r);
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "abcde");
    response_free(&r);
    assert_true(cli_response(c, &r, false));
    assert_string_equal(r.body, "wxyz");
    response_free(&r);

    /* Errors from the handler keep the connection. */
    cli_send(c, "GET /error HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 404);
    assert_true(has_header(&r, "Content-Type: application/json"));
    assert_string_equal(
        r.body, "{\"error\":{\"status\":404,\"message\":\"no \\\"such\\\" thing\\u000a\"}}");
    response_free(&r);

    /* A handler that does not answer gets a 500 for it. */
    cli_send(c, "GET /silent HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 500);
    assert_non_null(strstr(r.body, "\"status\":500"));
    response_free(&r);

    /* Header injection is refused; the second answer goes out. */
    cli_send(c, "GET /bad-header HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 201);
    assert_true(has_header(&r, "X-Fine: yes"));
    assert_null(strcasestr(r.head, "Set-Cookie"));
    response_free(&r);

    cli_send(c, "GET /twice HTTP/1.1\r\nHost: t\r\n\r\nGET /header?X-A HTTP/1.1\r\nHost: t\r\n"
                "X-A: value\r\n\r\n");
    assert_true(cli_response(c, &r, false));
    assert_string_equal(r.body, "1");
    response_free(&r);
    assert_true(cli_response(c, &r, false));
    assert_string_equal(r.body, "value");
    response_free(&r);
    cli_close(c);
    stop(&h);
    assert_int_equal(atomic_load(&h.respond_rc), AULA_EINVAL);
}

static uint32_t checksum(const char *data, size_t len)
{
    uint32_t sum = 0;
    for (size_t i = 0; i < len; i++)
        sum = sum * 31 + (unsigned char)data[i];
    return sum;
}

static void wait_aborts(harness *h, int n)
{
    uint64_t until = now_ms() + 5000;
    while (atomic_load(&h->aborts) < n && now_ms() < until)
        usleep(1000);
    assert_int_equal(atomic_load(&h->aborts), n);
}

/* A body far over max_body_bytes (4096 here) streams through, with
 * back-pressure, and the connection stays usable afterwards. */
static void test_streamed_upload(void **state)
{
    (void)state;
    harness h;
    start(&h, 5000, 5000);
    size_t n = 250000;
    char *body = aula_malloc(n);
    for (size_t i = 0; i < n; i++)
        body[i] = (char)(i * 7 + i / 1000);
    char want[64];
    snprintf(want, sizeof want, "%zu %u", n, checksum(body, n));

    client *c = cli_open(h.port);
    char head[128];
    snprintf(head, sizeof head, "PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: %zu\r\n\r\n",
             n);
    cli_send(c, head);
    cli_send_n(c, body, n);
    response r;
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, want);
    assert_true(has_header(&r, "Connection: keep-alive"));
    response_free(&r);
    assert_true(atomic_load(&h.pauses) >= 1);

    /* Chunked, in several writes, then a pipelined request. */
    cli_send(c, "POST /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (size_t off = 0; off < n; off += 50000) {
        snprintf(head, sizeof head, "%x\r\n", 50000);
        cli_send(c, head);
        cli_send_n(c, body + off, 50000);
        cli_send(c, "\r\n");
    }
    cli_send(c, "0\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, want);
    response_free(&r);
    assert_true(cli_response(c, &r, false));
    assert_string_equal(r.body, "hello");
    response_free(&r);
    cli_close(c);
    assert_int_equal(atomic_load(&h.aborts), 0);

    /* Announced over the stream's limit: the handler's own 413, before
     * any body byte, and the connection closes. */
    c = cli_open(h.port);
    cli_send(c, "PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 300001\r\n\r\n");
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 413);
    assert_non_null(strstr(r.body, "uploads stop at 300000 bytes"));
    assert_true(has_header(&r, "Connection: close"));
    response_free(&r);
    assert_true(cli_eof(c, 5000));
    cli_close(c);

    /* Chunked past the limit: the running total trips it, 413, on_abort. */
    c = cli_open(h.port);
    cli_send(c, "PUT /upload HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    for (int i = 0; i < 6; i++) {
        snprintf(head, sizeof head, "%x\r\n", 50000);
        cli_send(c, head);
        cli_send_n(c, body, 50000);
        cli_send(c, "\r\n");
    }
    cli_send(c, "1\r\nx\r\n");
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 413);
    response_free(&r);
    cli_close(c);
    wait_aborts(&h, 1);
    assert_int_equal(atomic_load(&h.last_abort), 413);

    /* A client that goes away half-way: on_abort(0). */
    c = cli_open(h.port);
    cli_send(c, "PUT /upload HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\nabc");
    usleep(50000);
    cli_close(c);
    wait_aborts(&h, 2);
    assert_int_equal(atomic_load(&h.last_abort), 0);

    /* Refused at the head: answered at once, body never read. */
    c = cli_open(h.port);
    cli_send(c, "POST /refuse HTTP/1.1\r\nHost: t\r\nContent-Length: 100000\r\n\r\n");
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 403);
    assert_true(has_header(&r, "Connection: close"));
    response_free(&r);
    cli_close(c);
    aula_free(body);
    stop(&h);
}

/* A streamed response of 3 MB arrives whole, in order, and the request
 * pipelined behind it waits for it; HEAD gets the length only. */
static void test_streamed_download(void **state)
{
    (void)state;
    harness h;
    start(&h, 5000, 5000);
    client *c = cli_open(h.port);
    size_t n = 3 * 1024 * 1024 + 5;
    char req[256];
    snprintf(req, sizeof req,
             "GET /download?%zu HTTP/1.1\r\nHost: t\r\n\r\nGET /hello HTTP/1.1\r\nHost: t\r\n\r\n",
             n);
    cli_send(c, req);
    usleep(100000); /* let the server fill the socket while we do not read */
    response r;
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 200);
    assert_int_equal(r.body_len, n);
    for (size_t i = 0; i < n; i++)
        if (r.body[i] != (char)('a' + i % 26))
            fail_msg("byte %zu differs", i);
    response_free(&r);
    assert_true(cli_response(c, &r, false));
    assert_string_equal(r.body, "hello");
    response_free(&r);
    cli_send(c, "HEAD /download?10 HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(cli_response(c, &r, true));
    assert_true(has_header(&r, "Content-Length: 10"));
    response_free(&r);
    cli_send(c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(cli_response(c, &r, false));
    assert_string_equal(r.body, "hello");
    response_free(&r);
    cli_close(c);
    stop(&h);
    assert_int_equal(atomic_load(&h.downloads), 2);
}

static void test_expect_continue(void **state)
{
    (void)state;
    harness h;
    start(&h, 5000, 5000);
    client *c = cli_open(h.port);
    cli_send(c,
             "POST /echo HTTP/1.1\r\nHost: t\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    response r;
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 100);
    response_free(&r);
    cli_send(c, "abc");
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "abc");
    response_free(&r);
    cli_close(c);
    stop(&h);
}

static void expect_error_then_close(harness *h, const char *req, int status)
{
    client *c = cli_open(h->port);
    cli_send(c, req);
    response r;
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, status);
    assert_true(has_header(&r, "Connection: close"));
    assert_true(has_header(&r, "Content-Type: application/json"));
    char want[64];
    snprintf(want, sizeof want, "{\"error\":{\"status\":%d,", status);
    assert_memory_equal(r.body, want, strlen(want));
    response_free(&r);
    assert_true(cli_eof(c, 3000));
    cli_close(c);
}

static void test_limits(void **state)
{
    (void)state;
    harness h;
    start(&h, 5000, 5000);
    aula_buf b;
    aula_buf_init(&b);
    aula_buf_append_str(&b, "GET /hello HTTP/1.1\r\nHost: t\r\nX-Big: ");
    for (int i = 0; i < 17000; i++)
        aula_buf_append(&b, "a", 1);
    aula_buf_append_str(&b, "\r\n\r\n");
    expect_error_then_close(&h, b.data, 431);
    aula_buf_deinit(&b);
    expect_error_then_close(&h, "GET / HTTP/1.1 junk\r\n\r\n", 400);
    expect_error_then_close(&h, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 5000\r\n\r\n",
                            413);
    expect_error_then_close(&h, "GET / HTTP/2.0\r\nHost: t\r\n\r\n", 505);

    /* 413 while a large body is still arriving: the client still sees
     * the answer, not a reset. */
    client *c = cli_open(h.port);
    cli_send(c, "POST /echo HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n");
    char chunk[1100];
    memset(chunk, 'q', sizeof chunk);
    for (int i = 0; i < 8; i++) {
        char size[16];
        snprintf(size, sizeof size, "%zx\r\n", sizeof chunk);
        cli_send(c, size);
        cli_send_n(c, chunk, sizeof chunk);
        cli_send(c, "\r\n");
    }
    response r;
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 413);
    response_free(&r);
    assert_true(cli_eof(c, 3000));
    cli_close(c);
    stop(&h);
    assert_int_equal(atomic_load(&h.requests), 0);
}

static void test_request_and_idle_timeouts(void **state)
{
    (void)state;
    harness h;
    start(&h, 300, 600);
    /* A request begun and not finished: 408 after request_timeout_ms. */
    client *c = cli_open(h.port);
    uint64_t t0 = now_ms();
    cli_send(c, "GET /hello HTTP/1.1\r\nHo");
    response r;
    assert_true(cli_response(c, &r, false));
    uint64_t waited = now_ms() - t0;
    assert_int_equal(r.status, 408);
    assert_true(has_header(&r, "Connection: close"));
    assert_non_null(strstr(r.body, "\"status\":408"));
    response_free(&r);
    assert_true(waited >= 250 && waited < 3000);
    assert_true(cli_eof(c, 3000));
    cli_close(c);

    /* Idle: closed silently after idle_timeout_ms, also after a request. */
    c = cli_open(h.port);
    cli_send(c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(cli_response(c, &r, false));
    response_free(&r);
    t0 = now_ms();
    assert_true(cli_eof(c, 3000));
    waited = now_ms() - t0;
    assert_true(waited >= 500 && waited < 3000);
    cli_close(c);

    /* A slowly arriving request is measured from its first byte: bytes
     * that trickle in do not extend it. */
    c = cli_open(h.port);
    t0 = now_ms();
    const char *slow = "GET /hello HTTP/1.1\r\nHost: t\r\nX-Slow: 1\r\n";
    for (const char *p = slow; *p && now_ms() - t0 < 1000; p++) {
        cli_send_n(c, p, 1);
        usleep(40 * 1000);
    }
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 408);
    response_free(&r);
    cli_close(c);
    stop(&h);
}

static void test_slow_client_does_not_block_others(void **state)
{
    (void)state;
    harness h;
    start(&h, 5000, 5000);
    client *slow = cli_open(h.port);
    cli_send(slow, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 10\r\n\r\n01234");
    client *fast = cli_open(h.port);
    for (int i = 0; i < 5; i++) {
        cli_send(fast, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
        response r;
        assert_true(cli_response(fast, &r, false));
        assert_int_equal(r.status, 200);
        response_free(&r);
    }
    /* A client that sends a lot and never reads does not stall the loop. */
    client *greedy = cli_open(h.port);
    for (int i = 0; i < 20; i++)
        cli_send(greedy, "GET /big HTTP/1.1\r\nHost: t\r\n\r\n");
    cli_send(fast, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    response r;
    assert_true(cli_response(fast, &r, false));
    assert_int_equal(r.status, 200);
    response_free(&r);
    cli_send(slow, "56789");
    assert_true(cli_response(slow, &r, false));
    assert_string_equal(r.body, "0123456789");
    response_free(&r);
    /* The greedy client, once it reads, gets all its answers in order. */
    for (int i = 0; i < 20; i++) {
        assert_true(cli_response(greedy, &r, false));
        assert_int_equal(r.status, 200);
        assert_int_equal(r.body_len, 2 * 1024 * 1024);
        response_free(&r);
    }
    cli_close(slow);
    cli_close(fast);
    cli_close(greedy);
    stop(&h);
}

static void test_upgrade(void **state)
{
    (void)state;
    harness h;
    start(&h, 300, 300);
    client *c = cli_open(h.port);
    /* The first stream bytes travel in the same write as the request. */
    cli_send(c, "GET /upgrade HTTP/1.1\r\nHost: t\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
                "early bytes");
    response r;
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 101);
    assert_true(has_header(&r, "Upgrade: echo"));
    response_free(&r);
    char buf[64];
    cli_read_exact(c, buf, 11);
    assert_memory_equal(buf, "EARLY BYTES", 11);
    /* No HTTP timeouts apply any more. */
    usleep(700 * 1000);
    cli_send(c, "more");
    cli_read_exact(c, buf, 4);
    assert_memory_equal(buf, "MORE", 4);
    cli_send(c, "close");
    cli_read_exact(c, buf, 5);
    assert_memory_equal(buf, "CLOSE", 5);
    assert_true(cli_eof(c, 3000));
    cli_close(c);

    /* The peer closing is reported too. */
    c = cli_open(h.port);
    cli_send(c, "GET /upgrade HTTP/1.1\r\nHost: t\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 101);
    response_free(&r);
    cli_close(c);

    /* An upgrade request answered without upgrading closes after the answer. */
    c = cli_open(h.port);
    cli_send(c, "GET /hello HTTP/1.1\r\nHost: t\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\nxx");
    assert_true(cli_response(c, &r, false));
    assert_int_equal(r.status, 200);
    assert_true(has_header(&r, "Connection: close"));
    response_free(&r);
    assert_true(cli_eof(c, 3000));
    cli_close(c);
    stop(&h);
    assert_int_equal(atomic_load(&h.stream_closes), 2);
    assert_int_equal(atomic_load(&h.upgrade_rc), 0);
}

static bool refused(int port)
{
    for (int i = 0; i < 100; i++) {
        int fd = connect_to(port);
        if (fd < 0)
            return true;
        close(fd);
        usleep(20 * 1000);
    }
    return false;
}

static void test_graceful_close(void **state)
{
    (void)state;
    harness h;
    start(&h, 5000, 5000);
    response r;
    client *idle = cli_open(h.port);
    cli_send(idle, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(cli_response(idle, &r, false));
    response_free(&r);
    client *busy = cli_open(h.port);
    cli_send(busy, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nabc");
    client *up = cli_open(h.port);
    cli_send(up,
             "GET /upgrade HTTP/1.1\r\nHost: t\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n");
    assert_true(cli_response(up, &r, false));
    assert_int_equal(r.status, 101);
    response_free(&r);

    send_cmd(&h, CMD_CLOSE_SERVER);
    /* Idle keep-alive connections close at once; new ones are refused. */
    assert_true(cli_eof(idle, 3000));
    assert_true(refused(h.port));
    /* The request in flight finishes, told that the connection closes. */
    cli_send(busy, "def");
    assert_true(cli_response(busy, &r, false));
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "abcdef");
    assert_true(has_header(&r, "Connection: close"));
    response_free(&r);
    assert_true(cli_eof(busy, 3000));
    /* The upgraded connection is untouched until its owner closes it. */
    char buf[8];
    cli_send(up, "still");
    cli_read_exact(up, buf, 5);
    assert_memory_equal(buf, "STILL", 5);
    assert_int_equal(atomic_load(&h.done_calls), 0);
    cli_send(up, "close");
    cli_read_exact(up, buf, 5);
    assert_true(cli_eof(up, 3000));
    cli_close(idle);
    cli_close(busy);
    cli_close(up);
    stop(&h);
    assert_int_equal(atomic_load(&h.stream_closes), 1);
}

static void test_max_connections(void **state)
{
    (void)state;
    harness h;
    aula_http_server_config cfg = {0};
    cfg.limits.max_connections = 2;
    assert_int_equal(start_with(&h, &cfg), 0);
    client *a = cli_open(h.port);
    client *b = cli_open(h.port);
    response r;
    cli_send(a, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(cli_response(a, &r, false));
    response_free(&r);
    cli_send(b, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    assert_true(cli_response(b, &r, false));
    response_free(&r);
    /* The third is accepted by the kernel, then closed unanswered. */
    client *c = cli_open(h.port);
    cli_send_n(c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n", 33);
    assert_true(cli_eof(c, 3000));
    cli_close(c);
    /* Freed slots are usable again. */
    cli_close(a);
    bool served = false;
    for (int i = 0; i < 50 && !served; i++) {
        usleep(20 * 1000);
        c = cli_open(h.port);
        cli_send(c, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
        served = cli_response(c, &r, false);
        if (served)
            response_free(&r);
        cli_close(c);
    }
    assert_true(served);
    cli_close(b);
    stop(&h);
}

static void test_bind_errors(void **state)
{
    (void)state;
    harness h;
    start(&h, 5000, 5000);
    harness h2;
    aula_http_server_config cfg = {0};
    cfg.port = h.port;
    assert_int_equal(start_with(&h2, &cfg), UV_EADDRINUSE);
    cfg.port = 0;
    cfg.tls_cert = "/nonexistent/cert.pem";
    cfg.tls_key = "/nonexistent/key.pem";
    assert_int_equal(start_with(&h2, &cfg), AULA_ECONFIG);
    stop(&h);
    assert_string_equal(aula_http_reason(404), "Not Found");
    assert_string_equal(aula_http_reason(431), "Request Header Fields Too Large");
    assert_string_equal(aula_http_reason(799), "Unknown");
}

/* ---- TLS ---- */

static char tls_dir[64];
static char cert_path[128];
static char key_path[128];

/* A self-signed P-256 certificate for "localhost", written as PEM. */
static void make_certificate(void)
{
    snprintf(tls_dir, sizeof tls_dir, "/tmp/aula-test-tls-XXXXXX");
    assert_non_null(mkdtemp(tls_dir));
    snprintf(cert_path, sizeof cert_path, "%s/cert.pem", tls_dir);
    snprintf(key_path, sizeof key_path, "%s/key.pem", tls_dir);
    EVP_PKEY *key = EVP_EC_gen("P-256");
    assert_non_null(key);
    X509 *x = X509_new();
    ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
    X509_gmtime_adj(X509_getm_notBefore(x), -60);
    X509_gmtime_adj(X509_getm_notAfter(x), 3600);
    X509_set_pubkey(x, key);
    X509_NAME *name = X509_get_subject_name(x);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)"localhost", -1, -1,
                               0);
    X509_set_issuer_name(x, name);
    assert_true(X509_sign(x, key, EVP_sha256()) > 0);
    FILE *f = fopen(cert_path, "w");
    PEM_write_X509(f, x);
    fclose(f);
    f = fopen(key_path, "w");
    PEM_write_PrivateKey(f, key, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    X509_free(x);
    EVP_PKEY_free(key);
}

static void remove_certificate(void)
{
    unlink(cert_path);
    unlink(key_path);
    rmdir(tls_dir);
}

static client *tls_open(SSL_CTX *ctx, int port)
{
    client *c = cli_open(port);
    c->ssl = SSL_new(ctx);
    SSL_set_fd(c->ssl, c->fd);
    SSL_set_tlsext_host_name(c->ssl, "localhost");
    static const unsigned char alpn[] = "\x02h2\x08http/1.1";
    SSL_set_alpn_protos(c->ssl, alpn, sizeof alpn - 1);
    assert_int_equal(SSL_connect(c->ssl), 1);
    return c;
}

static void test_tls(void **state)
{
    (void)state;
    make_certificate();
    harness h;
    aula_http_server_config cfg = {0};
    cfg.tls_cert = cert_path;
    cfg.tls_key = key_path;
    cfg.limits.idle_timeout_ms = 5000;
    assert_int_equal(start_with(&h, &cfg), 0);

    SSL_CTX *ctx = SSL_CTX_new(TLS_client_method());
    assert_int_equal(SSL_CTX_load_verify_locations(ctx, cert_path, NULL), 1);
    SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
    for (int version = TLS1_2_VERSION; version <= TLS1_3_VERSION; version++) {
        SSL_CTX_set_min_proto_version(ctx, version);
        SSL_CTX_set_max_proto_version(ctx, version);
        client *c = tls_open(ctx, h.port);
        assert_int_equal(SSL_version(c->ssl), version);
        const unsigned char *proto;
        unsigned proto_len;
        SSL_get0_alpn_selected(c->ssl, &proto, &proto_len);
        assert_int_equal(proto_len, 8);
        assert_memory_equal(proto, "http/1.1", 8);
        response r;
        for (int i = 0; i < 2; i++) {
            cli_send(c, "POST /echo HTTP/1.1\r\nHost: t\r\nContent-Length: 6\r\n\r\nsecret");
            assert_true(cli_response(c, &r, false));
            assert_int_equal(r.status, 200);
            assert_string_equal(r.body, "secret");
            response_free(&r);
        }
        cli_send(c,
                 "GET /upgrade HTTP/1.1\r\nHost: t\r\nUpgrade: echo\r\nConnection: Upgrade\r\n\r\n"
                 "hi");
        assert_true(cli_response(c, &r, false));
        assert_int_equal(r.status, 101);
        response_free(&r);
        char buf[8];
        cli_read_exact(c, buf, 2);
        assert_memory_equal(buf, "HI", 2);
        cli_send(c, "close");
        cli_read_exact(c, buf, 5);
        assert_memory_equal(buf, "CLOSE", 5);
        assert_true(cli_eof(c, 3000));
        cli_close(c);
    }
    /* TLS 1.1 is refused. */
    SSL_CTX_set_min_proto_version(ctx, TLS1_1_VERSION);
    SSL_CTX_set_max_proto_version(ctx, TLS1_1_VERSION);
    SSL_CTX_set_security_level(ctx, 0);
    client *old = cli_open(h.port);
    old->ssl = SSL_new(ctx);
    SSL_set_fd(old->ssl, old->fd);
    assert_int_not_equal(SSL_connect(old->ssl), 1);
    ERR_clear_error();
    cli_close(old);
    /* Plain HTTP on the TLS port is closed, not answered. */
    client *plain = cli_open(h.port);
    cli_send(plain, "GET /hello HTTP/1.1\r\nHost: t\r\n\r\n");
    ssize_t n;
    while ((n = cli_fill(plain, 3000)) > 0)
        ;
    assert_int_equal(n, 0);
    assert_null(memmem(plain->in, plain->len, "HTTP/1.1", 8));
    cli_close(plain);
    SSL_CTX_free(ctx);
    stop(&h);
    assert_int_equal(atomic_load(&h.requests), 6);

    /* A key that does not match the certificate. */
    EVP_PKEY *other = EVP_EC_gen("P-256");
    FILE *f = fopen(key_path, "w");
    PEM_write_PrivateKey(f, other, NULL, NULL, 0, NULL, NULL);
    fclose(f);
    EVP_PKEY_free(other);
    assert_int_equal(start_with(&h, &cfg), AULA_ECONFIG);
    remove_certificate();
}

int main(void)
{
    const char *level = getenv("AULA_TEST_LOG_LEVEL");
    aula_log_level = aula_log_level_parse(level ? level : "warn");
    if (aula_log_level < 0)
        aula_log_level = AULA_LOG_LEVEL_WARN;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_keep_alive_and_headers),
        cmocka_unit_test(test_head_pipelining_and_bodies),
        cmocka_unit_test(test_expect_continue),
        cmocka_unit_test(test_streamed_upload),
        cmocka_unit_test(test_streamed_download),
        cmocka_unit_test(test_limits),
        cmocka_unit_test(test_request_and_idle_timeouts),
        cmocka_unit_test(test_slow_client_does_not_block_others),
        cmocka_unit_test(test_upgrade),
        cmocka_unit_test(test_graceful_close),
        cmocka_unit_test(test_max_connections),
        cmocka_unit_test(test_bind_errors),
        cmocka_unit_test(test_tls),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
