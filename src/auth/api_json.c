#include "auth/api_json.h"

#include "core/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void aula_api_respond_json(aula_http_request *req, int status, json_t *body,
                           const aula_http_header *headers, size_t n)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    aula_http_respond(req, status, "application/json", headers, n, text, strlen(text));
    free(text); /* jansson allocates with malloc */
}

void aula_api_respond_error_flag(aula_http_request *req, int status, const char *message,
                                 const char *key)
{
    json_t *o = json_pack("{s:{s:i,s:s}}", "error", "status", status, "message", message);
    if (key)
        json_object_set_new(o, key, json_true());
    aula_api_respond_json(req, status, o, NULL, 0);
}

static int is_json_content_type(const char *ct)
{
    if (!ct)
        return 0;
    size_t n = strlen("application/json");
    return strncasecmp(ct, "application/json", n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

int aula_api_read_object(aula_http_request *req, json_t **out)
{
    *out = NULL;
    const char *type = aula_http_request_header(req, "Content-Type");
    if (req->body_len == 0 && !type) {
        *out = json_object();
        return 0;
    }
    if (!is_json_content_type(type)) {
        aula_http_respond_error(req, 415, "send the body as application/json");
        return -1;
    }
    json_error_t jerr;
    json_t *body = json_loadb(req->body, req->body_len, JSON_REJECT_DUPLICATES, &jerr);
    if (!json_is_object(body)) {
        json_decref(body);
        aula_http_respond_error(req, 400, "the body must be a JSON object");
        return -1;
    }
    *out = body;
    return 0;
}

int aula_api_opt_string(aula_http_request *req, json_t *obj, const char *key, const char **out)
{
    json_t *v = json_object_get(obj, key);
    *out = NULL;
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_string(v)) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s must be a string", key);
        aula_http_respond_error(req, 400, msg);
        return -1;
    }
    *out = json_string_value(v);
    return 0;
}

int aula_api_opt_bool(aula_http_request *req, json_t *obj, const char *key, int *out)
{
    json_t *v = json_object_get(obj, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_boolean(v)) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s must be true or false", key);
        aula_http_respond_error(req, 400, msg);
        return -1;
    }
    *out = json_is_true(v);
    return 0;
}

int aula_api_cookie(const aula_http_request *req, const char *name, char *out, size_t n)
{
    const char *h = aula_http_request_header(req, "Cookie");
    size_t nl = strlen(name);
    while (h && *h) {
        while (*h == ' ' || *h == ';')
            h++;
        const char *end = strchr(h, ';');
        size_t len = end ? (size_t)(end - h) : strlen(h);
        if (len > nl && strncmp(h, name, nl) == 0 && h[nl] == '=') {
            size_t vlen = len - nl - 1;
            while (vlen > 0 && h[nl + 1 + vlen - 1] == ' ')
                vlen--;
            if (vlen + 1 > n)
                return AULA_ENOENT;
            memcpy(out, h + nl + 1, vlen);
            out[vlen] = '\0';
            return 0;
        }
        h = end;
    }
    return AULA_ENOENT;
}
