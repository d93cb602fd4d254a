/* HTTP/1.1 request parser, sans-IO, on top of http-parser.
 *
 * Feed it the bytes that arrived; it buffers what it has not parsed yet and
 * answers AULA_HTTP_PARSE_AGAIN (need more), AULA_HTTP_PARSE_COMPLETE (one
 * request is ready: read it with aula_http_parser_message()) or the HTTP
 * status of the error to answer before closing the connection:
 *   400  malformed request line, header, chunked framing or Host (RFC 7230
 *        section 5.4), Transfer-Encoding other than chunked, both
 *        Content-Length and Transfer-Encoding (request smuggling)
 *   413  body larger than max_body_bytes, announced or while arriving
 *   431  request line plus headers (or trailers) larger than max_header_bytes
 *   505  an HTTP major version other than 1
 * Errors are sticky: once one is returned, every later call returns it.
 *
 * Bytes after a complete request stay buffered for the next one
 * (pipelining): call aula_http_parser_feed() again, with or without new
 * bytes, to drop the completed request and parse the next. After an upgrade
 * request (message.upgrade: Upgrade plus Connection: upgrade, or CONNECT)
 * the buffered bytes belong to the new protocol; take them with
 * aula_http_parser_buffered() and stop feeding.
 *
 * No I/O, no clock. Thread: any, one object per thread. */
#ifndef AULA_HTTP_HTTP_REQUEST_H
#define AULA_HTTP_HTTP_REQUEST_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum {
    AULA_HTTP_PARSE_AGAIN = 0,
    AULA_HTTP_PARSE_COMPLETE = 1,
    AULA_HTTP_PARSE_HEAD = 2, /* only with head events: see aula_http_parser_head_events() */
    AULA_HTTP_PARSE_BODY = 3, /* only for a streamed body: see aula_http_parser_body_take() */
};

typedef struct aula_http_parser aula_http_parser;

typedef struct aula_http_field {
    const char *name;  /* as sent, validated as a token */
    const char *value; /* without surrounding whitespace */
} aula_http_field;

/* A parsed request. Everything points into the parser and stays valid until
 * the next aula_http_parser_feed() or aula_http_parser_destroy(). */
typedef struct aula_http_message {
    const char *method; /* "GET", "POST", ... */
    const char *target; /* the raw request-target: "/a/b?x=1" */
    const char *path;   /* raw path without the query: "/a/b" ("/" for "http://h") */
    const char *query;  /* raw query without '?', "" when there is none */
    const aula_http_field *headers;
    size_t n_headers;
    const char *body; /* de-chunked, NUL-terminated; "" when there is none */
    size_t body_len;
    int http_major;
    int http_minor;
    bool keep_alive; /* HTTP/1.1 unless "Connection: close"; HTTP/1.0 only with keep-alive */
    bool upgrade;    /* the rest of the stream belongs to another protocol */
} aula_http_message;

/* Creates a parser enforcing the two limits (both must be > 0). Never NULL. */
aula_http_parser *aula_http_parser_create(size_t max_header_bytes, size_t max_body_bytes);

void aula_http_parser_destroy(aula_http_parser *p);

/* Appends len bytes (data may be NULL when len is 0) and parses as far as
 * the end of one request. If the previous call returned COMPLETE, that
 * request is dropped first. Returns AULA_HTTP_PARSE_AGAIN,
 * AULA_HTTP_PARSE_COMPLETE or an error status (400, 413, 431, 505). Must not
 * be called after an upgrade request completed. */
int aula_http_parser_feed(aula_http_parser *p, const char *data, size_t len);

/* The request after COMPLETE, or after HEAD until the request completes
 * or fails; NULL otherwise. */
const aula_http_message *aula_http_parser_message(const aula_http_parser *p);

/* Case-insensitive lookup in a parsed message; NULL when absent. */
const char *aula_http_message_header(const aula_http_message *m, const char *name);

/* The bytes received and not parsed: after COMPLETE, what followed the
 * request (the next pipelined request, or the new protocol's first bytes
 * after an upgrade). Valid until the next feed or destroy. */
const char *aula_http_parser_buffered(const aula_http_parser *p, size_t *len);

/* True once a request has begun (its first byte arrived) and until it is
 * complete: the connection is then inside a request, not idle. Blank lines
 * between requests do not count. */
bool aula_http_parser_started(const aula_http_parser *p);

/* Head events (off by default). When on, a request with a body to come
 * (Content-Length above 0, or chunked) first makes aula_http_parser_feed()
 * return AULA_HTTP_PARSE_HEAD once its head is complete and checked; the
 * message is then readable (with an empty body) and the caller must choose
 * how the body is taken with aula_http_parser_body_mode() before feeding
 * again. A request without a body completes at once, as without events.
 * The body limit is then applied by aula_http_parser_body_mode(), not at
 * the head. */
void aula_http_parser_head_events(aula_http_parser *p, bool on);

/* After AULA_HTTP_PARSE_HEAD: stream false collects the body as usual
 * within the parser's max_body_bytes; stream true hands it out piece by
 * piece (see aula_http_parser_body_take) within max_bytes instead, which
 * may exceed max_body_bytes since nothing is held. Returns 0, or 413 when
 * the announced Content-Length is above the limit (the error is sticky,
 * as any other; a chunked body over the limit fails while it arrives). */
int aula_http_parser_body_mode(aula_http_parser *p, bool stream, uint64_t max_bytes);

/* A streamed body: after feed returned AULA_HTTP_PARSE_BODY, the decoded
 * bytes (never more than 64 KiB at once) and their length. They stay valid
 * until the next feed, which drops them. Feed returns BODY as long as
 * pieces are ready (feed again with no new bytes to get the next one: that
 * is the back-pressure: nothing is decoded while the caller waits), then
 * COMPLETE once the body has ended; the message stays valid all along and
 * its body is "" then. aula_http_parser_body_total() counts the bytes. */
const char *aula_http_parser_body_take(const aula_http_parser *p, size_t *len);
uint64_t aula_http_parser_body_total(const aula_http_parser *p);

/* True once per request whose head carried "Expect: 100-continue" (HTTP/1.1,
 * with a body still to come and within the limit): the caller should send
 * "HTTP/1.1 100 Continue" (RFC 7231 section 5.1.1). Clears the flag. */
bool aula_http_parser_take_continue(aula_http_parser *p);

#endif
