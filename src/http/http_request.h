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

enum {
    AULA_HTTP_PARSE_AGAIN = 0,
    AULA_HTTP_PARSE_COMPLETE = 1,
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

/* The request after COMPLETE; NULL otherwise. */
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

/* True once per request whose head carried "Expect: 100-continue" (HTTP/1.1,
 * with a body still to come and within the limit): the caller should send
 * "HTTP/1.1 100 Continue" (RFC 7231 section 5.1.1). Clears the flag. */
bool aula_http_parser_take_continue(aula_http_parser *p);

#endif
