/* The files routes other than the upload (files_upload.c): routing, the
 * token check they share, the list, downloads with Range, and deletion. */
#include "files/files_api.h"

#include "auth/api_json.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "files/blob.h"
#include "files/range.h"
#include "store/store_files.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

static int is(const aula_http_request *req, const char *method)
{
    return strcmp(req->method, method) == 0;
}

int aula_files_api_init(aula_files_api *api, aula_store *store, const aula_join_signer *signer,
                        const char *data_dir, uint64_t max_bytes, aula_http_metrics *metrics)
{
    size_t n = strlen(data_dir) + sizeof "/files";
    *api = (aula_files_api){
        .store = store, .signer = signer, .max_bytes = max_bytes, .metrics = metrics};
    api->dir = aula_malloc(n);
    snprintf(api->dir, n, "%s/files", data_dir);
    return aula_blob_dir_init(api->dir);
}

void aula_files_api_deinit(aula_files_api *api)
{
    aula_free(api->dir);
    api->dir = NULL;
}

int aula_files_api_match(const char *rest)
{
    if (strcmp(rest, "files") == 0)
        return 1;
    return strncmp(rest, "files/", 6) == 0 && rest[6] && !strchr(rest + 6, '/');
}

/* The token: the Authorization header's, else (GET only) ?token=. A JWT
 * is base64url and dots: no percent-decoding needed. */
static int token_of(aula_http_request *req, int allow_query, char *out, size_t n)
{
    const char *auth = aula_http_request_header(req, "Authorization");
    if (auth && strncasecmp(auth, "Bearer ", 7) == 0)
        return aula_api_bearer(req, out, n) == 0 ? 0 : -1;
    if (!allow_query)
        return -1;
    return aula_api_query_param(req, "token", out, n) == 0 ? 0 : -1;
}

int aula__files_authorize(aula_files_api *api, aula_http_request *req, const char *room_id,
                          int hosts_only, int allow_query, const char *action,
                          aula_join_claims *claims)
{
    aula_room_rec room = {0};
    int rc = aula_store_room_get(api->store, room_id, &room);
    aula_room_rec_deinit(&room);
    if (rc == AULA_ENOENT) {
        aula_http_respond_error(req, 404, "room not found");
        return -1;
    }
    if (rc != 0) {
        aula_http_respond_error(req, 503, "the room could not be read, try again");
        return -1;
    }
    char token[4096];
    if (token_of(req, allow_query, token, sizeof token) != 0) {
        aula_http_respond_error(req, 401,
                                allow_query ? "a join token is needed: send Authorization: "
                                              "Bearer <token> or ?token=<token>"
                                            : "a join token is needed: send Authorization: "
                                              "Bearer <token>");
        return -1;
    }
    int64_t now = api->now_ms ? api->now_ms() : aula_wall_ms();
    rc =
        api->signer ? aula_join_token_verify(api->signer, token, now, claims, NULL, 0) : AULA_EPERM;
    if (rc == AULA_ETIMEDOUT) {
        aula_http_respond_error(req, 401, "the join token has expired: join again");
        return -1;
    }
    if (rc != 0) {
        aula_http_respond_error(req, 401, "the join token is not valid");
        return -1;
    }
    if (strcmp(claims->room, room_id) != 0) {
        aula_http_respond_error(req, 403, "this join token is for another room");
        return -1;
    }
    if (hosts_only && claims->role == AULA_ROLE_PARTICIPANT) {
        char msg[96];
        snprintf(msg, sizeof msg, "only hosts can %s", action);
        aula_http_respond_error(req, 403, msg);
        return -1;
    }
    return 0;
}

static json_t *file_json(const aula_file_rec *r, const char *url_base)
{
    char url[192];
    snprintf(url, sizeof url, "%s/%s", url_base, r->id);
    return json_pack("{s:s,s:s,s:s,s:I,s:s,s:{s:s,s:s},s:I,s:s}", "id", r->id, "name", r->name,
                     "type", r->type, "size", (json_int_t)r->size, "sha256", r->sha256,
                     "uploaded_by", "id", r->uploader_id, "name", r->uploader_name, "created",
                     (json_int_t)r->created_ms, "url", url);
}

void aula_files_api_list(aula_files_api *api, aula_http_request *req, const char *room_id,
                         const char *url_base)
{
    aula_file_rec *recs = NULL;
    size_t n = 0;
    if (aula_store_files_list(api->store, room_id, &recs, &n) != 0) {
        aula_http_respond_error(req, 503, "the files could not be read, try again");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, file_json(&recs[i], url_base));
    aula_file_recs_free(recs, n);
    aula_http_header h = {"Cache-Control", "no-store"};
    aula_api_respond_json(req, 200, json_pack("{s:o}", "files", arr), &h, 1);
}

static void handle_list(aula_files_api *api, aula_http_request *req, const char *room_id)
{
    aula_join_claims who;
    if (aula__files_authorize(api, req, room_id, 0, 1, "", &who) != 0)
        return;
    char base[96];
    snprintf(base, sizeof base, "/api/v1/rooms/%s/files", room_id);
    aula_files_api_list(api, req, room_id, base);
}

/* ---- downloads ---- */

typedef struct source {
    int fd;
    uint64_t off;
} source;

static int source_read(void *ud, char *buf, size_t cap, size_t *got)
{
    source *s = ud;
    for (;;) {
        ssize_t n = pread(s->fd, buf, cap, (off_t)s->off);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0) /* the file shrank under us, or broke */
            return n == 0 ? AULA_EIO : aula_error_from_errno(errno);
        s->off += (uint64_t)n;
        *got = (size_t)n;
        return 0;
    }
}

static void source_done(void *ud, int ok)
{
    (void)ok;
    source *s = ud;
    close(s->fd);
    aula_free(s);
}

static const aula_http_body_source file_source = {source_read, source_done};

/* Content-Disposition: attachment with an ASCII fallback and the UTF-8
 * name (RFC 6266 section 4.3, RFC 8187). */
static void disposition(aula_buf *b, const char *name)
{
    aula_buf_append_str(b, "attachment; filename=\"");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if (*p >= 0x80 && *p < 0xc0)
            continue; /* one '_' per character, not per byte */
        int plain = *p < 0x80 && *p >= 0x20 && *p != '"' && *p != '\\';
        aula_buf_append(b, plain ? (const char *)p : "_", 1);
    }
    aula_buf_append_str(b, "\"; filename*=UTF-8''");
    for (const unsigned char *p = (const unsigned char *)name; *p; p++) {
        if ((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9') ||
            strchr("!#$&+-.^_`|~", *p))
            aula_buf_append(b, p, 1);
        else
            aula_buf_printf(b, "%%%02X", *p);
    }
}

/* True when an If-None-Match / If-Range value names etag (or is "*"). */
static int etag_listed(const char *value, const char *etag)
{
    if (!value)
        return 0;
    if (strcmp(value, "*") == 0)
        return 1;
    size_t n = strlen(etag);
    for (const char *p = strstr(value, etag); p; p = strstr(p + 1, etag))
        if ((p == value || p[-1] == ' ' || p[-1] == ',' || p[-1] == '/') &&
            (p[n] == '\0' || p[n] == ',' || p[n] == ' '))
            return 1;
    return 0;
}

void aula_files_api_download(aula_files_api *api, aula_http_request *req, const char *room_id,
                             const char *file_id)
{
    aula_file_rec r;
    int rc = aula_store_file_get(api->store, room_id, file_id, &r);
    if (rc != 0) {
        aula_http_respond_error(req, rc == AULA_ENOENT ? 404 : 503,
                                rc == AULA_ENOENT ? "file not found"
                                                  : "the file could not be read, try again");
        return;
    }
    int fd = -1;
    uint64_t size = 0;
    rc = aula_blob_open(api->dir, r.sha256, &fd, &size);
    if (rc != 0) {
        AULA_LOG_ERROR("files", "stored file missing", "room=%s file=%s sha256=%s err=%s", room_id,
                       file_id, r.sha256, aula_strerror(rc));
        aula_http_respond_error(req, 500, "the file is missing on the server");
        aula_file_rec_deinit(&r);
        return;
    }
    char etag[AULA_SHA256_HEX_LEN + 3];
    snprintf(etag, sizeof etag, "\"%s\"", r.sha256);
    aula_buf cd;
    aula_buf_init(&cd);
    disposition(&cd, r.name);
    char range[96] = "";
    aula_http_header h[7] = {
        {"ETag", etag},
        {"Accept-Ranges", "bytes"},
        {"Content-Disposition", cd.data},
        {"Cache-Control", "private, no-cache"},
        {"X-Content-Type-Options", "nosniff"},
        /* A ?token= or ?key= link must not leak through Referer. */
        {"Referrer-Policy", "no-referrer"},
        {"Content-Range", range},
    };
    size_t nh = 6;
    uint64_t first = 0, last = size ? size - 1 : 0;
    int status = 200;
    const char *if_range = aula_http_request_header(req, "If-Range");
    aula_range_result rr = AULA_RANGE_NONE;
    if (!if_range || etag_listed(if_range, etag))
        rr = aula_range_parse(aula_http_request_header(req, "Range"), size, &first, &last);
    if (etag_listed(aula_http_request_header(req, "If-None-Match"), etag)) {
        status = 304;
    } else if (rr == AULA_RANGE_PARTIAL) {
        status = 206;
        snprintf(range, sizeof range, "bytes %llu-%llu/%llu", (unsigned long long)first,
                 (unsigned long long)last, (unsigned long long)size);
        nh = 7;
    } else if (rr == AULA_RANGE_UNSATISFIABLE) {
        snprintf(range, sizeof range, "bytes */%llu", (unsigned long long)size);
        close(fd);
        aula_http_header e[2] = {{"Content-Range", range}, {"Accept-Ranges", "bytes"}};
        static const char body[] =
            "{\"error\":{\"status\":416,\"message\":\"the range asked for lies outside the "
            "file\"}}";
        aula_http_respond(req, 416, "application/json", e, 2, body, sizeof body - 1);
        aula_buf_deinit(&cd);
        aula_file_rec_deinit(&r);
        return;
    }
    source *src = aula_malloc(sizeof *src);
    src->fd = fd;
    src->off = first;
    uint64_t len = status == 304 || size == 0 ? 0 : last - first + 1;
    aula_http_respond_stream(req, status, r.type, h, nh, len, &file_source, src);
    aula_buf_deinit(&cd);
    aula_file_rec_deinit(&r);
}

static void handle_download(aula_files_api *api, aula_http_request *req, const char *room_id,
                            const char *file_id)
{
    aula_join_claims who;
    if (aula__files_authorize(api, req, room_id, 0, 1, "", &who) == 0)
        aula_files_api_download(api, req, room_id, file_id);
}

static void handle_delete(aula_files_api *api, aula_http_request *req, const char *room_id,
                          const char *file_id)
{
    aula_join_claims who;
    if (aula__files_authorize(api, req, room_id, 1, 0, "remove files", &who) != 0)
        return;
    char sha[AULA_SHA256_HEX_LEN + 1];
    int unused = 0;
    int rc = aula_store_file_delete(api->store, room_id, file_id, sha, &unused);
    if (rc != 0) {
        aula_http_respond_error(req, rc == AULA_ENOENT ? 404 : 503,
                                rc == AULA_ENOENT ? "file not found"
                                                  : "the file could not be removed, try again");
        return;
    }
    /* The row is gone (durably); the bytes follow when nothing else uses
     * them. Failing here leaves an orphan blob, never a dangling row. */
    if (unused)
        aula_blob_remove(api->dir, sha);
    AULA_LOG_INFO("files", "file removed", "room=%s file=%s by=%s blob_removed=%d", room_id,
                  file_id, who.participant, unused);
    aula_api_respond_json(req, 200, json_pack("{s:b}", "ok", 1), NULL, 0);
}

/* An upload with a body went through aula_files_api_head; this one has
 * none. */
static void upload_without_body(aula_files_api *api, aula_http_request *req, const char *room_id)
{
    aula_join_claims who;
    if (aula__files_authorize(api, req, room_id, 1, 0, "upload files", &who) == 0)
        aula_http_respond_error(req, 400, "the file is empty: send its bytes as the body");
}

int aula_files_api_head(aula_files_api *api, aula_http_request *req, const char *room_id,
                        const char *rest)
{
    if (strcmp(rest, "files") != 0 || !is(req, "POST"))
        return 0;
    aula__files_upload_begin(api, req, room_id);
    return 1;
}

void aula_files_api_handle(aula_files_api *api, aula_http_request *req, const char *room_id,
                           const char *rest)
{
    if (strcmp(rest, "files") == 0) {
        if (is(req, "GET") || is(req, "HEAD"))
            handle_list(api, req, room_id);
        else if (is(req, "POST"))
            upload_without_body(api, req, room_id);
        else
            aula_api_not_allowed(req, "GET, POST");
        return;
    }
    const char *file_id = rest + 6;
    if (is(req, "GET") || is(req, "HEAD"))
        handle_download(api, req, room_id, file_id);
    else if (is(req, "DELETE"))
        handle_delete(api, req, room_id, file_id);
    else
        aula_api_not_allowed(req, "GET, DELETE");
}
