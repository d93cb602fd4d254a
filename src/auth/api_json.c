#include "auth/api_json.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
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

void aula_api_respond_error_extra(aula_http_request *req, int status, const char *message,
                                  json_t *extra)
{
    json_t *o = json_pack("{s:{s:i,s:s}}", "error", "status", status, "message", message);
    if (extra) {
        json_object_update(o, extra);
        json_decref(extra);
    }
    aula_api_respond_json(req, status, o, NULL, 0);
}

void aula_api_respond_error_flag(aula_http_request *req, int status, const char *message,
                                 const char *key)
{
    aula_api_respond_error_extra(req, status, message, key ? json_pack("{s:b}", key, 1) : NULL);
}

void aula_api_not_allowed(aula_http_request *req, const char *allow)
{
    aula_http_header h = {"Allow", allow};
    static const char body[] = "{\"error\":{\"status\":405,\"message\":\"method not allowed\"}}";
    aula_http_respond(req, 405, "application/json", &h, 1, body, sizeof body - 1);
}

char *aula_api_session_user(const aula_auth_api *auth, aula_http_request *req)
{
    aula_session_rec sess;
    if (!auth || aula_auth_session(auth, req, aula_wall_ms(), &sess) != 0)
        return NULL;
    char *id = sess.user_id;
    sess.user_id = NULL;
    aula_session_rec_deinit(&sess);
    return id;
}

char *aula_api_base_url(aula_http_request *req, const char *public_url, int tls)
{
    aula_buf b;
    aula_buf_init(&b);
    if (public_url && *public_url) {
        size_t n = strlen(public_url);
        while (n > 0 && public_url[n - 1] == '/')
            n--;
        aula_buf_append(&b, public_url, n);
    } else {
        const char *host = aula_http_request_header(req, "Host");
        int safe = host && *host && strlen(host) < 256;
        for (const char *c = host; safe && *c; c++)
            safe = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                   (*c >= '0' && *c <= '9') || strchr(".-:[]", *c);
        if (safe)
            aula_buf_printf(&b, "%s://%s", tls ? "https" : "http", host);
    }
    aula_buf_append(&b, "", 1);
    return aula_buf_steal(&b);
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

int aula_api_bearer(const aula_http_request *req, char *out, size_t n)
{
    const char *auth = aula_http_request_header(req, "Authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0)
        return AULA_ENOENT;
    const char *t = auth + 7;
    while (*t == ' ')
        t++;
    return *t && snprintf(out, n, "%s", t) < (int)n ? 0 : AULA_ENOENT;
}

int aula_api_query_param(const aula_http_request *req, const char *name, char *out, size_t n)
{
    size_t nl = strlen(name);
    for (const char *p = req->query; p && *p;) {
        const char *end = strchr(p, '&');
        size_t len = end ? (size_t)(end - p) : strlen(p);
        if (len > nl + 1 && strncmp(p, name, nl) == 0 && p[nl] == '=' && len - nl - 1 < n) {
            memcpy(out, p + nl + 1, len - nl - 1);
            out[len - nl - 1] = '\0';
            return 0;
        }
        p = end ? end + 1 : NULL;
    }
    return AULA_ENOENT;
}
