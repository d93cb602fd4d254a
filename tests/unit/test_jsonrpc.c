/* Tests for JSON-RPC 2.0 dispatch (src/http/jsonrpc.c). Responses are
 * compared as exact text: the output is compact and keeps member order, and
 * clients see exactly these bytes. Examples from the specification's
 * section 7 are included, adapted to this table of methods. */
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
#include "http/jsonrpc.h"
#include "http/websocket.h"

typedef struct ctx {
    int calls;
} ctx;

static json_t *m_echo(void *c, json_t *params, aula_rpc_error *err)
{
    (void)err;
    ((ctx *)c)->calls++;
    return params ? json_incref(params) : json_null();
}

static json_t *m_subtract(void *c, json_t *params, aula_rpc_error *err)
{
    ((ctx *)c)->calls++;
    json_t *a = json_array_get(params, 0);
    json_t *b = json_array_get(params, 1);
    if (!json_is_array(params) || json_array_size(params) != 2 || !json_is_integer(a) ||
        !json_is_integer(b))
        return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "params must be [integer, integer]");
    return json_integer(json_integer_value(a) - json_integer_value(b));
}

static json_t *m_join(void *c, json_t *params, aula_rpc_error *err)
{
    ((ctx *)c)->calls++;
    const char *room = json_string_value(json_object_get(params, "room"));
    return aula_rpc_fail(err, AULA_RPC_ROOM_NOT_FOUND, "room %s not found", room ? room : "?");
}

static json_t *m_broken(void *c, json_t *params, aula_rpc_error *err)
{
    (void)params;
    (void)err;
    ((ctx *)c)->calls++;
    return NULL;
}

static json_t *m_long_error(void *c, json_t *params, aula_rpc_error *err)
{
    (void)params;
    ((ctx *)c)->calls++;
    char text[601] = "";
    for (int i = 0; i < 300; i++)
        strcat(text, "\xc5\x9b");
    return aula_rpc_fail(err, AULA_RPC_FORBIDDEN, "%s", text);
}

static json_t *m_bad_utf8_error(void *c, json_t *params, aula_rpc_error *err)
{
    (void)params;
    ((ctx *)c)->calls++;
    return aula_rpc_fail(err, AULA_RPC_STORE_FAILED, "bad \xff byte");
}

static const aula_rpc_method methods[] = {
    {"echo", m_echo},     {"subtract", m_subtract},     {"room.join", m_join},
    {"broken", m_broken}, {"long_error", m_long_error}, {"bad_utf8_error", m_bad_utf8_error},
};

static char *call(ctx *c, const char *text)
{
    return aula_rpc_handle(methods, sizeof(methods) / sizeof(methods[0]), c, text, strlen(text));
}

static void expect(const char *request, const char *response)
{
    ctx c = {0};
    char *got = call(&c, request);
    if (!response) {
        assert_null(got);
        return;
    }
    assert_non_null(got);
    assert_string_equal(got, response);
    aula_free(got);
}

/* For answers whose message text comes from jansson: checks code and id. */
static void expect_error(const char *request, int code)
{
    ctx c = {0};
    char *got = call(&c, request);
    assert_non_null(got);
    json_t *resp = json_loads(got, 0, NULL);
    assert_non_null(resp);
    assert_string_equal(json_string_value(json_object_get(resp, "jsonrpc")), "2.0");
    assert_true(json_is_null(json_object_get(resp, "id")));
    json_t *error = json_object_get(resp, "error");
    assert_int_equal(json_integer_value(json_object_get(error, "code")), code);
    assert_true(json_is_string(json_object_get(error, "message")));
    assert_int_equal(c.calls, 0);
    json_decref(resp);
    aula_free(got);
}

#define INVALID(id, why)                                                                           \
    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":\"Invalid Request: " why          \
    "\"},\"id\":" id "}"

static void test_parse_error(void **state)
{
    (void)state;
    expect_error("{\"jsonrpc\": \"2.0\", \"method\": \"foobar, \"params\": \"bar\", \"baz]",
                 AULA_RPC_PARSE_ERROR);
    expect_error("[{\"jsonrpc\": \"2.0\", \"method\": \"echo\", \"id\": \"1\"},"
                 "{\"jsonrpc\": \"2.0\", \"method\"]",
                 AULA_RPC_PARSE_ERROR);
    expect_error("", AULA_RPC_PARSE_ERROR);
    expect_error("   ", AULA_RPC_PARSE_ERROR);
    expect_error("{} {}", AULA_RPC_PARSE_ERROR);
    expect_error("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1,\"id\":2}",
                 AULA_RPC_PARSE_ERROR);
    /* U+0000 is valid JSON: a method name holding it names no method, not
     * even the one its first bytes spell. */
    ctx nul = {0};
    char *reply = call(&nul, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\\u0000x\",\"id\":1}");
    assert_non_null(strstr(reply, "\"code\":-32601"));
    assert_int_equal(nul.calls, 0);
    aula_free(reply);

    ctx c = {0};
    char *got = aula_rpc_handle(methods, 1, &c, "{\"a\":\0}", 7);
    assert_non_null(got);
    assert_non_null(strstr(got, "\"code\":-32700"));
    aula_free(got);
}

static void test_invalid_request_shapes(void **state)
{
    (void)state;
    expect("1", INVALID("null", "not an object"));
    expect("\"x\"", INVALID("null", "not an object"));
    expect("null", INVALID("null", "not an object"));
    /* The specification's own example: no id, still answered. */
    expect("{\"jsonrpc\": \"2.0\", \"method\": 1, \"params\": \"bar\"}",
           INVALID("null", "\\\"method\\\" must be a string"));
    expect("{\"jsonrpc\":\"1.0\",\"method\":\"echo\",\"id\":1}",
           INVALID("1", "\\\"jsonrpc\\\" must be \\\"2.0\\\""));
    expect("{\"jsonrpc\":2.0,\"method\":\"echo\",\"id\":1}",
           INVALID("1", "\\\"jsonrpc\\\" must be \\\"2.0\\\""));
    expect("{\"method\":\"echo\",\"id\":\"a\"}",
           INVALID("\"a\"", "\\\"jsonrpc\\\" must be \\\"2.0\\\""));
    expect("{\"jsonrpc\":\"2.0\",\"id\":3}", INVALID("3", "\\\"method\\\" must be a string"));
    expect("{\"jsonrpc\":\"2.0\",\"method\":null,\"id\":3}",
           INVALID("3", "\\\"method\\\" must be a string"));
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":\"bar\",\"id\":2}",
           INVALID("2", "\\\"params\\\" must be an object or an array"));
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":null,\"id\":2}",
           INVALID("2", "\\\"params\\\" must be an object or an array"));
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":7}",
           INVALID("null", "\\\"params\\\" must be an object or an array"));
    /* An id of the wrong type is not echoed. */
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":{}}",
           INVALID("null", "\\\"id\\\" must be a string, a number or null"));
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":[1]}",
           INVALID("null", "\\\"id\\\" must be a string, a number or null"));
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":true}",
           INVALID("null", "\\\"id\\\" must be a string, a number or null"));
}

static void test_method_not_found(void **state)
{
    (void)state;
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":\"a\"}",
           "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"Method not found: "
           "nope\"},\"id\":\"a\"}");
    /* Names are compared whole, not as prefixes. */
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"ech\",\"id\":1}",
           "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"Method not found: "
           "ech\"},\"id\":1}");
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo2\",\"id\":1}",
           "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"Method not found: "
           "echo2\"},\"id\":1}");

    /* A long name is cut at a character boundary in the message. */
    char req[512] = "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"a";
    for (int i = 0; i < 100; i++)
        strcat(req, "\xc5\x9b");
    strcat(req, "\"}");
    ctx c = {0};
    char *got = call(&c, req);
    json_t *resp = json_loads(got, 0, NULL);
    const char *msg = json_string_value(json_object_get(json_object_get(resp, "error"), "message"));
    assert_non_null(msg);
    assert_int_equal(strncmp(msg, "Method not found: a\xc5\x9b", 21), 0);
    assert_int_equal(strlen(msg), strlen("Method not found: ") + 63 + 3);
    assert_string_equal(msg + strlen(msg) - 3, "...");
    json_decref(resp);
    aula_free(got);
}

static void test_result(void **state)
{
    (void)state;
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"subtract\",\"params\":[42,23],\"id\":1}",
           "{\"jsonrpc\":\"2.0\",\"result\":19,\"id\":1}");
    /* Members in any order; no params reaches the method as NULL. */
    expect("{\"id\":\"q\",\"method\":\"echo\",\"jsonrpc\":\"2.0\"}",
           "{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":\"q\"}");
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"s\":\"Cze\xc5\x9b\xc4\x87\"},"
           "\"id\":2}",
           "{\"jsonrpc\":\"2.0\",\"result\":{\"s\":\"Cze\xc5\x9b\xc4\x87\"},\"id\":2}");
}

static void test_errors_from_methods(void **state)
{
    (void)state;
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"subtract\",\"params\":[\"a\"],\"id\":7}",
           "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32602,\"message\":\"params must be "
           "[integer, integer]\"},\"id\":7}");
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"room.join\",\"params\":{\"room\":\"x\"},\"id\":8}",
           "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32002,\"message\":\"room x not found\"},"
           "\"id\":8}");
    /* A method that fails without saying why is an internal error. */
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"broken\",\"id\":9}",
           "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32603,\"message\":\"Internal error\"},"
           "\"id\":9}");
    /* A message that is not UTF-8 falls back to the standard wording. */
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"bad_utf8_error\",\"id\":10}",
           "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32005,\"message\":\"Storage failed\"},"
           "\"id\":10}");
}

static void test_fail_truncates_on_character_boundary(void **state)
{
    (void)state;
    aula_rpc_error err;
    assert_null(aula_rpc_fail(&err, AULA_RPC_FORBIDDEN, "x%s", "\xc5\x9b\xc5\x9b"));
    assert_int_equal(err.code, AULA_RPC_FORBIDDEN);
    assert_string_equal(err.message, "x\xc5\x9b\xc5\x9b");

    ctx c = {0};
    char *got = call(&c, "{\"jsonrpc\":\"2.0\",\"method\":\"long_error\",\"id\":1}");
    json_t *resp = json_loads(got, 0, NULL);
    json_t *error = json_object_get(resp, "error");
    assert_int_equal(json_integer_value(json_object_get(error, "code")), AULA_RPC_FORBIDDEN);
    const char *msg = json_string_value(json_object_get(error, "message"));
    assert_non_null(msg);
    /* vsnprintf keeps 255 bytes: 127 two-byte characters and half of the
     * 128th, which is dropped. */
    assert_int_equal(strlen(msg), 254);
    assert_true(aula_utf8_valid(msg, strlen(msg)));
    json_decref(resp);
    aula_free(got);
}

static void test_notifications_get_no_response(void **state)
{
    (void)state;
    ctx c = {0};
    assert_null(call(&c, "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[1]}"));
    assert_int_equal(c.calls, 1);
    /* Not even for errors the method or the dispatch reports. */
    assert_null(call(&c, "{\"jsonrpc\":\"2.0\",\"method\":\"subtract\",\"params\":[]}"));
    assert_null(call(&c, "{\"jsonrpc\":\"2.0\",\"method\":\"broken\"}"));
    assert_null(call(&c, "{\"jsonrpc\":\"2.0\",\"method\":\"nope\"}"));
    assert_int_equal(c.calls, 3);
}

static void test_id_types_preserved(void **state)
{
    (void)state;
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":\"abc\"}",
           "{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":\"abc\"}");
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":42}",
           "{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":42}");
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":-7}",
           "{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":-7}");
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1.5}",
           "{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":1.5}");
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":9007199254740993}",
           "{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":9007199254740993}");
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":\"\"}",
           "{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":\"\"}");
    /* A null id is a request, not a notification. */
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":null}",
           "{\"jsonrpc\":\"2.0\",\"result\":null,\"id\":null}");
    expect("{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":null}",
           "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"Method not found: "
           "nope\"},\"id\":null}");
}

static void test_batch_mixed(void **state)
{
    (void)state;
    ctx c = {0};
    char *got =
        call(&c, "["
                 "{\"jsonrpc\":\"2.0\",\"method\":\"subtract\",\"params\":[3,1],\"id\":\"1\"},"
                 "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[7]},"
                 "{\"jsonrpc\":\"2.0\",\"method\":\"subtract\",\"params\":[],\"id\":\"2\"},"
                 "{\"foo\":\"boo\"},"
                 "{\"jsonrpc\":\"2.0\",\"method\":\"nope\",\"id\":\"5\"},"
                 "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":{\"a\":1},\"id\":9},"
                 "7"
                 "]");
    assert_non_null(got);
    assert_string_equal(
        got, "["
             "{\"jsonrpc\":\"2.0\",\"result\":2,\"id\":\"1\"},"
             "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32602,\"message\":\"params must be "
             "[integer, integer]\"},\"id\":\"2\"},"
             "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":\"Invalid Request: "
             "\\\"jsonrpc\\\" must be \\\"2.0\\\"\"},\"id\":null},"
             "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32601,\"message\":\"Method not found: "
             "nope\"},\"id\":\"5\"},"
             "{\"jsonrpc\":\"2.0\",\"result\":{\"a\":1},\"id\":9},"
             "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32600,\"message\":\"Invalid Request: "
             "not an object\"},\"id\":null}"
             "]");
    assert_int_equal(c.calls, 4);
    aula_free(got);
}

static void test_batch_of_scalars(void **state)
{
    (void)state;
    expect("[1,2]", "[" INVALID("null", "not an object") "," INVALID("null", "not an object") "]");
    expect("[[]]", "[" INVALID("null", "not an object") "]");
}

static void test_batch_of_notifications_only(void **state)
{
    (void)state;
    ctx c = {0};
    assert_null(call(&c, "[{\"jsonrpc\":\"2.0\",\"method\":\"echo\"},"
                         "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"params\":[]}]"));
    assert_int_equal(c.calls, 2);
}

static void test_empty_batch(void **state)
{
    (void)state;
    expect("[]", INVALID("null", "empty batch"));
    expect(" [ ] ", INVALID("null", "empty batch"));
}

static char *batch_of(int n)
{
    aula_buf b;
    aula_buf_init(&b);
    aula_buf_append_str(&b, "[");
    for (int i = 0; i < n; i++)
        aula_buf_printf(&b, "%s{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":%d}", i ? "," : "",
                        i);
    aula_buf_append_str(&b, "]");
    return aula_buf_steal(&b);
}

static void test_batch_limit(void **state)
{
    (void)state;
    ctx c = {0};
    char *req = batch_of(64);
    char *got = call(&c, req);
    json_t *resp = json_loads(got, 0, NULL);
    assert_int_equal(json_array_size(resp), 64);
    assert_int_equal(json_integer_value(json_object_get(json_array_get(resp, 63), "id")), 63);
    assert_int_equal(c.calls, 64);
    json_decref(resp);
    aula_free(got);
    aula_free(req);

    /* 65 entries: refused as a whole, nothing runs. */
    c.calls = 0;
    req = batch_of(65);
    got = call(&c, req);
    assert_string_equal(got, INVALID("null", "batch longer than 64 entries"));
    assert_int_equal(c.calls, 0);
    aula_free(got);
    aula_free(req);
}

static void test_nesting_limit(void **state)
{
    (void)state;
    /* The request object is depth 1, params 2: 30 more arrays make 32. */
    char ok[256] = "{\"jsonrpc\":\"2.0\",\"method\":\"echo\",\"id\":1,\"params\":[";
    char bad[256];
    for (int i = 0; i < 30; i++)
        strcat(ok, "[");
    strcpy(bad, ok);
    strcat(bad, "[]");
    for (int i = 0; i < 30; i++) {
        strcat(ok, "]");
        strcat(bad, "]");
    }
    strcat(ok, "]}");
    strcat(bad, "]}");
    ctx c = {0};
    char *got = call(&c, ok);
    assert_non_null(strstr(got, "\"result\":"));
    aula_free(got);
    expect(bad, INVALID("null", "nested too deeply"));

    /* Far past jansson's own limit is still an orderly answer. */
    char *deep = malloc(20001);
    memset(deep, '[', 10000);
    memset(deep + 10000, ']', 10000);
    deep[20000] = '\0';
    got = call(&c, deep);
    assert_non_null(got);
    assert_non_null(strstr(got, "\"id\":null"));
    aula_free(got);
    free(deep);
}

static void test_notification_builder(void **state)
{
    (void)state;
    char *text = aula_rpc_notification("participant.left", json_pack("{s:s}", "id", "5f0c"));
    assert_string_equal(text,
                        "{\"jsonrpc\":\"2.0\",\"method\":\"participant.left\",\"params\":{\"id\":"
                        "\"5f0c\"}}");
    aula_free(text);
    text = aula_rpc_notification("ping", NULL);
    assert_string_equal(text, "{\"jsonrpc\":\"2.0\",\"method\":\"ping\"}");
    aula_free(text);
    text = aula_rpc_notification("chat", json_pack("[i,s]", 1, "\"<b>\""));
    assert_string_equal(text,
                        "{\"jsonrpc\":\"2.0\",\"method\":\"chat\",\"params\":[1,\"\\\"<b>\\\"\"]}");
    aula_free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_parse_error),
        cmocka_unit_test(test_invalid_request_shapes),
        cmocka_unit_test(test_method_not_found),
        cmocka_unit_test(test_result),
        cmocka_unit_test(test_errors_from_methods),
        cmocka_unit_test(test_fail_truncates_on_character_boundary),
        cmocka_unit_test(test_notifications_get_no_response),
        cmocka_unit_test(test_id_types_preserved),
        cmocka_unit_test(test_batch_mixed),
        cmocka_unit_test(test_batch_of_scalars),
        cmocka_unit_test(test_batch_of_notifications_only),
        cmocka_unit_test(test_empty_batch),
        cmocka_unit_test(test_batch_limit),
        cmocka_unit_test(test_nesting_limit),
        cmocka_unit_test(test_notification_builder),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
