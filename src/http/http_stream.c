/* Streamed bodies of the HTTP server, in both directions.
 *
 * Request bodies: with an on_head handler the parser stops after a head
 * that has a body to come (AULA_HTTP_PARSE_HEAD). The handler refuses the
 * request, leaves the body to be buffered, or takes it as a stream; a
 * stream then arrives as AULA_HTTP_PARSE_BODY pieces, each handed to
 * on_data before the parser decodes the next one, which is the
 * back-pressure: while on_data holds a piece back (AULA_EAGAIN) the socket
 * is not read either.
 *
 * Responses: the head goes out at once, then pieces of the body are pulled
 * from the source while less than PIPELINE_PAUSE_BYTES wait in the socket's
 * queue, and again from each write callback, so a slow client costs at most
 * that much memory however large the file. */
#include "http/http_server.h"

#include "core/buf.h"
#include "core/error.h"
#include "core/log.h"
#include "http/http_request.h"
#include "http/http_server_internal.h"

#include <assert.h>

/* The largest piece pulled from a response source at once. */
#define OUT_PIECE_BYTES (64 * 1024)

/* ---- request bodies ---- */

/* After a refusal the rest of the body is not read: answer, then close. */
static bool refused(aula_http_conn *c)
{
    if (c->state == CONN_HTTP)
        aula__http_conn_drain(c, true);
    return false;
}

bool aula__http_on_head(aula_http_conn *c)
{
    aula_http_server *s = c->server;
    aula__http_fill_request(c, aula_http_parser_message(c->parser), &c->sreq);
    c->body_unread = true;
    c->stream_refused = false;
    c->in_head = true;
    c->in_dispatch = true;
    s->on_head(&c->sreq, s->ud);
    c->in_head = false;
    c->in_dispatch = false;
    if (c->sreq.status != 0) {
        AULA_LOG_DEBUG("http", "request refused before its body", "conn=%llu status=%d", c->id,
                       c->sreq.status);
        aula__http_body_abort(c, c->sreq.status);
        return refused(c);
    }
    if (c->stream_refused) {
        aula__http_conn_fail(c, 413);
        return false;
    }
    if (c->body_active)
        return true;
    int rc = aula_http_parser_body_mode(c->parser, false, 0);
    if (rc != 0) {
        aula__http_conn_fail(c, rc);
        return false;
    }
    return true;
}

bool aula__http_on_body(aula_http_conn *c)
{
    size_t len;
    const char *data = aula_http_parser_body_take(c->parser, &len);
    /* Progress: the request clock counts from the last piece. */
    aula__http_timer_start(c, TIMER_REQUEST, c->server->limits.request_timeout_ms);
    c->in_dispatch = true;
    int rc = c->body_cb.on_data(c->body_ud, &c->sreq, data, len);
    c->in_dispatch = false;
    if (c->sreq.status != 0) {
        aula__http_body_abort(c, c->sreq.status);
        return refused(c);
    }
    if (rc == AULA_EAGAIN) {
        c->body_paused = true;
        aula__http_read_stop(c);
        return false;
    }
    return true;
}

void aula__http_on_body_end(aula_http_conn *c)
{
    aula_http_server *s = c->server;
    aula_http_body_cb cb = c->body_cb;
    c->body_active = false;
    c->in_dispatch = true;
    cb.on_end(c->body_ud, &c->sreq);
    if (c->sreq.status == 0) {
        AULA_LOG_ERROR("http", "handler did not respond", "conn=%llu method=%s", c->id,
                       c->sreq.method);
        aula_http_respond_error(&c->sreq, 500, "internal server error");
    }
    c->in_dispatch = false;
    if (c->state == CONN_HTTP && !c->out_active && (c->close_after_response || s->closing))
        aula__http_conn_drain(c, true);
}

void aula__http_body_abort(aula_http_conn *c, int status)
{
    if (!c->body_active)
        return;
    c->body_active = false;
    c->body_paused = false;
    c->body_cb.on_abort(c->body_ud, status);
}

int aula_http_request_stream_body(aula_http_request *req, uint64_t max_bytes,
                                  const aula_http_body_cb *cb, void *ud)
{
    assert(cb && cb->on_data && cb->on_end && cb->on_abort);
    if (!req || req->status != 0)
        return AULA_EINVAL;
    aula_http_conn *c = req->conn;
    if (!c->in_head || c->body_active || c->stream_refused || req != &c->sreq)
        return AULA_EINVAL;
    if (aula_http_parser_body_mode(c->parser, true, max_bytes) != 0) {
        c->stream_refused = true;
        return AULA_ETOOBIG;
    }
    c->body_cb = *cb;
    c->body_ud = ud;
    c->body_active = true;
    c->body_paused = false;
    return 0;
}

void aula_http_body_resume(aula_http_request *req)
{
    aula_http_conn *c = req->conn;
    assert(!c->in_dispatch && "aula_http_body_resume() is not for use inside on_data");
    if (!c->body_active || !c->body_paused)
        return;
    c->body_paused = false;
    if (c->state == CONN_HTTP)
        aula__http_conn_process(c, NULL, 0);
}

/* ---- responses ---- */

static void out_finish(aula_http_conn *c, int ok)
{
    if (!c->out_active)
        return;
    c->out_active = false;
    c->out_src.done(c->out_ud, ok);
}

void aula__http_out_abort(aula_http_conn *c)
{
    out_finish(c, 0);
}

void aula__http_pump_out(aula_http_conn *c)
{
    while (c->out_active && c->state == CONN_HTTP &&
           aula_http_conn_pending(c) < PIPELINE_PAUSE_BYTES) {
        size_t want = c->out_left > OUT_PIECE_BYTES ? OUT_PIECE_BYTES : (size_t)c->out_left;
        aula_buf b;
        aula_buf_init(&b);
        aula_buf_reserve(&b, want);
        size_t got = 0;
        int rc = c->out_src.read(c->out_ud, b.data, want, &got);
        if (rc != 0 || got == 0 || got > want) {
            AULA_LOG_WARN("http", "response source failed", "conn=%llu remote=%s err=%s", c->id,
                          c->remote, aula_strerror(rc ? rc : AULA_EIO));
            aula_buf_deinit(&b);
            out_finish(c, 0);
            aula__http_conn_close_now(c); /* the promised length cannot be kept */
            return;
        }
        b.len = got;
        c->out_left -= got;
        if (aula__http_conn_send(c, &b) != 0) {
            out_finish(c, 0);
            return;
        }
        if (c->out_left == 0) {
            out_finish(c, 1);
            if (c->state == CONN_HTTP && (c->close_after_response || c->server->closing))
                aula__http_conn_drain(c, true);
            return;
        }
    }
}

int aula_http_respond_stream(aula_http_request *req, int status, const char *content_type,
                             const aula_http_header *extra, size_t n_extra, uint64_t length,
                             const aula_http_body_source *src, void *ud)
{
    assert(src && src->read && src->done);
    aula_buf b;
    int rc = aula__http_build_head(req, status, content_type, extra, n_extra, length, &b);
    if (rc == AULA_EINVAL) {
        aula_buf_deinit(&b);
        return rc;
    }
    aula_http_conn *c = req->conn;
    assert(!c->out_active);
    bool with_body = !c->req_head && status != 204 && status != 304 && length > 0;
    if (rc == 0)
        rc = aula__http_conn_send(c, &b);
    else
        aula_buf_deinit(&b);
    if (rc != 0 || !with_body) {
        src->done(ud, rc == 0);
        return 0;
    }
    c->out_src = *src;
    c->out_ud = ud;
    c->out_left = length;
    c->out_active = true;
    aula__http_pump_out(c);
    return 0;
}
