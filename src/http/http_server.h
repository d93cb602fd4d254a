/* HTTP/1.1 server on a libuv loop, optionally over TLS.
 *
 * The server parses requests (http-parser), enforces limits and timeouts,
 * keeps connections alive, and hands each complete request to one handler
 * callback. The handler answers synchronously with aula_http_respond()
 * before it returns (if it does not, the server answers 500), or takes the
 * connection over with aula_http_upgrade() (WebSocket).
 *
 * Limits, each answered with a JSON error body {"error":{"status":N,"message":"..."}}
 * and then the connection closed:
 *   - request head larger than limits.max_header_bytes     -> 431
 *   - body larger than limits.max_body_bytes                -> 413
 *   - malformed request line, header or chunked framing      -> 400
 *     (also: an HTTP/1.1 request without exactly one Host, a
 *     Transfer-Encoding other than "chunked", Content-Length together
 *     with Transfer-Encoding; see http_request.h)
 *   - request not complete within limits.request_timeout_ms  -> 408
 *   - HTTP major version other than 1                        -> 505
 * An idle keep-alive connection is closed silently after
 * limits.idle_timeout_ms. One misbehaving connection never blocks others:
 * a client that does not read its answers has its pipelined requests held
 * back (and its socket not read) until they drain, and is closed after
 * limits.idle_timeout_ms without progress. "Expect: 100-continue" is
 * answered by the server itself.
 *
 * Thread: everything here runs on the loop's thread. */
#ifndef AULA_HTTP_HTTP_SERVER_H
#define AULA_HTTP_HTTP_SERVER_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

typedef struct aula_http_server aula_http_server;
typedef struct aula_http_conn aula_http_conn;

typedef struct aula_http_header {
    const char *name;
    const char *value;
} aula_http_header;

/* A parsed request. Everything it points to is owned by the connection and
 * valid only during the handler call. */
typedef struct aula_http_request {
    const char *method; /* "GET", "POST", "HEAD", ... */
    const char *path;   /* raw path without the query: "/api/v1/rooms/x" */
    const char *query;  /* raw query without '?', "" when there is none */
    const aula_http_header *headers;
    size_t n_headers;
    const char *body; /* NUL-terminated; "" when there is no body */
    size_t body_len;
    const char *remote_addr; /* peer IP as text */
    int status;              /* 0 until answered, then the status sent */
    aula_http_conn *conn;    /* borrowed */
} aula_http_request;

typedef struct aula_http_limits {
    size_t max_header_bytes;     /* request line + headers; default 16384 */
    size_t max_body_bytes;       /* default 1 MiB */
    uint64_t request_timeout_ms; /* first byte to complete request; default 10000 */
    uint64_t idle_timeout_ms;    /* keep-alive idle; default 30000 */
    size_t max_connections;      /* further connections are refused; default 10000 */
} aula_http_limits;

typedef void (*aula_http_handler_fn)(aula_http_request *req, void *ud);

typedef struct aula_http_server_config {
    const char *host;        /* "127.0.0.1" */
    int port;                /* 0 picks a free port; see aula_http_server_port() */
    aula_http_limits limits; /* zero fields take the defaults above */
    const char *tls_cert;    /* PEM file; NULL or "" serves plain HTTP */
    const char *tls_key;     /* PEM file; required with tls_cert */
    aula_http_handler_fn on_request;
    /* Optional. Called (with the same ud) for a request whose head is
     * complete and whose body is still to come (Content-Length above 0, or
     * chunked), before any body byte is read; req->body is "". It may:
     *   - return without answering: the body is collected as usual (within
     *     limits.max_body_bytes) and on_request follows;
     *   - answer at once with aula_http_respond() (a refusal): the body is
     *     not read and the connection closes after the answer;
     *   - take the body as a stream: aula_http_request_stream_body(). */
    aula_http_handler_fn on_head;
    void *ud;
} aula_http_server_config;

/* Binds and starts listening. Returns 0, or a negative code (libuv's for
 * bind/listen failures, AULA_ECONFIG for unusable TLS files) with nothing
 * left open. The config strings are copied. */
int aula_http_server_create(uv_loop_t *loop, const aula_http_server_config *cfg,
                            aula_http_server **out);

/* The port actually bound (useful after port 0). */
int aula_http_server_port(const aula_http_server *s);

/* Number of open connections, upgraded ones included. */
size_t aula_http_server_connections(const aula_http_server *s);

/* Graceful close: stops accepting at once, closes idle keep-alive
 * connections, lets requests in flight finish and their responses flush,
 * then frees the server and calls done(ud). Upgraded connections are not
 * touched: their owners close them (they get on_close as usual); done waits
 * for them too. */
void aula_http_server_close(aula_http_server *s, void (*done)(void *ud), void *ud);

/* Case-insensitive header lookup; NULL when absent. */
const char *aula_http_request_header(const aula_http_request *req, const char *name);

/* Sends a complete response: status line, Date, Content-Type (when
 * content_type is not NULL), Content-Length, Connection, the extra headers,
 * then the body (omitted for HEAD, Content-Length kept; 204 and 304 carry
 * neither body nor Content-Length). Sets req->status. Returns AULA_EINVAL
 * if the request was already answered, or, leaving it unanswered, for a
 * status outside 200..999 (100 Continue is the server's, 101 goes through
 * aula_http_upgrade) or a header name or value holding CR or LF;
 * AULA_ECLOSED if the connection broke (req->status is set all the same).
 * "Connection: close" is sent, and the connection closed after the write,
 * when the client asked for it, for HTTP/1.0 without keep-alive, for a
 * declined upgrade request and while the server is closing. */
int aula_http_respond(aula_http_request *req, int status, const char *content_type,
                      const aula_http_header *extra, size_t n_extra, const void *body, size_t len);

/* Answers with {"error":{"status":status,"message":message}} as JSON. */
int aula_http_respond_error(aula_http_request *req, int status, const char *message);

/* The standard reason phrase for a status code ("Not Found"). */
const char *aula_http_reason(int status);

/* Callbacks of a connection taken over by aula_http_upgrade(). */
typedef struct aula_http_stream_cb {
    /* Bytes that arrived (decrypted when TLS is on). */
    void (*on_data)(void *ud, const char *data, size_t len);
    /* The connection is gone (peer closed, error, or aula_http_conn_close
     * finished). The conn must not be used after this call. */
    void (*on_close)(void *ud);
} aula_http_stream_cb;

/* Takes the connection over: writes the raw response bytes (the 101
 * Switching Protocols head, built by the caller), stops HTTP parsing and
 * timeouts, and from then on delivers every byte to cb->on_data, starting
 * with any bytes that followed the request in the same read (those right
 * after the handler returns). Sets req->status to 101. The caller owns the
 * protocol from now on. Returns 0, after which cb->on_close is always
 * called once (even if writing the response fails); AULA_EINVAL if the
 * request was already answered; AULA_ECLOSED while the server is closing
 * (answer the request normally then). No callback follows an error. */
int aula_http_upgrade(aula_http_request *req, const void *response, size_t len,
                      const aula_http_stream_cb *cb, void *ud);

/* Queues bytes on an upgraded connection (encrypted when TLS is on).
 * Returns AULA_ECLOSED once the connection is closing. */
int aula_http_conn_write(aula_http_conn *c, const void *data, size_t len);

/* Bytes queued and not yet written to the socket: lets the owner notice a
 * client that does not read. */
size_t aula_http_conn_pending(const aula_http_conn *c);

/* Closes the connection after the queued bytes are flushed (or at once if
 * the socket is broken); on_close follows. Idempotent. */
void aula_http_conn_close(aula_http_conn *c);

/* ---- streamed request bodies (see on_head) ---- */

/* Callbacks of a streamed body. req is the request given to on_head; it
 * stays valid until on_end or on_abort returns. */
typedef struct aula_http_body_cb {
    /* A piece of the body (at most 64 KiB). Return 0 for more, or
     * AULA_EAGAIN to hold the rest back (nothing more is read from the
     * socket) until aula_http_body_resume(). The handler may also refuse
     * here by answering with aula_http_respond(): the rest of the body is
     * not read, the connection closes after the answer, and on_abort
     * follows with that status. */
    int (*on_data)(void *ud, aula_http_request *req, const char *data, size_t len);
    /* The whole body arrived: answer now, as on_request does (500 if not). */
    void (*on_end)(void *ud, aula_http_request *req);
    /* Instead of on_end when the body did not arrive whole: status is what
     * was answered (the handler's own refusal; or the server's 400 for
     * broken framing, 408 when no byte came for limits.request_timeout_ms,
     * 413 for a chunked body over the limit), 0 when the connection went
     * away. req must not be answered any more. */
    void (*on_abort)(void *ud, int status);
} aula_http_body_cb;

/* Only inside on_head: hands the body to cb piece by piece as it arrives,
 * up to max_bytes in all (may exceed limits.max_body_bytes: nothing is
 * held in memory). The request timeout then counts from the last piece,
 * not from the first byte, so a long upload that keeps moving is not cut.
 * Returns 0, after which exactly one of on_end and on_abort follows;
 * AULA_ETOOBIG when the announced Content-Length is above max_bytes
 * (nothing read, no callback: answer 413 with a sentence of your own, or
 * the server answers a generic one); AULA_EINVAL outside on_head or once
 * answered. */
int aula_http_request_stream_body(aula_http_request *req, uint64_t max_bytes,
                                  const aula_http_body_cb *cb, void *ud);

/* Lets a streamed body paused by on_data's AULA_EAGAIN go on. Must not be
 * called from inside on_data. A no-op once the request has ended. */
void aula_http_body_resume(aula_http_request *req);

/* ---- streamed responses ---- */

/* Where a streamed response body comes from. */
typedef struct aula_http_body_source {
    /* Fills buf with up to cap bytes, the next ones of the body. Returns 0
     * with *got > 0, or a negative code: the connection is then closed
     * (the head promised a length that can no longer be kept). */
    int (*read)(void *ud, char *buf, size_t cap, size_t *got);
    /* Called once at the end: ok is 1 when every byte was queued, 0 when
     * read failed or the connection went away. Release the source here. */
    void (*done)(void *ud, int ok);
} aula_http_body_source;

/* As aula_http_respond(), but the body of length bytes is pulled from src
 * in pieces while the client reads, so that a large file is never held in
 * memory; the next pipelined request waits until it is all sent. HEAD, 204
 * and 304 send no body. Returns 0, after which src->done is always called
 * once (possibly before this returns); AULA_EINVAL as aula_http_respond()
 * (src->done is then not called). */
int aula_http_respond_stream(aula_http_request *req, int status, const char *content_type,
                             const aula_http_header *extra, size_t n_extra, uint64_t length,
                             const aula_http_body_source *src, void *ud);

#endif
