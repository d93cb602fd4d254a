#include "http/jsonrpc.h"

#include "core/alloc.h"

#include <assert.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A batch may hold at most this many entries (docs/protocol.md). */
#define MAX_BATCH 64
/* Deepest nesting accepted in one message, the batch array counted. aula's
 * methods take flat parameter objects; anything much deeper is abuse, and
 * bounding it keeps every later walk over the tree shallow. */
#define MAX_DEPTH 32
/* Longest method name quoted back in a "method not found" message. */
#define MAX_QUOTED_NAME 64

/* The fallback when even an error response cannot be serialised. */
static const char internal_error_text[] =
    "{\"jsonrpc\":\"2.0\",\"error\":{\"code\":-32603,\"message\":\"Internal error\"},\"id\":null}";

static const char *default_message(int code)
{
    switch (code) {
    case AULA_RPC_PARSE_ERROR:
        return "Parse error";
    case AULA_RPC_INVALID_REQUEST:
        return "Invalid Request";
    case AULA_RPC_METHOD_NOT_FOUND:
        return "Method not found";
    case AULA_RPC_INVALID_PARAMS:
        return "Invalid params";
    case AULA_RPC_NOT_JOINED:
        return "Not joined";
    case AULA_RPC_ROOM_NOT_FOUND:
        return "Room not found";
    case AULA_RPC_ALREADY_JOINED:
        return "Already joined";
    case AULA_RPC_RATE_LIMITED:
        return "Rate limited";
    case AULA_RPC_STORE_FAILED:
        return "Storage failed";
    case AULA_RPC_FORBIDDEN:
        return "Forbidden";
    default:
        return "Internal error";
    }
}

/* Shortens s (length n) so it does not end inside a UTF-8 sequence;
 * returns the new length. s is assumed valid up to the cut. */
static size_t utf8_cut(const char *s, size_t n)
{
    size_t i = n;
    /* Step back over continuation bytes to the lead byte of the last
     * sequence, then keep it only if all its bytes are present. */
    while (i > 0 && ((unsigned char)s[i - 1] & 0xc0u) == 0x80u && n - i < 3)
        i--;
    if (i == 0)
        return n;
    unsigned char lead = (unsigned char)s[i - 1];
    size_t need = lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
    return n - (i - 1) >= need ? n : i - 1;
}

json_t *aula_rpc_fail(aula_rpc_error *err, int code, const char *fmt, ...)
{
    err->code = code;
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(err->message, sizeof(err->message), fmt, ap);
    va_end(ap);
    if (n < 0)
        err->message[0] = '\0';
    else if ((size_t)n >= sizeof(err->message))
        err->message[utf8_cut(err->message, sizeof(err->message) - 1)] = '\0';
    return NULL;
}

static json_t *error_response(json_t *id, int code, const char *message)
{
    /* json_string() refuses invalid UTF-8; a method's message is text we
     * do not control, so fall back to the standard wording. */
    json_t *msg = json_string(message && *message ? message : default_message(code));
    if (!msg)
        msg = json_string(default_message(code));
    json_t *error = json_object();
    json_object_set_new(error, "code", json_integer(code));
    json_object_set_new(error, "message", msg);
    json_t *resp = json_object();
    json_object_set_new(resp, "jsonrpc", json_string("2.0"));
    json_object_set_new(resp, "error", error);
    json_object_set(resp, "id", id ? id : json_null());
    return resp;
}

static json_t *invalid_request(json_t *id, const char *why)
{
    char message[160];
    snprintf(message, sizeof(message), "Invalid Request: %s", why);
    return error_response(id, AULA_RPC_INVALID_REQUEST, message);
}

static bool id_type_ok(const json_t *id)
{
    return json_is_string(id) || json_is_number(id) || json_is_null(id);
}

static const aula_rpc_method *find_method(const aula_rpc_method *methods, size_t n,
                                          const char *name, size_t name_len)
{
    for (size_t i = 0; i < n; i++)
        if (strlen(methods[i].name) == name_len && memcmp(methods[i].name, name, name_len) == 0)
            return &methods[i];
    return NULL;
}

static json_t *method_not_found(json_t *id, const char *name, size_t len)
{
    char message[MAX_QUOTED_NAME + 64];
    size_t shown = len > MAX_QUOTED_NAME ? utf8_cut(name, MAX_QUOTED_NAME) : len;
    snprintf(message, sizeof(message), "Method not found: %.*s%s", (int)shown, name,
             shown < len ? "..." : "");
    return error_response(id, AULA_RPC_METHOD_NOT_FOUND, message);
}

/* Handles one request object. Returns the response, or NULL for a
 * notification. A request that is not a valid Request object is answered
 * even without an id (specification section 5.1, "Invalid Request"). */
static json_t *handle_one(const aula_rpc_method *methods, size_t n_methods, void *ctx, json_t *req)
{
    if (!json_is_object(req))
        return invalid_request(NULL, "not an object");
    json_t *id = json_object_get(req, "id");
    if (id && !id_type_ok(id))
        return invalid_request(NULL, "\"id\" must be a string, a number or null");

    json_t *version = json_object_get(req, "jsonrpc");
    if (!json_is_string(version) || strcmp(json_string_value(version), "2.0") != 0 ||
        json_string_length(version) != 3)
        return invalid_request(id, "\"jsonrpc\" must be \"2.0\"");
    json_t *method = json_object_get(req, "method");
    if (!json_is_string(method))
        return invalid_request(id, "\"method\" must be a string");
    json_t *params = json_object_get(req, "params");
    if (params && !json_is_object(params) && !json_is_array(params))
        return invalid_request(id, "\"params\" must be an object or an array");

    const char *name = json_string_value(method);
    size_t name_len = json_string_length(method);
    const aula_rpc_method *m = find_method(methods, n_methods, name, name_len);
    if (!m)
        return id ? method_not_found(id, name, name_len) : NULL;

    aula_rpc_error err = {.code = AULA_RPC_INTERNAL_ERROR, .message = ""};
    json_t *result = m->fn(ctx, params, &err);
    if (!id) {
        /* A notification: run it, answer nothing, not even an error. */
        json_decref(result);
        return NULL;
    }
    if (!result) {
        if (err.code == 0)
            err.code = AULA_RPC_INTERNAL_ERROR;
        return error_response(id, err.code, err.message);
    }
    json_t *resp = json_object();
    json_object_set_new(resp, "jsonrpc", json_string("2.0"));
    json_object_set_new(resp, "result", result);
    json_object_set(resp, "id", id);
    return resp;
}

/* True when v nests no deeper than limit (v itself is depth 1). */
static bool depth_ok(json_t *v, int limit)
{
    if (limit <= 0)
        return false;
    for (size_t i = 0; i < json_array_size(v); i++)
        if (!depth_ok(json_array_get(v, i), limit - 1))
            return false;
    for (void *it = json_object_iter(v); it; it = json_object_iter_next(v, it))
        if (!depth_ok(json_object_iter_value(it), limit - 1))
            return false;
    return true;
}

static char *dump(json_t *resp)
{
    char *text = json_dumps(resp, JSON_COMPACT);
    json_decref(resp);
    /* json_dumps fails only for values it cannot serialise (a result
     * nested past jansson's limit) or out of memory. */
    return text ? text : aula_strdup(internal_error_text);
}

static json_t *handle_batch(const aula_rpc_method *methods, size_t n_methods, void *ctx,
                            json_t *batch)
{
    size_t n = json_array_size(batch);
    if (n == 0)
        return invalid_request(NULL, "empty batch");
    if (n > MAX_BATCH)
        return invalid_request(NULL, "batch longer than 64 entries");
    json_t *out = json_array();
    for (size_t i = 0; i < n; i++) {
        json_t *resp = handle_one(methods, n_methods, ctx, json_array_get(batch, i));
        if (resp)
            json_array_append_new(out, resp);
    }
    /* Section 6: a batch of notifications only gets no answer at all. */
    if (json_array_size(out) == 0) {
        json_decref(out);
        return NULL;
    }
    return out;
}

char *aula_rpc_handle(const aula_rpc_method *methods, size_t n_methods, void *ctx, const char *text,
                      size_t len)
{
    /* Scalars parse (JSON_DECODE_ANY) so that `1` is an invalid request, as
     * the specification's examples have it, not a parse error. Duplicate
     * keys are refused: which one wins would be anybody's guess. */
    json_error_t jerr;
    json_t *root =
        json_loadb(text, len, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES | JSON_ALLOW_NUL, &jerr);
    if (!root) {
        char message[256];
        snprintf(message, sizeof(message), "Parse error: %s at line %d column %d", jerr.text,
                 jerr.line, jerr.column);
        return dump(error_response(NULL, AULA_RPC_PARSE_ERROR, message));
    }
    json_t *resp;
    if (!depth_ok(root, MAX_DEPTH))
        resp = invalid_request(NULL, "nested too deeply");
    else if (json_is_array(root))
        resp = handle_batch(methods, n_methods, ctx, root);
    else
        resp = handle_one(methods, n_methods, ctx, root);
    json_decref(root);
    return resp ? dump(resp) : NULL;
}

char *aula_rpc_notification(const char *method, json_t *params)
{
    /* json_string() refuses a name that is not UTF-8: a programmer error. */
    json_t *name = json_string(method);
    assert(name);
    json_t *msg = json_object();
    json_object_set_new(msg, "jsonrpc", json_string("2.0"));
    json_object_set_new(msg, "method", name);
    if (params)
        json_object_set_new(msg, "params", params);
    char *text = json_dumps(msg, JSON_COMPACT);
    json_decref(msg);
    if (!text) {
        fprintf(stderr, "level=fatal comp=jsonrpc msg=\"cannot serialise notification\"\n");
        abort();
    }
    return text;
}
