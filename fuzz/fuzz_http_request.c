/* libFuzzer target for the HTTP request parser (src/http/http_request.c).
 *
 * Input layout: byte 0 picks the head limit, byte 1 the body limit, bytes
 * 2..5 seed the split points; the rest is the byte stream, fed in pieces of
 * 1..64 bytes so that every state is also entered across a feed boundary.
 * Every completed request is checked against the parser's contract; errors
 * must be one of the documented statuses and sticky. */
#include "http/http_request.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define CHECK(cond)                                                                                \
    do {                                                                                           \
        if (!(cond))                                                                               \
            abort();                                                                               \
    } while (0)

static void check_message(const aula_http_message *m, size_t max_head, size_t max_body)
{
    CHECK(m != NULL);
    CHECK(m->method && m->target && m->path && m->query && m->body);
    CHECK(m->path[0] != '\0');
    CHECK(m->body_len <= max_body);
    CHECK(m->body[m->body_len] == '\0');
    CHECK(m->http_major == 1);
    size_t head = strlen(m->method) + strlen(m->target);
    for (size_t i = 0; i < m->n_headers; i++) {
        CHECK(m->headers[i].name && m->headers[i].value);
        CHECK(m->headers[i].name[0] != '\0');
        CHECK(strpbrk(m->headers[i].value, "\r\n") == NULL);
        head += strlen(m->headers[i].name) + strlen(m->headers[i].value);
    }
    CHECK(head <= max_head);
    /* Lookups go through the same strings. */
    if (m->n_headers)
        CHECK(aula_http_message_header(m, m->headers[0].name) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 6)
        return 0;
    size_t max_head = 32 + (size_t)data[0] * 64;
    size_t max_body = 1 + (size_t)data[1] * 16;
    uint32_t seed = (uint32_t)data[2] | (uint32_t)data[3] << 8 | (uint32_t)data[4] << 16 |
                    (uint32_t)data[5] << 24;
    seed |= 1;
    data += 6;
    size -= 6;

    aula_http_parser *p = aula_http_parser_create(max_head, max_body);
    size_t off = 0;
    int done = 0;
    while (off < size && !done) {
        seed ^= seed << 13;
        seed ^= seed >> 17;
        seed ^= seed << 5;
        size_t n = 1 + seed % 64;
        if (n > size - off)
            n = size - off;
        int rc = aula_http_parser_feed(p, (const char *)data + off, n);
        off += n;
        while (rc == AULA_HTTP_PARSE_COMPLETE) {
            const aula_http_message *m = aula_http_parser_message(p);
            check_message(m, max_head, max_body);
            CHECK(!aula_http_parser_started(p));
            size_t left;
            const char *rest = aula_http_parser_buffered(p, &left);
            CHECK(rest != NULL);
            if (m->upgrade) {
                done = 1;
                break;
            }
            rc = aula_http_parser_feed(p, NULL, 0);
        }
        if (done)
            break;
        if (rc != AULA_HTTP_PARSE_AGAIN) {
            CHECK(rc == 400 || rc == 413 || rc == 431 || rc == 505);
            CHECK(aula_http_parser_message(p) == NULL);
            CHECK(aula_http_parser_feed(p, "x", 1) == rc);
            done = 1;
        } else {
            CHECK(aula_http_parser_message(p) == NULL);
            (void)aula_http_parser_take_continue(p);
        }
    }
    aula_http_parser_destroy(p);
    return 0;
}
