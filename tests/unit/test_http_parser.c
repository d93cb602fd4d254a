/* Unit tests of the sans-IO HTTP request parser (src/http/http_request.c):
 * bytes in, requests or error statuses out, no sockets. */
#include "http/http_request.h"

#include "core/alloc.h"
#include "core/buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#define MAX_HEAD 16384
#define MAX_BODY 1024

static int feed_str(aula_http_parser *p, const char *s)
{
    return aula_http_parser_feed(p, s, strlen(s));
}

/* Feeds one byte at a time; returns the first result that is not AGAIN
 * (with *at the index of the byte that produced it) or AGAIN. */
static int feed_bytewise(aula_http_parser *p, const char *s, size_t len, size_t *at)
{
    for (size_t i = 0; i < len; i++) {
        int rc = aula_http_parser_feed(p, s + i, 1);
        if (rc != AULA_HTTP_PARSE_AGAIN) {
            if (at)
                *at = i;
            return rc;
        }
    }
    return AULA_HTTP_PARSE_AGAIN;
}

static void test_simple_get(void **state)
{
    (void)state;
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_null(aula_http_parser_message(p));
    assert_int_equal(feed_str(p, "GET /api/v1/rooms/x?a=1&b=%20 HTTP/1.1\r\n"
                                 "Host: example.org\r\n"
                                 "User-Agent:   test/1.0  \r\n"
                                 "X-Empty:\r\n"
                                 "\r\n"),
                     AULA_HTTP_PARSE_COMPLETE);
    const aula_http_message *m = aula_http_parser_message(p);
    assert_non_null(m);
    assert_string_equal(m->method, "GET");
    assert_string_equal(m->target, "/api/v1/rooms/x?a=1&b=%20");
    assert_string_equal(m->path, "/api/v1/rooms/x");
    assert_string_equal(m->query, "a=1&b=%20");
    assert_int_equal(m->n_headers, 3);
    assert_string_equal(m->headers[0].name, "Host");
    assert_string_equal(m->headers[0].value, "example.org");
    assert_string_equal(aula_http_message_header(m, "user-agent"), "test/1.0");
    assert_string_equal(aula_http_message_header(m, "X-EMPTY"), "");
    assert_null(aula_http_message_header(m, "Cookie"));
    assert_string_equal(m->body, "");
    assert_int_equal(m->body_len, 0);
    assert_int_equal(m->http_major, 1);
    assert_int_equal(m->http_minor, 1);
    assert_true(m->keep_alive);
    assert_false(m->upgrade);
    assert_false(aula_http_parser_started(p));
    size_t left;
    aula_http_parser_buffered(p, &left);
    assert_int_equal(left, 0);
    aula_http_parser_destroy(p);
}

static void test_bytewise_feed(void **state)
{
    (void)state;
    const char *req = "POST /submit HTTP/1.1\r\n"
                      "Host: h\r\n"
                      "Content-Type: application/json\r\n"
                      "X-Long-Header-Name: some value with spaces\r\n"
                      "Content-Length: 11\r\n"
                      "\r\n"
                      "{\"a\":\"bc\"}\n";
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_false(aula_http_parser_started(p));
    size_t at = 0;
    assert_int_equal(feed_bytewise(p, req, strlen(req), &at), AULA_HTTP_PARSE_COMPLETE);
    assert_int_equal(at, strlen(req) - 1);
    const aula_http_message *m = aula_http_parser_message(p);
    assert_string_equal(m->method, "POST");
    assert_string_equal(m->path, "/submit");
    assert_string_equal(m->query, "");
    assert_int_equal(m->n_headers, 4);
    assert_string_equal(aula_http_message_header(m, "x-long-header-name"),
                        "some value with spaces");
    assert_string_equal(aula_http_message_header(m, "content-type"), "application/json");
    assert_int_equal(m->body_len, 11);
    assert_memory_equal(m->body, "{\"a\":\"bc\"}\n", 11);
    aula_http_parser_destroy(p);
}

static void test_started_tracks_first_byte(void **state)
{
    (void)state;
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    /* Blank lines between requests are tolerated (RFC 7230 section 3.5)
     * and do not start a request. */
    assert_int_equal(feed_str(p, "\r\n\r\n"), AULA_HTTP_PARSE_AGAIN);
    assert_false(aula_http_parser_started(p));
    assert_int_equal(feed_str(p, "G"), AULA_HTTP_PARSE_AGAIN);
    assert_true(aula_http_parser_started(p));
    assert_int_equal(feed_str(p, "ET / HTTP/1.1\r\nHost: h\r\n\r\n"), AULA_HTTP_PARSE_COMPLETE);
    assert_false(aula_http_parser_started(p));
    aula_http_parser_destroy(p);
}

static void test_pipelined(void **state)
{
    (void)state;
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    const char *reqs = "GET /one HTTP/1.1\r\nHost: h\r\n\r\n"
                       "POST /two HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
                       "HEAD /three HTTP/1.1\r\nHost: h\r\n\r\n"
                       "GET /fo";
    assert_int_equal(feed_str(p, reqs), AULA_HTTP_PARSE_COMPLETE);
    assert_string_equal(aula_http_parser_message(p)->path, "/one");
    size_t left;
    const char *rest = aula_http_parser_buffered(p, &left);
    assert_true(left > 0);
    assert_memory_equal(rest, "POST /two", 9);

    assert_int_equal(aula_http_parser_feed(p, NULL, 0), AULA_HTTP_PARSE_COMPLETE);
    const aula_http_message *m = aula_http_parser_message(p);
    assert_string_equal(m->method, "POST");
    assert_string_equal(m->path, "/two");
    assert_int_equal(m->body_len, 3);
    assert_string_equal(m->body, "abc");

    assert_int_equal(aula_http_parser_feed(p, NULL, 0), AULA_HTTP_PARSE_COMPLETE);
    m = aula_http_parser_message(p);
    assert_string_equal(m->method, "HEAD");
    assert_string_equal(m->path, "/three");
    assert_int_equal(m->body_len, 0);

    assert_int_equal(aula_http_parser_feed(p, NULL, 0), AULA_HTTP_PARSE_AGAIN);
    assert_null(aula_http_parser_message(p));
    assert_true(aula_http_parser_started(p));
    assert_int_equal(feed_str(p, "ur HTTP/1.1\r\nHost: h\r\n\r\n"), AULA_HTTP_PARSE_COMPLETE);
    assert_string_equal(aula_http_parser_message(p)->path, "/four");
    aula_http_parser_destroy(p);
}

static void test_content_length_body_split(void **state)
{
    (void)state;
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, "PUT /x HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n01234"),
                     AULA_HTTP_PARSE_AGAIN);
    assert_true(aula_http_parser_started(p));
    assert_int_equal(feed_str(p, "56"), AULA_HTTP_PARSE_AGAIN);
    /* The body may hold any byte, NUL included. */
    assert_int_equal(aula_http_parser_feed(p,
                                           "7\0"
                                           "9",
                                           3),
                     AULA_HTTP_PARSE_COMPLETE);
    const aula_http_message *m = aula_http_parser_message(p);
    assert_int_equal(m->body_len, 10);
    assert_memory_equal(m->body,
                        "01234567\0"
                        "9",
                        10);
    assert_int_equal(m->body[10], '\0');
    aula_http_parser_destroy(p);
}

static void test_chunked_body(void **state)
{
    (void)state;
    const char *req = "POST /c HTTP/1.1\r\n"
                      "Host: h\r\n"
                      "Transfer-Encoding: chunked\r\n"
                      "\r\n"
                      "5;name=value;other\r\n"
                      "hello\r\n"
                      "1\r\n"
                      " \r\n"
                      "A\r\n"
                      "0123456789\r\n"
                      "0\r\n"
                      "X-Trailer: yes\r\n"
                      "Another: one\r\n"
                      "\r\n"
                      "GET /next HTTP/1.1\r\nHost: h\r\n\r\n";
    /* In one piece and byte by byte: the same result. */
    for (int bytewise = 0; bytewise < 2; bytewise++) {
        aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
        int rc = bytewise ? feed_bytewise(p, req, strlen(req), NULL) : feed_str(p, req);
        assert_int_equal(rc, AULA_HTTP_PARSE_COMPLETE);
        const aula_http_message *m = aula_http_parser_message(p);
        assert_string_equal(m->body, "hello 0123456789");
        assert_int_equal(m->body_len, 16);
        /* Trailers are not merged into the headers. */
        assert_null(aula_http_message_header(m, "X-Trailer"));
        assert_int_equal(m->n_headers, 2);
        assert_true(m->keep_alive);
        if (!bytewise) {
            assert_int_equal(aula_http_parser_feed(p, NULL, 0), AULA_HTTP_PARSE_COMPLETE);
            assert_string_equal(aula_http_parser_message(p)->path, "/next");
        }
        aula_http_parser_destroy(p);
    }
}

static void test_invalid_chunk_size(void **state)
{
    (void)state;
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "zz\r\nhello\r\n0\r\n\r\n"),
                     400);
    /* Errors are sticky. */
    assert_int_equal(feed_str(p, "GET / HTTP/1.1\r\n\r\n"), 400);
    assert_null(aula_http_parser_message(p));
    aula_http_parser_destroy(p);

    /* A chunk size that overflows 64 bits. */
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "ffffffffffffffffff\r\n"),
                     400);
    aula_http_parser_destroy(p);

    /* Broken chunk framing, each detected where it happens. */
    const char *bad_chunks[] = {
        "3\r\nabcXY",       /* data not followed by CRLF */
        "3\nabc\r\n",       /* bare LF after the size */
        "\r\n",             /* no size */
        "3;ext\x01\r\n",    /* control character in an extension */
        "3x\r\n",           /* junk after the size */
        "0\r\n: v\r\n\r\n", /* trailer without a name */
        "0\r\nA B: v\r\n",  /* trailer name with a space */
        "0\r\n\rX",         /* final CR without LF */
    };
    for (size_t i = 0; i < sizeof bad_chunks / sizeof bad_chunks[0]; i++) {
        p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
        assert_int_equal(
            feed_str(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"),
            AULA_HTTP_PARSE_AGAIN);
        int rc = feed_str(p, bad_chunks[i]);
        if (rc != 400)
            print_error("chunk case %zu: got %d\n", i, rc);
        assert_int_equal(rc, 400);
        aula_http_parser_destroy(p);
    }

    /* Chunk data not followed by CRLF. */
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                                 "3\r\nabcXY"),
                     400);
    aula_http_parser_destroy(p);
}

static void test_smuggling_framing_rejected(void **state)
{
    (void)state;
    static const char two_te[] = "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\n";
    const char *bad[] = {
        /* Both framings at once (RFC 7230 section 3.3.3). */
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n",
        /* A coding we cannot decode, chunked not last. */
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n",
        /* Two different lengths. */
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5x\r\n\r\n",
        "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
        /* chunked twice, or after a coding we do not decode. */
        two_te,
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
        /* "Transfer-Encoding " with a space is not Transfer-Encoding. */
        "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding : chunked\r\n\r\n0\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
        assert_int_equal(feed_str(p, bad[i]), 400);
        aula_http_parser_destroy(p);
    }
}

/* Builds a request whose head (request line, headers, final CRLF) is
 * exactly head_len bytes, padding one header value. */
static char *head_of_size(size_t head_len)
{
    const char *start = "GET /p HTTP/1.1\r\nHost: h\r\nX-Pad: ";
    const char *end = "\r\n\r\n";
    size_t fixed = strlen(start) + strlen(end);
    assert_true(head_len > fixed);
    aula_buf b;
    aula_buf_init(&b);
    aula_buf_append_str(&b, start);
    for (size_t i = 0; i < head_len - fixed; i++)
        aula_buf_append(&b, "a", 1);
    aula_buf_append_str(&b, end);
    assert_int_equal(b.len, head_len);
    return aula_buf_steal(&b);
}

static void test_header_limit(void **state)
{
    (void)state;
    /* Exactly at the limit: accepted, in one piece and byte by byte. */
    char *req = head_of_size(MAX_HEAD);
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, req), AULA_HTTP_PARSE_COMPLETE);
    assert_int_equal(strlen(aula_http_message_header(aula_http_parser_message(p), "X-Pad")),
                     MAX_HEAD - strlen("GET /p HTTP/1.1\r\nHost: h\r\nX-Pad: \r\n\r\n"));
    aula_http_parser_destroy(p);
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_bytewise(p, req, strlen(req), NULL), AULA_HTTP_PARSE_COMPLETE);
    aula_http_parser_destroy(p);
    aula_free(req);

    /* One byte over: 431, detected by the byte that crosses the limit. */
    req = head_of_size(MAX_HEAD + 1);
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, req), 431);
    aula_http_parser_destroy(p);
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    size_t at = 0;
    assert_int_equal(feed_bytewise(p, req, strlen(req), &at), 431);
    assert_int_equal(at, MAX_HEAD - 1);
    aula_http_parser_destroy(p);
    aula_free(req);

    /* A head that never ends: 431 without buffering more than the limit. */
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, "GET / HTTP/1.1\r\n"), AULA_HTTP_PARSE_AGAIN);
    int rc = AULA_HTTP_PARSE_AGAIN;
    for (int i = 0; i < 10000 && rc == AULA_HTTP_PARSE_AGAIN; i++)
        rc = feed_str(p, "X-A: b\r\n");
    assert_int_equal(rc, 431);
    aula_http_parser_destroy(p);

    /* Many small headers count the same as one big one. */
    p = aula_http_parser_create(256, MAX_BODY);
    rc = feed_str(p, "GET / HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < 100 && rc == AULA_HTTP_PARSE_AGAIN; i++)
        rc = feed_str(p, "A: 1\r\n");
    assert_int_equal(rc, 431);
    aula_http_parser_destroy(p);
}

static void test_long_request_line(void **state)
{
    (void)state;
    aula_http_parser *p = aula_http_parser_create(1024, MAX_BODY);
    aula_buf b;
    aula_buf_init(&b);
    aula_buf_append_str(&b, "GET /");
    for (int i = 0; i < 2000; i++)
        aula_buf_append(&b, "x", 1);
    aula_buf_append_str(&b, " HTTP/1.1\r\nHost: h\r\n\r\n");
    assert_int_equal(aula_http_parser_feed(p, b.data, b.len), 431);
    aula_buf_deinit(&b);
    aula_http_parser_destroy(p);
}

static void test_trailer_limit(void **state)
{
    (void)state;
    aula_http_parser *p = aula_http_parser_create(256, MAX_BODY);
    int rc = feed_str(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                         "1\r\na\r\n0\r\n");
    assert_int_equal(rc, AULA_HTTP_PARSE_AGAIN);
    for (int i = 0; i < 100 && rc == AULA_HTTP_PARSE_AGAIN; i++)
        rc = feed_str(p, "X-Trailer: value\r\n");
    assert_int_equal(rc, 431);
    aula_http_parser_destroy(p);
}

static void test_body_limit_content_length(void **state)
{
    (void)state;
    /* Announced too big: 413 as soon as the head ends, before any body. */
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1025\r\n\r\n"),
                     413);
    aula_http_parser_destroy(p);

    /* Exactly the limit is fine. */
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1024\r\n\r\n"),
                     AULA_HTTP_PARSE_AGAIN);
    char body[MAX_BODY];
    memset(body, 'b', sizeof body);
    assert_int_equal(aula_http_parser_feed(p, body, sizeof body), AULA_HTTP_PARSE_COMPLETE);
    assert_int_equal(aula_http_parser_message(p)->body_len, MAX_BODY);
    aula_http_parser_destroy(p);

    /* A length beyond 64 bits. */
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(
        feed_str(p,
                 "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n"),
        400);
    aula_http_parser_destroy(p);
}

static void test_body_limit_chunked(void **state)
{
    (void)state;
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    int rc = feed_str(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
    assert_int_equal(rc, AULA_HTTP_PARSE_AGAIN);
    char chunk[100];
    memset(chunk, 'c', sizeof chunk);
    int chunks = 0;
    while (rc == AULA_HTTP_PARSE_AGAIN && chunks < 100) {
        rc = feed_str(p, "64\r\n");
        if (rc == AULA_HTTP_PARSE_AGAIN)
            rc = aula_http_parser_feed(p, chunk, sizeof chunk);
        if (rc == AULA_HTTP_PARSE_AGAIN)
            rc = feed_str(p, "\r\n");
        chunks++;
    }
    assert_int_equal(rc, 413);
    /* 10 chunks of 100 bytes fit in 1024, the 11th does not. */
    assert_int_equal(chunks, 11);
    aula_http_parser_destroy(p);

    /* One huge announced chunk is refused as soon as its size is known. */
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    rc = feed_str(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                     "100000");
    assert_int_equal(rc, AULA_HTTP_PARSE_AGAIN);
    assert_int_equal(feed_str(p, "\r\n"), 413);
    aula_http_parser_destroy(p);
}

static void test_chunk_framing_bounded(void **state)
{
    (void)state;
    /* An endless chunk extension carries no body but must still end. */
    aula_http_parser *p = aula_http_parser_create(1024, 1024);
    int rc = feed_str(p, "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;x=");
    for (int i = 0; i < 10000 && rc == AULA_HTTP_PARSE_AGAIN; i++)
        rc = feed_str(p, "aaaaaaaa");
    assert_int_equal(rc, 413);
    aula_http_parser_destroy(p);
}

static void test_malformed(void **state)
{
    (void)state;
    const char *bad[] = {
        "GET\r\n\r\n",
        "GET / HTTX/1.1\r\nHost: h\r\n\r\n",
        "GET / http/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n",
        "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n",
        "GET / HTTP/1.1\r\nNoColonHere\r\n\r\n",
        "GET / HTTP/1.1\r\nBad Name: x\r\n\r\n",
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\x01\x02\r\n\r\n",
        "GET /\x7f HTTP/1.1\r\nHost: h\r\n\r\n",
        "\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03",   /* a TLS ClientHello */
        "FOO / HTTP/1.1\r\nHost: h\r\n\r\n",              /* unknown method */
        "get / HTTP/1.1\r\nHost: h\r\n\r\n",              /* methods are case-sensitive */
        "GET / HTTP/1.1\r\n\r\n",                         /* HTTP/1.1 without Host */
        "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n",   /* two Host fields */
        "GET / HTTP/1.1\r\nHost: h\r\n: novalue\r\n\r\n", /* empty name */
        "GET / HTTP/1.1\r\nHost : h\r\n\r\n",             /* space before colon */
        "GET / HTTP/1.1\r\n Host: h\r\n\r\n",             /* space before name */
        "GET / HTTP/1.1\r\nHost: h\r\nX: a\x7f\r\n\r\n",  /* DEL in a value */
        "GET  / HTTP/1.1\r\nHost: h\r\n\r\n",             /* two spaces */
        "GET / HTTP/1.1 \r\nHost: h\r\n\r\n",             /* space before CRLF */
        "GET / HTTP/1.1\rHost: h\r\n\r\n",                /* CR without LF */
        "GET / HTTP/1.\r\nHost: h\r\n\r\n",               /* truncated version */
        "GET / HTTP/11.1\r\nHost: h\r\n\r\n",
    };
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
        int rc = feed_str(p, bad[i]);
        if (rc != 400)
            print_error("case %zu: got %d\n", i, rc);
        assert_int_equal(rc, 400);
        aula_http_parser_destroy(p);
    }
}

static void test_obs_fold_becomes_spaces(void **state)
{
    (void)state;
    /* RFC 7230 section 3.2.4 lets a server replace obs-fold with spaces. */
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, "GET / HTTP/1.1\r\nHost: h\r\nX-Fold: a\r\n  b\r\n\r\n"),
                     AULA_HTTP_PARSE_COMPLETE);
    const char *v = aula_http_message_header(aula_http_parser_message(p), "X-Fold");
    assert_non_null(v);
    assert_null(strchr(v, '\r'));
    assert_null(strchr(v, '\n'));
    assert_string_equal(v, "a  b");
    aula_http_parser_destroy(p);
}

static void test_version_rules(void **state)
{
    (void)state;
    struct {
        const char *req;
        int rc;
        bool keep_alive;
    } cases[] = {
        {"GET / HTTP/1.0\r\n\r\n", AULA_HTTP_PARSE_COMPLETE, false},
        {"GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", AULA_HTTP_PARSE_COMPLETE, true},
        {"GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", AULA_HTTP_PARSE_COMPLETE, true},
        {"GET / HTTP/1.1\r\nHost: h\r\n\r\n", AULA_HTTP_PARSE_COMPLETE, true},
        {"GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", AULA_HTTP_PARSE_COMPLETE, false},
        {"GET / HTTP/1.1\r\nHost: h\r\nConnection: Close\r\n\r\n", AULA_HTTP_PARSE_COMPLETE, false},
        {"GET / HTTP/2.0\r\nHost: h\r\n\r\n", 505, false},
        {"GET / HTTP/0.9\r\nHost: h\r\n\r\n", 505, false},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
        int rc = feed_str(p, cases[i].req);
        if (rc != cases[i].rc)
            print_error("case %zu: got %d\n", i, rc);
        assert_int_equal(rc, cases[i].rc);
        if (rc == AULA_HTTP_PARSE_COMPLETE) {
            const aula_http_message *m = aula_http_parser_message(p);
            assert_int_equal(m->keep_alive, cases[i].keep_alive);
            assert_int_equal(m->http_major, 1);
        }
        aula_http_parser_destroy(p);
    }
}

static void test_upgrade_leftover(void **state)
{
    (void)state;
    const char frame[] = "\x81\x85\x01\x02\x03\x04hello-after";
    aula_buf b;
    aula_buf_init(&b);
    aula_buf_append_str(&b, "GET /ws?room=1 HTTP/1.1\r\n"
                            "Host: h\r\n"
                            "Upgrade: websocket\r\n"
                            "Connection: keep-alive, Upgrade\r\n"
                            "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n"
                            "Sec-WebSocket-Version: 13\r\n"
                            "\r\n");
    aula_buf_append(&b, frame, sizeof frame - 1);
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(aula_http_parser_feed(p, b.data, b.len), AULA_HTTP_PARSE_COMPLETE);
    const aula_http_message *m = aula_http_parser_message(p);
    assert_true(m->upgrade);
    assert_string_equal(m->path, "/ws");
    assert_string_equal(m->query, "room=1");
    assert_string_equal(aula_http_message_header(m, "upgrade"), "websocket");
    size_t left;
    const char *rest = aula_http_parser_buffered(p, &left);
    assert_int_equal(left, sizeof frame - 1);
    assert_memory_equal(rest, frame, left);
    aula_http_parser_destroy(p);
    aula_buf_deinit(&b);

    /* Upgrade without "Connection: upgrade" is a plain request. */
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, "GET / HTTP/1.1\r\nHost: h\r\nUpgrade: websocket\r\n\r\n"),
                     AULA_HTTP_PARSE_COMPLETE);
    assert_false(aula_http_parser_message(p)->upgrade);
    aula_http_parser_destroy(p);
}

static void test_target_forms(void **state)
{
    (void)state;
    struct {
        const char *req;
        const char *path;
        const char *query;
    } cases[] = {
        {"GET http://example.org/a/b?c=d HTTP/1.1\r\nHost: example.org\r\n\r\n", "/a/b", "c=d"},
        {"GET http://example.org HTTP/1.1\r\nHost: example.org\r\n\r\n", "/", ""},
        {"OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", "*", ""},
        {"GET /?x HTTP/1.1\r\nHost: h\r\n\r\n", "/", "x"},
        {"GET /a?b?c HTTP/1.1\r\nHost: h\r\n\r\n", "/a", "b?c"},
        {"GET /%2e%2e/secret HTTP/1.1\r\nHost: h\r\n\r\n", "/%2e%2e/secret", ""},
        {"DELETE /api/v1/rooms/x HTTP/1.1\r\nHost: h\r\n\r\n", "/api/v1/rooms/x", ""},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
        assert_int_equal(feed_str(p, cases[i].req), AULA_HTTP_PARSE_COMPLETE);
        const aula_http_message *m = aula_http_parser_message(p);
        assert_string_equal(m->path, cases[i].path);
        assert_string_equal(m->query, cases[i].query);
        aula_http_parser_destroy(p);
    }
}

static void test_expect_continue(void **state)
{
    (void)state;
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                                 "Content-Length: 4\r\n\r\n"),
                     AULA_HTTP_PARSE_AGAIN);
    assert_true(aula_http_parser_take_continue(p));
    assert_false(aula_http_parser_take_continue(p));
    assert_int_equal(feed_str(p, "data"), AULA_HTTP_PARSE_COMPLETE);
    assert_string_equal(aula_http_parser_message(p)->body, "data");
    aula_http_parser_destroy(p);

    /* Too big: the answer is 413 at once, never 100. */
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, "POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n"
                                 "Content-Length: 5000\r\n\r\n"),
                     413);
    assert_false(aula_http_parser_take_continue(p));
    aula_http_parser_destroy(p);

    /* HTTP/1.0 expectations are ignored (RFC 7231 section 5.1.1). */
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    assert_int_equal(feed_str(p, "POST / HTTP/1.0\r\nExpect: 100-continue\r\n"
                                 "Content-Length: 4\r\n\r\n"),
                     AULA_HTTP_PARSE_AGAIN);
    assert_false(aula_http_parser_take_continue(p));
    aula_http_parser_destroy(p);
}

static void test_many_headers_reused(void **state)
{
    (void)state;
    /* Many headers grow the tables; the next request reuses them. */
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    aula_buf b;
    aula_buf_init(&b);
    aula_buf_append_str(&b, "GET /many HTTP/1.1\r\nHost: h\r\n");
    for (int i = 0; i < 200; i++)
        aula_buf_printf(&b, "X-H%d: v%d\r\n", i, i);
    aula_buf_append_str(&b, "\r\nGET /after HTTP/1.1\r\nHost: h\r\nA: 1\r\n\r\n");
    assert_int_equal(aula_http_parser_feed(p, b.data, b.len), AULA_HTTP_PARSE_COMPLETE);
    const aula_http_message *m = aula_http_parser_message(p);
    assert_int_equal(m->n_headers, 201);
    assert_string_equal(aula_http_message_header(m, "x-h199"), "v199");
    assert_string_equal(m->headers[100].name, "X-H99");
    assert_int_equal(aula_http_parser_feed(p, NULL, 0), AULA_HTTP_PARSE_COMPLETE);
    m = aula_http_parser_message(p);
    assert_string_equal(m->path, "/after");
    assert_int_equal(m->n_headers, 2);
    assert_string_equal(aula_http_message_header(m, "A"), "1");
    aula_buf_deinit(&b);
    aula_http_parser_destroy(p);
}

/* Head events: HEAD comes before any body byte, so a caller can refuse a
 * request or pick how to take its body before reading it. */
static void test_head_events_buffered(void **state)
{
    (void)state;
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    aula_http_parser_head_events(p, true);
    /* No body: completes directly, no HEAD. */
    assert_int_equal(feed_str(p, "GET /a HTTP/1.1\r\nHost: h\r\n\r\n"), AULA_HTTP_PARSE_COMPLETE);
    assert_int_equal(feed_str(p, "POST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nhe"),
                     AULA_HTTP_PARSE_HEAD);
    const aula_http_message *m = aula_http_parser_message(p);
    assert_non_null(m);
    assert_string_equal(m->path, "/b");
    assert_int_equal(m->body_len, 0);
    assert_int_equal(aula_http_parser_body_mode(p, false, 0), 0);
    assert_int_equal(aula_http_parser_feed(p, NULL, 0), AULA_HTTP_PARSE_AGAIN);
    assert_int_equal(feed_str(p, "llo"), AULA_HTTP_PARSE_COMPLETE);
    m = aula_http_parser_message(p);
    assert_string_equal(m->path, "/b");
    assert_string_equal(m->body, "hello");
    assert_int_equal(m->body_len, 5);
    aula_http_parser_destroy(p);

    /* Buffered after HEAD keeps the parser's own limit: 413 before any
     * body byte is read. */
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    aula_http_parser_head_events(p, true);
    assert_int_equal(feed_str(p, "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1025\r\n\r\n"),
                     AULA_HTTP_PARSE_HEAD);
    assert_int_equal(aula_http_parser_body_mode(p, false, 0), 413);
    assert_int_equal(aula_http_parser_feed(p, NULL, 0), 413);
    aula_http_parser_destroy(p);
}

/* Feeds a streamed body through and collects it; returns the final rc. */
static int drain_stream(aula_http_parser *p, int rc, aula_buf *got, size_t *pieces)
{
    while (rc == AULA_HTTP_PARSE_BODY) {
        size_t n;
        const char *d = aula_http_parser_body_take(p, &n);
        assert_true(n > 0 && n <= 64 * 1024);
        aula_buf_append(got, d, n);
        (*pieces)++;
        rc = aula_http_parser_feed(p, NULL, 0);
    }
    return rc;
}

static void test_stream_body_content_length(void **state)
{
    (void)state;
    /* A body 200 times the buffered limit passes through in pieces. */
    const size_t total = 200 * MAX_BODY + 7;
    char *body = aula_malloc(total);
    for (size_t i = 0; i < total; i++)
        body[i] = (char)('a' + i % 26);
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    aula_http_parser_head_events(p, true);
    char head[128];
    snprintf(head, sizeof head, "PUT /f HTTP/1.1\r\nHost: h\r\nContent-Length: %zu\r\n\r\n", total);
    assert_int_equal(feed_str(p, head), AULA_HTTP_PARSE_HEAD);
    assert_int_equal(aula_http_parser_body_mode(p, true, total), 0);
    aula_buf got;
    aula_buf_init(&got);
    size_t pieces = 0;
    /* All of it in one feed, plus the next request: pieces of at most
     * 64 KiB, and nothing decoded until the caller asks again. */
    aula_buf all;
    aula_buf_init(&all);
    aula_buf_append(&all, body, total);
    aula_buf_append_str(&all, "GET /next HTTP/1.1\r\nHost: h\r\n\r\n");
    int rc = aula_http_parser_feed(p, all.data, all.len);
    assert_int_equal(rc, AULA_HTTP_PARSE_BODY);
    rc = drain_stream(p, rc, &got, &pieces);
    assert_int_equal(rc, AULA_HTTP_PARSE_COMPLETE);
    assert_true(pieces >= 4);
    assert_int_equal(got.len, total);
    assert_memory_equal(got.data, body, total);
    assert_int_equal(aula_http_parser_body_total(p), total);
    const aula_http_message *m = aula_http_parser_message(p);
    assert_string_equal(m->path, "/f");
    assert_int_equal(m->body_len, 0);
    /* The pipelined request after it is intact. */
    assert_int_equal(aula_http_parser_feed(p, NULL, 0), AULA_HTTP_PARSE_COMPLETE);
    assert_string_equal(aula_http_parser_message(p)->path, "/next");
    aula_http_parser_destroy(p);
    aula_buf_deinit(&got);
    aula_buf_deinit(&all);

    /* Over the stream's own limit: 413 up front, before reading. */
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    aula_http_parser_head_events(p, true);
    assert_int_equal(feed_str(p, head), AULA_HTTP_PARSE_HEAD);
    assert_int_equal(aula_http_parser_body_mode(p, true, total - 1), 413);
    assert_int_equal(aula_http_parser_feed(p, body, 10), 413);
    aula_http_parser_destroy(p);
    aula_free(body);
}

static void test_stream_body_chunked(void **state)
{
    (void)state;
    aula_http_parser *p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    aula_http_parser_head_events(p, true);
    assert_int_equal(
        feed_str(p, "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"),
        AULA_HTTP_PARSE_HEAD);
    assert_int_equal(aula_http_parser_body_mode(p, true, 2500), 0);
    aula_buf got;
    aula_buf_init(&got);
    size_t pieces = 0;
    char chunk[1000];
    memset(chunk, 'x', sizeof chunk);
    int rc = AULA_HTTP_PARSE_AGAIN;
    /* Two chunks of 1000 (0x3e8) bytes each fit in 2500 ... */
    for (int i = 0; i < 2; i++) {
        rc = drain_stream(p, feed_str(p, "3e8\r\n"), &got, &pieces);
        assert_int_equal(rc, AULA_HTTP_PARSE_AGAIN);
        rc = drain_stream(p, aula_http_parser_feed(p, chunk, sizeof chunk), &got, &pieces);
        assert_int_equal(rc, AULA_HTTP_PARSE_AGAIN);
        rc = drain_stream(p, feed_str(p, "\r\n"), &got, &pieces);
        assert_int_equal(rc, AULA_HTTP_PARSE_AGAIN);
    }
    assert_int_equal(got.len, 2000);
    assert_int_equal(aula_http_parser_body_total(p), 2000);
    /* ... a third one does not: the running total is checked, 413 as soon
     * as its size line ends, although the buffered limit was never hit
     * by any one piece. */
    assert_int_equal(feed_str(p, "3e8\r\n"), 413);
    aula_http_parser_destroy(p);

    /* A chunked stream within its limit completes, trailers dropped. */
    p = aula_http_parser_create(MAX_HEAD, MAX_BODY);
    aula_http_parser_head_events(p, true);
    assert_int_equal(
        feed_str(p, "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"),
        AULA_HTTP_PARSE_HEAD);
    assert_int_equal(aula_http_parser_body_mode(p, true, 3000), 0);
    aula_buf_reset(&got);
    pieces = 0;
    rc = drain_stream(p, feed_str(p, "5\r\nhello\r\n6\r\n world\r\n0\r\nX-T: 1\r\n\r\n"), &got,
                      &pieces);
    assert_int_equal(rc, AULA_HTTP_PARSE_COMPLETE);
    assert_int_equal(got.len, 11);
    assert_memory_equal(got.data, "hello world", 11);
    aula_http_parser_destroy(p);
    aula_buf_deinit(&got);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_get),
        cmocka_unit_test(test_bytewise_feed),
        cmocka_unit_test(test_started_tracks_first_byte),
        cmocka_unit_test(test_pipelined),
        cmocka_unit_test(test_content_length_body_split),
        cmocka_unit_test(test_chunked_body),
        cmocka_unit_test(test_invalid_chunk_size),
        cmocka_unit_test(test_smuggling_framing_rejected),
        cmocka_unit_test(test_header_limit),
        cmocka_unit_test(test_long_request_line),
        cmocka_unit_test(test_trailer_limit),
        cmocka_unit_test(test_body_limit_content_length),
        cmocka_unit_test(test_body_limit_chunked),
        cmocka_unit_test(test_chunk_framing_bounded),
        cmocka_unit_test(test_malformed),
        cmocka_unit_test(test_obs_fold_becomes_spaces),
        cmocka_unit_test(test_version_rules),
        cmocka_unit_test(test_upgrade_leftover),
        cmocka_unit_test(test_target_forms),
        cmocka_unit_test(test_expect_continue),
        cmocka_unit_test(test_many_headers_reused),
        cmocka_unit_test(test_head_events_buffered),
        cmocka_unit_test(test_stream_body_content_length),
        cmocka_unit_test(test_stream_body_chunked),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
