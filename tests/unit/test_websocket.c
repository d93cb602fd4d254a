/* Tests for the sans-IO WebSocket session (src/http/websocket.c): the test
 * plays the client, builds masked frames byte by byte, feeds them and
 * asserts on the callbacks and on the exact bytes the server writes.
 * Vectors from RFC 6455 sections 1.3 and 5.7. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/alloc.h"
#include "core/buf.h"
#include "core/error.h"
#include "http/websocket.h"

#define MAX_MSGS 16

/* What the callbacks saw. */
typedef struct rec {
    int n_msgs;
    int opcode[MAX_MSGS];
    aula_buf msg[MAX_MSGS];
    int n_pongs;
    int n_close;
    uint16_t close_code;
    char close_reason[128];
    /* Reentrancy test: what on_message does. */
    aula_ws *ws;
    bool reply_and_close;
} rec;

typedef struct fixture {
    rec r;
    aula_ws *ws;
    aula_buf out;  /* drained server output */
    aula_buf wire; /* client frames being built */
} fixture;

static void on_message(void *ud, int opcode, const char *data, size_t len)
{
    rec *r = ud;
    assert_true(r->n_msgs < MAX_MSGS);
    r->opcode[r->n_msgs] = opcode;
    aula_buf_init(&r->msg[r->n_msgs]);
    aula_buf_append(&r->msg[r->n_msgs], data, len);
    r->n_msgs++;
    if (r->reply_and_close) {
        assert_int_equal(aula_ws_send_text(r->ws, "re", 2), 0);
        assert_int_equal(aula_ws_close(r->ws, AULA_WS_CLOSE_NORMAL, "done"), 0);
        assert_int_equal(aula_ws_send_text(r->ws, "late", 4), AULA_ECLOSED);
    }
}

static void on_pong(void *ud)
{
    ((rec *)ud)->n_pongs++;
}

static void on_close(void *ud, uint16_t code, const char *reason)
{
    rec *r = ud;
    r->n_close++;
    r->close_code = code;
    snprintf(r->close_reason, sizeof(r->close_reason), "%s", reason);
}

static const aula_ws_cb callbacks = {on_message, on_pong, on_close};

static fixture *fx_new(size_t max)
{
    fixture *f = calloc(1, sizeof(*f));
    assert_non_null(f);
    f->ws = aula_ws_create(max, &callbacks, &f->r);
    f->r.ws = f->ws;
    aula_buf_init(&f->out);
    aula_buf_init(&f->wire);
    return f;
}

static int setup(void **state)
{
    *state = fx_new(65536);
    return 0;
}

static int teardown(void **state)
{
    fixture *f = *state;
    aula_ws_destroy(f->ws);
    for (int i = 0; i < f->r.n_msgs; i++)
        aula_buf_deinit(&f->r.msg[i]);
    aula_buf_deinit(&f->out);
    aula_buf_deinit(&f->wire);
    free(f);
    return 0;
}

static const uint8_t mask_key[4] = {0x37, 0xfa, 0x21, 0x3d};

/* Appends one client frame: head0 is FIN|RSV|opcode; the payload is masked
 * with the RFC's example key unless unmasked is set. */
static void frame_ex(aula_buf *b, uint8_t head0, const void *payload, size_t len, bool unmasked)
{
    uint8_t h[14];
    size_t n = 0;
    uint8_t m = unmasked ? 0 : 0x80;
    h[n++] = head0;
    if (len < 126) {
        h[n++] = m | (uint8_t)len;
    } else if (len < 65536) {
        h[n++] = m | 126;
        h[n++] = (uint8_t)(len >> 8);
        h[n++] = (uint8_t)len;
    } else {
        h[n++] = m | 127;
        for (int i = 7; i >= 0; i--)
            h[n++] = (uint8_t)((uint64_t)len >> (8 * i));
    }
    if (!unmasked) {
        memcpy(h + n, mask_key, 4);
        n += 4;
    }
    aula_buf_append(b, h, n);
    const uint8_t *p = payload;
    for (size_t i = 0; i < len; i++) {
        uint8_t c = unmasked ? p[i] : (uint8_t)(p[i] ^ mask_key[i % 4]);
        aula_buf_append(b, &c, 1);
    }
}

static void frame(aula_buf *b, uint8_t head0, const void *payload, size_t len)
{
    frame_ex(b, head0, payload, len, false);
}

static void close_frame(aula_buf *b, uint16_t code, const char *reason)
{
    uint8_t body[125];
    size_t n = strlen(reason);
    body[0] = (uint8_t)(code >> 8);
    body[1] = (uint8_t)code;
    memcpy(body + 2, reason, n);
    frame(b, 0x88, body, n + 2);
}

static int feed_wire(fixture *f)
{
    int r = aula_ws_feed(f->ws, f->wire.data, f->wire.len);
    aula_buf_reset(&f->wire);
    aula_ws_drain(f->ws, &f->out);
    return r;
}

static void assert_out(fixture *f, const void *expect, size_t len)
{
    assert_int_equal(f->out.len, len);
    assert_memory_equal(f->out.data, expect, len);
    aula_buf_reset(&f->out);
}

static void assert_msg(const fixture *f, int i, int opcode, const char *text, size_t len)
{
    assert_true(i < f->r.n_msgs);
    assert_int_equal(f->r.opcode[i], opcode);
    assert_int_equal(f->r.msg[i].len, len);
    assert_memory_equal(f->r.msg[i].data, text, len);
}

/* The session failed with code: the close frame went out, nothing else is
 * read, on_close reported it once, and the transport may close. */
static void assert_failed(fixture *f, uint16_t code, int rc)
{
    uint8_t expect[4] = {0x88, 0x02, (uint8_t)(code >> 8), (uint8_t)code};
    assert_int_equal(rc, AULA_ECLOSED);
    assert_out(f, expect, 4);
    assert_int_equal(f->r.n_close, 1);
    assert_int_equal(f->r.close_code, code);
    assert_true(aula_ws_finished(f->ws));
    assert_int_equal(aula_ws_feed(f->ws, "\x81\x80\0\0\0\0", 6), AULA_ECLOSED);
    assert_int_equal(aula_ws_send_text(f->ws, "x", 1), AULA_ECLOSED);
}

/* ---- RFC 6455 examples ---- */

static void test_accept_key_rfc_example(void **state)
{
    (void)state;
    char out[29];
    assert_int_equal(aula_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==", out), 0);
    assert_string_equal(out, "s3pPLMBiTxaQ9kYGzzhZRbK+xOo=");

    /* Not 16 bytes of base64. */
    assert_int_equal(aula_ws_accept_key("", out), AULA_EINVAL);
    assert_int_equal(aula_ws_accept_key(NULL, out), AULA_EINVAL);
    assert_int_equal(aula_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ=", out), AULA_EINVAL);
    assert_int_equal(aula_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ===", out), AULA_EINVAL);
    assert_int_equal(aula_ws_accept_key("dGhlIHNhbXBsZSBub25jZQAA", out), AULA_EINVAL);
    assert_int_equal(aula_ws_accept_key("dGhlIHNhbXBsZSBub25jZ!==", out), AULA_EINVAL);
    assert_int_equal(aula_ws_accept_key(" dGhlIHNhbXBsZSBub25jZQ==", out), AULA_EINVAL);
    assert_int_equal(aula_ws_accept_key("dGhlIHNhbXBsZSBub25jZQ==\r", out), AULA_EINVAL);
    /* 18 bytes ("ZGdoaWprbG1ub3BxcnN0dXZ3" is 24 characters too). */
    assert_int_equal(aula_ws_accept_key("ZGdoaWprbG1ub3BxcnN0dXZ3", out), AULA_EINVAL);
}

static void test_rfc_masked_hello(void **state)
{
    fixture *f = *state;
    static const uint8_t in[] = {0x81, 0x85, 0x37, 0xfa, 0x21, 0x3d, 0x7f, 0x9f, 0x4d, 0x51, 0x58};
    assert_int_equal(aula_ws_feed(f->ws, (const char *)in, sizeof(in)), 0);
    assert_int_equal(f->r.n_msgs, 1);
    assert_msg(f, 0, AULA_WS_TEXT, "Hello", 5);
    aula_ws_drain(f->ws, &f->out);
    assert_int_equal(f->out.len, 0);
    assert_false(aula_ws_finished(f->ws));
}

static void test_rfc_unmasked_hello_rejected(void **state)
{
    fixture *f = *state;
    /* A server must close on an unmasked client frame (section 5.1). */
    static const uint8_t in[] = {0x81, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    int rc = aula_ws_feed(f->ws, (const char *)in, sizeof(in));
    aula_ws_drain(f->ws, &f->out);
    assert_int_equal(f->r.n_msgs, 0);
    assert_failed(f, AULA_WS_CLOSE_PROTOCOL_ERROR, rc);
}

static void test_rfc_fragmented_masked(void **state)
{
    fixture *f = *state;
    frame(&f->wire, 0x01, "Hel", 3);
    frame(&f->wire, 0x80, "lo", 2);
    assert_int_equal(feed_wire(f), 0);
    assert_int_equal(f->r.n_msgs, 1);
    assert_msg(f, 0, AULA_WS_TEXT, "Hello", 5);
}

static void test_rfc_ping_pong(void **state)
{
    fixture *f = *state;
    frame(&f->wire, 0x89, "Hello", 5);
    assert_int_equal(feed_wire(f), 0);
    /* The pong echoes the payload, unmasked (section 5.7). */
    static const uint8_t pong[] = {0x8a, 0x05, 0x48, 0x65, 0x6c, 0x6c, 0x6f};
    assert_out(f, pong, sizeof(pong));
    assert_int_equal(f->r.n_msgs, 0);

    /* A pong from the client reaches on_pong and needs no answer. */
    frame(&f->wire, 0x8a, "Hello", 5);
    assert_int_equal(feed_wire(f), 0);
    assert_int_equal(f->r.n_pongs, 1);
    assert_int_equal(f->out.len, 0);

    /* Our own ping. */
    assert_int_equal(aula_ws_ping(f->ws), 0);
    aula_ws_drain(f->ws, &f->out);
    assert_out(f, "\x89\x00", 2);
}

static void test_rfc_length_encodings_received(void **state)
{
    fixture *f = *state;
    uint8_t *big = malloc(65536);
    assert_non_null(big);
    for (size_t i = 0; i < 65536; i++)
        big[i] = (uint8_t)(i * 7);

    frame(&f->wire, 0x82, big, 256);
    assert_memory_equal(f->wire.data, "\x82\xfe\x01\x00", 4);
    assert_int_equal(feed_wire(f), 0);
    frame(&f->wire, 0x82, big, 65536);
    assert_memory_equal(f->wire.data, "\x82\xff\x00\x00\x00\x00\x00\x01\x00\x00", 10);
    assert_int_equal(feed_wire(f), 0);

    assert_int_equal(f->r.n_msgs, 2);
    assert_msg(f, 0, AULA_WS_BINARY, (const char *)big, 256);
    assert_msg(f, 1, AULA_WS_BINARY, (const char *)big, 65536);
    free(big);
}

static void test_rfc_length_encodings_sent(void **state)
{
    fixture *f = *state;
    char *big = malloc(65536);
    assert_non_null(big);
    memset(big, 'a', 65536);
    static const struct {
        size_t len;
        const char *head;
        size_t head_len;
    } cases[] = {
        {0, "\x81\x00", 2},
        {125, "\x81\x7d", 2},
        {126, "\x81\x7e\x00\x7e", 4},
        {256, "\x81\x7e\x01\x00", 4},
        {65535, "\x81\x7e\xff\xff", 4},
        {65536, "\x81\x7f\x00\x00\x00\x00\x00\x01\x00\x00", 10},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(aula_ws_send_text(f->ws, big, cases[i].len), 0);
        aula_ws_drain(f->ws, &f->out);
        assert_int_equal(f->out.len, cases[i].head_len + cases[i].len);
        assert_memory_equal(f->out.data, cases[i].head, cases[i].head_len);
        assert_memory_equal(f->out.data + cases[i].head_len, big, cases[i].len);
        aula_buf_reset(&f->out);
    }
    assert_int_equal(aula_ws_send_binary(f->ws, "\x00\x01", 2), 0);
    aula_ws_drain(f->ws, &f->out);
    assert_out(f, "\x82\x02\x00\x01", 4);
    free(big);
}

/* ---- Fragmentation and limits ---- */

static void test_fragments_with_interleaved_ping(void **state)
{
    fixture *f = *state;
    frame(&f->wire, 0x01, "Hel", 3);
    frame(&f->wire, 0x89, "x", 1);
    frame(&f->wire, 0x00, "l", 1);
    frame(&f->wire, 0x8a, "", 0);
    frame(&f->wire, 0x80, "o", 1);
    assert_int_equal(feed_wire(f), 0);
    assert_out(f, "\x8a\x01x", 3);
    assert_int_equal(f->r.n_pongs, 1);
    assert_int_equal(f->r.n_msgs, 1);
    assert_msg(f, 0, AULA_WS_TEXT, "Hello", 5);
}

static void test_message_too_big(void **state)
{
    fixture *f = *state;
    aula_ws_destroy(f->ws);
    f->ws = aula_ws_create(16, &callbacks, &f->r);

    frame(&f->wire, 0x81, "0123456789abcdef", 16);
    assert_int_equal(feed_wire(f), 0);
    assert_int_equal(f->r.n_msgs, 1);

    /* 17 bytes: refused with the first payload byte, before the rest of
     * the frame is buffered. */
    frame(&f->wire, 0x81, "0123456789abcdefg", 17);
    f->wire.len = 7;
    assert_failed(f, AULA_WS_CLOSE_TOO_BIG, feed_wire(f));
    assert_int_equal(f->r.n_msgs, 1);
}

static void test_fragmented_message_too_big(void **state)
{
    fixture *f = *state;
    aula_ws_destroy(f->ws);
    f->ws = aula_ws_create(16, &callbacks, &f->r);
    frame(&f->wire, 0x01, "0123456789", 10);
    frame(&f->wire, 0x80, "0123456789", 10);
    assert_failed(f, AULA_WS_CLOSE_TOO_BIG, feed_wire(f));
    assert_int_equal(f->r.n_msgs, 0);
}

/* ---- UTF-8 ---- */

static void expect_utf8_failure(void **state, const char *frag1, size_t len1, const char *frag2,
                                size_t len2)
{
    fixture *f = *state;
    if (frag2) {
        frame(&f->wire, 0x01, frag1, len1);
        frame(&f->wire, 0x80, frag2, len2);
    } else {
        frame(&f->wire, 0x81, frag1, len1);
    }
    assert_failed(f, AULA_WS_CLOSE_INVALID_DATA, feed_wire(f));
    assert_int_equal(f->r.n_msgs, 0);
}

static void test_utf8_split_valid(void **state)
{
    fixture *f = *state;
    /* U+20AC (E2 82 AC) and U+1F600 (F0 9F 98 80) cut across fragments. */
    frame(&f->wire, 0x01, "a\xe2", 2);
    frame(&f->wire, 0x00, "\x82\xac\xf0\x9f", 4);
    frame(&f->wire, 0x80, "\x98\x80", 2);
    assert_int_equal(feed_wire(f), 0);
    assert_msg(f, 0, AULA_WS_TEXT, "a\xe2\x82\xac\xf0\x9f\x98\x80", 8);
}

static void test_utf8_invalid_byte(void **state)
{
    expect_utf8_failure(state, "ab\xff", 3, NULL, 0);
}

static void test_utf8_invalid_across_fragments(void **state)
{
    /* Each fragment alone could be a prefix; together they are not. */
    expect_utf8_failure(state, "ok\xe2\x82", 4, "x", 1);
}

static void test_utf8_truncated_at_end(void **state)
{
    expect_utf8_failure(state, "ok", 2, "\xe2\x82", 2);
}

static void test_utf8_overlong(void **state)
{
    expect_utf8_failure(state, "\xc0\xaf", 2, NULL, 0);
}

static void test_utf8_overlong_3byte(void **state)
{
    expect_utf8_failure(state, "\xe0\x80\xaf", 3, NULL, 0);
}

static void test_utf8_surrogate(void **state)
{
    expect_utf8_failure(state, "\xed\xa0\x80", 3, NULL, 0);
}

static void test_utf8_above_max(void **state)
{
    expect_utf8_failure(state, "\xf4\x90\x80\x80", 4, NULL, 0);
}

static void test_binary_not_checked(void **state)
{
    fixture *f = *state;
    frame(&f->wire, 0x82, "\xff\xfe", 2);
    assert_int_equal(feed_wire(f), 0);
    assert_msg(f, 0, AULA_WS_BINARY, "\xff\xfe", 2);
}

static void test_utf8_valid_function(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        bool ok;
    } cases[] = {
        {"", true},
        {"plain ASCII text, long enough for the fast path", true},
        {"Cze\xc5\x9b\xc4\x87", true},
        {"\xef\xbb\xbf", true},
        {"\xf4\x8f\xbf\xbf", true},  /* U+10FFFF */
        {"\xed\x9f\xbf", true},      /* U+D7FF */
        {"\xee\x80\x80", true},      /* U+E000 */
        {"\xc2\x80", true},          /* U+0080 */
        {"\xc1\xbf", false},         /* overlong U+007F */
        {"\xe0\x9f\xbf", false},     /* overlong U+07FF */
        {"\xf0\x8f\xbf\xbf", false}, /* overlong U+FFFF */
        {"\xed\xbf\xbf", false},     /* surrogate */
        {"\xf4\x90\x80\x80", false}, /* U+110000 */
        {"\xf5\x80\x80\x80", false},
        {"\x80", false},
        {"abcdefgh\xc3", false}, /* truncated after the fast path */
        {"\xe2\x28\xa1", false},
        {"\xf0\x9f\x98", false},
        {"12345678\xf0\x9f\x98\x80zz", true},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        assert_int_equal(aula_utf8_valid(cases[i].s, strlen(cases[i].s)), cases[i].ok);
    assert_true(aula_utf8_valid("a\0b", 3));
}

/* ---- Protocol errors ---- */

static void expect_proto_error(void **state, const void *bytes, size_t len)
{
    fixture *f = *state;
    aula_buf_append(&f->wire, bytes, len);
    assert_failed(f, AULA_WS_CLOSE_PROTOCOL_ERROR, feed_wire(f));
    assert_int_equal(f->r.n_msgs, 0);
}

/* Starts the test over with a fresh session. */
static void reset(void **state)
{
    teardown(state);
    setup(state);
}

static void test_reserved_bits(void **state)
{
    static const uint8_t heads[] = {0xc1, 0xa1, 0x91, 0xf1};
    for (size_t i = 0; i < sizeof(heads); i++) {
        aula_buf b;
        aula_buf_init(&b);
        frame(&b, heads[i], "Hello", 5);
        expect_proto_error(state, b.data, b.len);
        aula_buf_deinit(&b);
        reset(state);
    }
}

static void test_reserved_opcode(void **state)
{
    aula_buf b;
    aula_buf_init(&b);
    frame(&b, 0x83, "x", 1);
    expect_proto_error(state, b.data, b.len);
    aula_buf_deinit(&b);
}

static void test_continuation_without_start(void **state)
{
    aula_buf b;
    aula_buf_init(&b);
    frame(&b, 0x80, "x", 1);
    expect_proto_error(state, b.data, b.len);
    aula_buf_deinit(&b);
}

static void test_new_message_inside_fragmented(void **state)
{
    aula_buf b;
    aula_buf_init(&b);
    frame(&b, 0x01, "a", 1);
    frame(&b, 0x81, "b", 1);
    expect_proto_error(state, b.data, b.len);
    aula_buf_deinit(&b);
}

static void test_control_frame_too_long(void **state)
{
    char payload[126];
    memset(payload, 'p', sizeof(payload));
    aula_buf b;
    aula_buf_init(&b);
    frame(&b, 0x89, payload, sizeof(payload));
    expect_proto_error(state, b.data, b.len);
    aula_buf_deinit(&b);
}

static void test_control_frame_fragmented(void **state)
{
    aula_buf b;
    aula_buf_init(&b);
    frame(&b, 0x09, "x", 1);
    expect_proto_error(state, b.data, b.len);
    aula_buf_deinit(&b);
}

static void test_close_with_one_byte_body(void **state)
{
    aula_buf b;
    aula_buf_init(&b);
    frame(&b, 0x88, "\x03", 1);
    expect_proto_error(state, b.data, b.len);
    aula_buf_deinit(&b);
}

static void test_close_with_invalid_code(void **state)
{
    /* 1004-1006 are reserved and never sent; the rest lie outside the
     * ranges of section 7.4. */
    static const uint16_t codes[] = {1004, 1005, 1006, 999, 1016, 2999, 5000};
    for (size_t i = 0; i < sizeof(codes) / sizeof(codes[0]); i++) {
        aula_buf b;
        aula_buf_init(&b);
        close_frame(&b, codes[i], "");
        expect_proto_error(state, b.data, b.len);
        aula_buf_deinit(&b);
        reset(state);
    }
}

static void test_non_minimal_lengths(void **state)
{
    /* 5 bytes in the 16-bit form, then 300 bytes in the 64-bit form. */
    static const uint8_t short16[] = {0x81, 0xfe, 0x00, 0x05, 0, 0, 0, 0, 'a', 'b', 'c', 'd', 'e'};
    expect_proto_error(state, short16, sizeof(short16));
    reset(state);
    static const uint8_t short64[] = {0x82, 0xff, 0, 0, 0, 0, 0, 0, 0x01, 0x2c, 0, 0, 0, 0};
    expect_proto_error(state, short64, sizeof(short64));
    reset(state);
    static const uint8_t top_bit[] = {0x82, 0xff, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    expect_proto_error(state, top_bit, sizeof(top_bit));
}

static void test_messages_before_bad_frame_are_delivered(void **state)
{
    fixture *f = *state;
    frame(&f->wire, 0x81, "first", 5);
    frame(&f->wire, 0x89, "", 0);
    aula_buf_append(&f->wire, "\x89\xfe\x00\x7e", 4);
    int rc = feed_wire(f);
    assert_int_equal(rc, AULA_ECLOSED);
    assert_msg(f, 0, AULA_WS_TEXT, "first", 5);
    /* The pong for the good ping, then the close. */
    assert_out(f, "\x8a\x00\x88\x02\x03\xea", 6);
    assert_int_equal(f->r.close_code, AULA_WS_CLOSE_PROTOCOL_ERROR);
}

/* ---- Close handshake ---- */

static void test_client_initiated_close(void **state)
{
    fixture *f = *state;
    close_frame(&f->wire, 1000, "bye");
    assert_int_equal(feed_wire(f), AULA_ECLOSED);
    assert_int_equal(f->r.n_close, 1);
    assert_int_equal(f->r.close_code, 1000);
    assert_string_equal(f->r.close_reason, "bye");
    /* The echo carries the same code (section 5.5.1). */
    assert_out(f,
               "\x88\x05\x03\xe8"
               "bye",
               7);
    assert_true(aula_ws_finished(f->ws));
    assert_int_equal(aula_ws_send_text(f->ws, "x", 1), AULA_ECLOSED);
    assert_int_equal(aula_ws_ping(f->ws), AULA_ECLOSED);
    assert_int_equal(aula_ws_close(f->ws, 1000, NULL), AULA_ECLOSED);
    assert_int_equal(aula_ws_feed(f->ws, "\x81", 1), AULA_ECLOSED);
    assert_int_equal(f->r.n_close, 1);
}

static void test_client_close_without_code(void **state)
{
    fixture *f = *state;
    frame(&f->wire, 0x88, "", 0);
    assert_int_equal(feed_wire(f), AULA_ECLOSED);
    assert_int_equal(f->r.close_code, 1005);
    assert_string_equal(f->r.close_reason, "");
    assert_out(f, "\x88\x00", 2);
    assert_true(aula_ws_finished(f->ws));
}

static void test_server_initiated_close(void **state)
{
    fixture *f = *state;
    assert_int_equal(aula_ws_close(f->ws, AULA_WS_CLOSE_GOING_AWAY, "going away"), 0);
    aula_ws_drain(f->ws, &f->out);
    assert_out(f,
               "\x88\x0c\x03\xe9"
               "going away",
               14);
    assert_false(aula_ws_finished(f->ws));
    assert_int_equal(aula_ws_close(f->ws, 1000, NULL), AULA_ECLOSED);
    assert_int_equal(aula_ws_send_text(f->ws, "x", 1), AULA_ECLOSED);

    /* Data the client sent before reading our close is dropped; a ping gets
     * no pong after our close. */
    frame(&f->wire, 0x81, "late", 4);
    frame(&f->wire, 0x89, "", 0);
    assert_int_equal(feed_wire(f), 0);
    assert_int_equal(f->r.n_msgs, 0);
    assert_int_equal(f->out.len, 0);
    assert_false(aula_ws_finished(f->ws));

    close_frame(&f->wire, 1001, "");
    assert_int_equal(feed_wire(f), AULA_ECLOSED);
    assert_int_equal(f->out.len, 0);
    assert_int_equal(f->r.n_close, 1);
    assert_int_equal(f->r.close_code, 1001);
    assert_true(aula_ws_finished(f->ws));
}

static void test_not_finished_until_drained(void **state)
{
    fixture *f = *state;
    close_frame(&f->wire, 1000, "");
    assert_int_equal(aula_ws_feed(f->ws, f->wire.data, f->wire.len), AULA_ECLOSED);
    assert_false(aula_ws_finished(f->ws));
    aula_ws_drain(f->ws, &f->out);
    assert_true(aula_ws_finished(f->ws));
}

static void test_close_reason_truncated(void **state)
{
    fixture *f = *state;
    /* 61 two-byte characters and a lone "a" in front make 123 bytes; one
     * more character would split at 123. */
    char reason[256] = "a";
    for (int i = 0; i < 80; i++)
        strcat(reason, "\xc5\x9b");
    assert_int_equal(aula_ws_close(f->ws, 1000, reason), 0);
    aula_ws_drain(f->ws, &f->out);
    assert_int_equal((uint8_t)f->out.data[1], 2 + 123);
    assert_true(aula_utf8_valid(f->out.data + 4, 123));

    aula_ws_destroy(f->ws);
    f->ws = aula_ws_create(1024, &callbacks, &f->r);
    aula_buf_reset(&f->out);
    reason[0] = '\xc5';
    reason[1] = '\x9b';
    reason[2] = '\0';
    for (int i = 0; i < 80; i++)
        strcat(reason, "\xc5\x9b");
    assert_int_equal(aula_ws_close(f->ws, 1000, reason), 0);
    aula_ws_drain(f->ws, &f->out);
    assert_int_equal((uint8_t)f->out.data[1], 2 + 122);
    assert_true(aula_utf8_valid(f->out.data + 4, 122));
}

static void test_close_reason_invalid_utf8(void **state)
{
    fixture *f = *state;
    close_frame(&f->wire, 1000, "\xff");
    assert_failed(f, AULA_WS_CLOSE_INVALID_DATA, feed_wire(f));
}

/* ---- Delivery ---- */

/* One stream of frames covering every kind of input. */
static void build_mixed(aula_buf *b)
{
    char big[300];
    memset(big, 'z', sizeof(big));
    frame(b, 0x81, "one", 3);
    frame(b, 0x01, "t\xc3", 2);
    frame(b, 0x89, "pp", 2);
    frame(b, 0x80, "\xb3wo", 3);
    frame(b, 0x82, big, sizeof(big));
    frame(b, 0x8a, "", 0);
    close_frame(b, 4000, "app");
}

static void check_mixed(fixture *f)
{
    char big[300];
    memset(big, 'z', sizeof(big));
    assert_int_equal(f->r.n_msgs, 3);
    assert_msg(f, 0, AULA_WS_TEXT, "one", 3);
    assert_msg(f, 1, AULA_WS_TEXT, "t\xc3\xb3wo", 5);
    assert_msg(f, 2, AULA_WS_BINARY, big, sizeof(big));
    assert_int_equal(f->r.n_pongs, 1);
    assert_int_equal(f->r.n_close, 1);
    assert_int_equal(f->r.close_code, 4000);
    assert_string_equal(f->r.close_reason, "app");
    assert_out(f,
               "\x8a\x02pp\x88\x05\x0f\xa0"
               "app",
               11);
    assert_true(aula_ws_finished(f->ws));
}

static void test_mixed_all_at_once(void **state)
{
    fixture *f = *state;
    build_mixed(&f->wire);
    assert_int_equal(feed_wire(f), AULA_ECLOSED);
    check_mixed(f);
}

static void test_mixed_byte_by_byte(void **state)
{
    fixture *f = *state;
    aula_buf b;
    aula_buf_init(&b);
    build_mixed(&b);
    for (size_t i = 0; i < b.len; i++) {
        int rc = aula_ws_feed(f->ws, b.data + i, 1);
        assert_int_equal(rc, i + 1 == b.len ? AULA_ECLOSED : 0);
        aula_ws_drain(f->ws, &f->out);
    }
    check_mixed(f);
    aula_buf_deinit(&b);
}

static void test_bad_header_byte_by_byte(void **state)
{
    fixture *f = *state;
    aula_buf b;
    aula_buf_init(&b);
    frame(&b, 0x81, "ok", 2);
    aula_buf_append(&b, "\x81\xfe\x00\x05", 4);
    int rc = 0;
    for (size_t i = 0; i < b.len && rc == 0; i++)
        rc = aula_ws_feed(f->ws, b.data + i, 1);
    aula_ws_drain(f->ws, &f->out);
    assert_msg(f, 0, AULA_WS_TEXT, "ok", 2);
    assert_failed(f, AULA_WS_CLOSE_PROTOCOL_ERROR, rc);
    aula_buf_deinit(&b);
}

static void test_reply_and_close_from_callback(void **state)
{
    fixture *f = *state;
    f->r.reply_and_close = true;
    frame(&f->wire, 0x81, "q1", 2);
    frame(&f->wire, 0x81, "q2", 2);
    assert_int_equal(feed_wire(f), 0);
    /* Only q1 is acted on; the reply precedes the close on the wire. */
    assert_int_equal(f->r.n_msgs, 1);
    assert_out(f,
               "\x81\x02re\x88\x06\x03\xe8"
               "done",
               12);
    assert_false(aula_ws_finished(f->ws));
    close_frame(&f->wire, 1000, "");
    assert_int_equal(feed_wire(f), AULA_ECLOSED);
    assert_true(aula_ws_finished(f->ws));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_accept_key_rfc_example),
        cmocka_unit_test(test_utf8_valid_function),
#define T(name) cmocka_unit_test_setup_teardown(name, setup, teardown)
        T(test_rfc_masked_hello),
        T(test_rfc_unmasked_hello_rejected),
        T(test_rfc_fragmented_masked),
        T(test_rfc_ping_pong),
        T(test_rfc_length_encodings_received),
        T(test_rfc_length_encodings_sent),
        T(test_fragments_with_interleaved_ping),
        T(test_message_too_big),
        T(test_fragmented_message_too_big),
        T(test_utf8_split_valid),
        T(test_utf8_invalid_byte),
        T(test_utf8_invalid_across_fragments),
        T(test_utf8_truncated_at_end),
        T(test_utf8_overlong),
        T(test_utf8_overlong_3byte),
        T(test_utf8_surrogate),
        T(test_utf8_above_max),
        T(test_binary_not_checked),
        T(test_reserved_bits),
        T(test_reserved_opcode),
        T(test_continuation_without_start),
        T(test_new_message_inside_fragmented),
        T(test_control_frame_too_long),
        T(test_control_frame_fragmented),
        T(test_close_with_one_byte_body),
        T(test_close_with_invalid_code),
        T(test_non_minimal_lengths),
        T(test_messages_before_bad_frame_are_delivered),
        T(test_client_initiated_close),
        T(test_client_close_without_code),
        T(test_server_initiated_close),
        T(test_not_finished_until_drained),
        T(test_close_reason_truncated),
        T(test_close_reason_invalid_utf8),
        T(test_mixed_all_at_once),
        T(test_mixed_byte_by_byte),
        T(test_bad_header_byte_by_byte),
        T(test_reply_and_close_from_callback),
#undef T
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
