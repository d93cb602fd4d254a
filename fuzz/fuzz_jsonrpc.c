/* Fuzzes JSON-RPC dispatch with one message of arbitrary bytes. Whatever
 * arrives, the answer is either nothing or compact JSON that parses back
 * as a response object or a non-empty array of them, each with
 * "jsonrpc":"2.0", an id and exactly one of result and error. */
#include "core/alloc.h"
#include "http/jsonrpc.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static json_t *m_echo(void *ctx, json_t *params, aula_rpc_error *err)
{
    (void)ctx;
    (void)err;
    return params ? json_deep_copy(params) : json_null();
}

static json_t *m_fail(void *ctx, json_t *params, aula_rpc_error *err)
{
    (void)ctx;
    const char *s = json_string_value(json_array_get(params, 0));
    return aula_rpc_fail(err, AULA_RPC_INVALID_PARAMS, "bad parameter: %s", s ? s : "?");
}

static json_t *m_null(void *ctx, json_t *params, aula_rpc_error *err)
{
    (void)ctx;
    (void)params;
    (void)err;
    return NULL;
}

static const aula_rpc_method methods[] = {
    {"echo", m_echo},
    {"fail", m_fail},
    {"null", m_null},
};

static void check_response(json_t *r)
{
    const char *version = json_string_value(json_object_get(r, "jsonrpc"));
    if (!json_is_object(r) || !version || strcmp(version, "2.0") != 0)
        abort();
    json_t *id = json_object_get(r, "id");
    if (!json_is_string(id) && !json_is_number(id) && !json_is_null(id))
        abort();
    json_t *error = json_object_get(r, "error");
    bool has_result = json_object_get(r, "result") != NULL;
    if (has_result == (error != NULL))
        abort();
    if (error && (!json_is_integer(json_object_get(error, "code")) ||
                  !json_is_string(json_object_get(error, "message"))))
        abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = aula_rpc_handle(methods, sizeof(methods) / sizeof(methods[0]), NULL,
                                 (const char *)data, size);
    if (!text)
        return 0;
    json_error_t jerr;
    json_t *resp = json_loads(text, 0, &jerr);
    if (!resp || strchr(text, '\n'))
        abort();
    if (json_is_array(resp)) {
        if (json_array_size(resp) == 0 || json_array_size(resp) > 64)
            abort();
        for (size_t i = 0; i < json_array_size(resp); i++)
            check_response(json_array_get(resp, i));
    } else {
        check_response(resp);
    }
    json_decref(resp);
    aula_free(text);
    return 0;
}
