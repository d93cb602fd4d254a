/* JSON-RPC 2.0 (https://www.jsonrpc.org/specification), sans-IO, on jansson.
 *
 * aula_rpc_handle() takes one received text message (a request, a
 * notification or a batch), calls the matching methods synchronously and
 * returns the response text to send back (NULL when nothing is to be sent:
 * notifications only). Errors follow the specification:
 *   -32700 parse error, -32600 invalid request, -32601 method not found,
 *   -32602 invalid params, -32603 internal error,
 * and aula's own codes below, each with a readable message.
 * Strings may hold U+0000 (valid JSON): methods that need C strings must
 * compare json_string_length() with strlen() or validate with the length.
 * Thread: any; no state is kept between calls. */
#ifndef AULA_HTTP_JSONRPC_H
#define AULA_HTTP_JSONRPC_H

#include <jansson.h>
#include <stddef.h>

enum {
    AULA_RPC_PARSE_ERROR = -32700,
    AULA_RPC_INVALID_REQUEST = -32600,
    AULA_RPC_METHOD_NOT_FOUND = -32601,
    AULA_RPC_INVALID_PARAMS = -32602,
    AULA_RPC_INTERNAL_ERROR = -32603,
    /* aula's own, documented in docs/protocol.md */
    AULA_RPC_NOT_JOINED = -32001, /* the method needs room.join first */
    AULA_RPC_ROOM_NOT_FOUND = -32002,
    AULA_RPC_ALREADY_JOINED = -32003,
    AULA_RPC_RATE_LIMITED = -32004,
    AULA_RPC_STORE_FAILED = -32005,
    AULA_RPC_FORBIDDEN = -32006,
    AULA_RPC_BAD_TOKEN = -32007,   /* the join token expired or is not valid */
    AULA_RPC_ROOM_LOCKED = -32008, /* a locked room refuses newcomers */
};

typedef struct aula_rpc_error {
    int code;
    char message[256];
} aula_rpc_error;

/* A method: returns the result (a new reference, stolen by the caller) or
 * NULL with err filled in. params is borrowed and may be NULL when the
 * request had none. ctx is the ud given to aula_rpc_handle(). */
typedef json_t *(*aula_rpc_method_fn)(void *ctx, json_t *params, aula_rpc_error *err);

typedef struct aula_rpc_method {
    const char *name;
    aula_rpc_method_fn fn;
} aula_rpc_method;

/* Fills err with code and a printf-formatted message; returns NULL so a
 * method can write `return aula_rpc_fail(err, ...);`. */
json_t *aula_rpc_fail(aula_rpc_error *err, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

/* Handles one message. Returns a malloc'd response (free with aula_free),
 * or NULL when there is nothing to answer. Batches are answered with an
 * array; an empty batch is an invalid request. Batches longer than 64
 * entries are refused as a whole with -32600. */
char *aula_rpc_handle(const aula_rpc_method *methods, size_t n_methods, void *ctx, const char *text,
                      size_t len);

/* Builds a notification {"jsonrpc":"2.0","method":m,"params":params}.
 * Steals params (may be NULL). Returns malloc'd text. */
char *aula_rpc_notification(const char *method, json_t *params);

#endif
