/* POST /api/v1/rooms/{id}/files: a streamed upload.
 *
 * Order of checks, cheapest first, each refusing before more is read:
 * room and token (404/401/403), declared type and name (415/400), the
 * announced length (413), the first bytes (415), then at the end the
 * whole content (415). Only a file that passed everything is made durable
 * (blob.h), recorded, and answered 201; any refusal removes the partial
 * file, so nothing else changes. */
#include "files/files_api.h"

#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/hex.h"
#include "core/log.h"
#include "core/random.h"
#include "files/blob.h"
#include "files/sniff.h"
#include "room/text.h"
#include "store/store_files.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define NAME_MAX_CHARS 200
#define PREFIX_BYTES 8

typedef struct upload {
    aula_files_api *api; /* borrowed: outlives every request */
    char room_id[AULA_ROOM_ID_LEN + 1];
    aula_join_claims who;
    int declared;             /* an aula_file_kind, or -1 when nothing was declared */
    const char *declared_how; /* "its Content-Type", "its name" */
    char *name;               /* owned; cleaned, may lack an extension */
    aula_blob_writer *blob;   /* owned until commit */
    unsigned char prefix[PREFIX_BYTES];
    size_t prefix_len;
    int prefix_checked;
} upload;

/* An upload's answer, counted like every other route's (the server's
 * router only sees requests answered while it runs). */
static void count(aula_files_api *api, int status)
{
    if (api->metrics && status > 0)
        aula_http_metrics_count(api->metrics, "/api/v1/rooms/{id}/files", status);
}

static void upload_free(upload *u)
{
    aula_blob_abort(u->blob);
    aula_free(u->name);
    aula_free(u);
}

/* Percent-decodes (RFC 3986 section 2.1) into a new string; with plus,
 * '+' is a space (form encoding in a query). NULL on a bad escape. */
static char *percent_decode(const char *s, size_t len, int plus)
{
    char *out = aula_malloc(len + 1);
    size_t n = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '%') {
            int hi = i + 1 < len ? aula_hex_digit(s[i + 1]) : -1;
            int lo = i + 2 < len ? aula_hex_digit(s[i + 2]) : -1;
            if (hi < 0 || lo < 0 || (hi == 0 && lo == 0)) { /* %00 would cut the name */
                aula_free(out);
                return NULL;
            }
            out[n++] = (char)(hi * 16 + lo);
            i += 2;
        } else {
            out[n++] = plus && s[i] == '+' ? ' ' : s[i];
        }
    }
    out[n] = '\0';
    return out;
}

/* The raw value of query parameter key, or NULL. */
static const char *query_param(const char *query, const char *key, size_t *len)
{
    size_t klen = strlen(key);
    for (const char *p = query; p && *p;) {
        const char *end = strchr(p, '&');
        size_t plen = end ? (size_t)(end - p) : strlen(p);
        if (plen > klen && strncmp(p, key, klen) == 0 && p[klen] == '=') {
            *len = plen - klen - 1;
            return p + klen + 1;
        }
        p = end ? end + 1 : NULL;
    }
    return NULL;
}

/* The file's name from X-File-Name (percent-encoded UTF-8 allowed) or
 * ?name=, cleaned like any text people type, with folders dropped. NULL
 * name (no error) when none was given; -1 after answering 400. */
static int read_name(aula_http_request *req, char **out)
{
    *out = NULL;
    const char *raw = aula_http_request_header(req, "X-File-Name");
    size_t len = raw ? strlen(raw) : 0;
    int plus = 0;
    if (!raw) {
        raw = query_param(req->query, "name", &len);
        plus = 1;
    }
    if (!raw || len == 0)
        return 0;
    char *decoded = percent_decode(raw, len, plus);
    if (!decoded) {
        aula_http_respond_error(req, 400, "the file name is badly encoded (use percent-encoding)");
        return -1;
    }
    /* A name is a name, not a path: keep what follows the last slash. */
    const char *base = decoded;
    for (const char *p = decoded; *p; p++)
        if (*p == '/' || *p == '\\')
            base = p + 1;
    char why[96];
    int rc = aula_text_clean(base, strlen(base), NAME_MAX_CHARS, out, why, sizeof why);
    aula_free(decoded);
    if (rc != 0) {
        char msg[160];
        snprintf(msg, sizeof msg, "the file name %s", why);
        aula_http_respond_error(req, 400, msg);
        return -1;
    }
    return 0;
}

static void refuse_type(aula_http_request *req, const char *what)
{
    char msg[512]; /* what is a short phrase, but the compiler cannot know */
    snprintf(msg, sizeof msg,
             "%s is not accepted: upload a PDF, an image (PNG, JPEG, GIF, WebP) or an office "
             "document (Word, Excel, PowerPoint, OpenDocument)",
             what);
    aula_http_respond_error(req, 415, msg);
}

/* What the upload says it is, from Content-Type and the name's extension.
 * Both, when given, must name an accepted kind and agree. Returns 0 or -1
 * after answering 415. */
static int read_declared(aula_http_request *req, upload *u)
{
    const char *ct = aula_http_request_header(req, "Content-Type");
    int by_type = aula_file_kind_from_mime(ct);
    int by_name = aula_file_kind_from_name(u->name);
    if (by_type == AULA_FILE_UNKNOWN) {
        char what[160];
        snprintf(what, sizeof what, "a file of type %.100s", ct);
        refuse_type(req, what);
        return -1;
    }
    if (by_name == AULA_FILE_UNKNOWN) {
        refuse_type(req, "a file with this extension");
        return -1;
    }
    if (by_type >= 0 && by_name >= 0 && by_type != by_name) {
        char msg[256];
        snprintf(msg, sizeof msg, "the file's name says it is %s but its Content-Type says %s",
                 aula_file_kind_label(by_name), aula_file_kind_label(by_type));
        aula_http_respond_error(req, 415, msg);
        return -1;
    }
    u->declared = by_type >= 0 ? by_type : by_name;
    u->declared_how = by_type >= 0 ? "its Content-Type" : "its name";
    return 0;
}

static int on_data(void *ud, aula_http_request *req, const char *data, size_t len)
{
    upload *u = ud;
    if (!u->prefix_checked) {
        size_t n = len < PREFIX_BYTES - u->prefix_len ? len : PREFIX_BYTES - u->prefix_len;
        memcpy(u->prefix + u->prefix_len, data, n);
        u->prefix_len += n;
        if (u->prefix_len == PREFIX_BYTES) {
            u->prefix_checked = 1;
            if (!aula_sniff_prefix_plausible(u->prefix, u->prefix_len)) {
                refuse_type(req, "this content (it is not a document or image aula knows)");
                return 0;
            }
        }
    }
    if (aula_blob_write(u->blob, data, len) != 0)
        aula_http_respond_error(req, 507,
                                "the file could not be stored: the server is out of "
                                "space or failing; try again later");
    return 0;
}

/* Adds the kind's extension to a name without one ("notes" -> "notes.pdf"). */
static char *final_name(const char *name, aula_file_kind kind)
{
    const char *ext = aula_file_kind_ext(kind);
    const char *base = name ? name : "file";
    if (aula_file_kind_from_name(base) >= 0 || !*ext)
        return aula_strdup(base);
    size_t n = strlen(base) + strlen(ext) + 2;
    char *out = aula_malloc(n);
    snprintf(out, n, "%s.%s", base, ext);
    return out;
}

static void respond_created(aula_http_request *req, const aula_file_rec *r)
{
    char url[160];
    snprintf(url, sizeof url, "/api/v1/rooms/%s/files/%s", r->room_id, r->id);
    json_t *o = json_pack("{s:{s:s,s:s,s:s,s:I,s:s,s:{s:s,s:s},s:I,s:s}}", "file", "id", r->id,
                          "name", r->name, "type", r->type, "size", (json_int_t)r->size, "sha256",
                          r->sha256, "uploaded_by", "id", r->uploader_id, "name", r->uploader_name,
                          "created", (json_int_t)r->created_ms, "url", url);
    char *text = json_dumps(o, JSON_COMPACT);
    json_decref(o);
    aula_http_header loc = {"Location", url};
    aula_http_respond(req, 201, "application/json", &loc, 1, text, strlen(text));
    free(text); /* jansson allocates with malloc */
}

/* Content check, then durable blob, then the row, then 201. */
static void finish(upload *u, aula_http_request *req)
{
    uint64_t size = aula_blob_size(u->blob);
    if (size == 0) {
        aula_http_respond_error(req, 400, "the file is empty");
        return;
    }
    int kind = aula_sniff(aula_blob_read_at, u->blob, size);
    if (kind < 0) {
        aula_http_respond_error(req, 500, "the file could not be read back; try again");
        return;
    }
    if (kind == AULA_FILE_UNKNOWN) {
        refuse_type(req, "this content (it is not a document or image aula knows)");
        return;
    }
    if (u->declared >= 0 && !aula_file_kind_matches(kind, u->declared)) {
        char msg[256];
        snprintf(msg, sizeof msg, "the file is %s by %s, but its content is %s",
                 aula_file_kind_label(u->declared), u->declared_how, aula_file_kind_label(kind));
        aula_http_respond_error(req, 415, msg);
        return;
    }
    /* A legacy Office file whose application was not found keeps the
     * declared type, which matched. */
    aula_file_kind stored = kind == AULA_FILE_CFB && u->declared >= 0 ? u->declared : kind;

    char hex[AULA_SHA256_HEX_LEN + 1];
    int created = 0;
    aula_blob_writer *w = u->blob;
    u->blob = NULL; /* commit frees it, whatever happens */
    if (aula_blob_commit(w, hex, &created) != 0) {
        aula_http_respond_error(req, 507, "the file could not be stored; try again later");
        return;
    }
    char id[17];
    aula_random_hex(id, 8);
    char *name = final_name(u->name, stored);
    aula_file_rec r = {
        .id = id,
        .room_id = u->room_id,
        .name = name,
        .type = (char *)aula_file_kind_mime(stored),
        .sha256 = hex,
        .uploader_id = u->who.participant,
        .uploader_name = u->who.name,
        .size = (int64_t)size,
        .created_ms = u->api->now_ms ? u->api->now_ms() : aula_wall_ms(),
    };
    int rc = aula_store_file_add(u->api->store, &r);
    if (rc == 0) {
        char qn[256];
        AULA_LOG_INFO("files", "file uploaded", "room=%s file=%s size=%lld type=%s name=%s",
                      u->room_id, id, (long long)size, r.type, aula_log_quote(qn, sizeof qn, name));
        respond_created(req, &r);
    } else {
        /* Not recorded: a blob that only this upload brought goes again. */
        if (created)
            aula_blob_remove(u->api->dir, hex);
        aula_http_respond_error(req, rc == AULA_ENOENT ? 404 : 503,
                                rc == AULA_ENOENT ? "room not found"
                                                  : "the file could not be recorded; try again");
    }
    aula_free(name);
}

static void on_end(void *ud, aula_http_request *req)
{
    upload *u = ud;
    finish(u, req);
    count(u->api, req->status);
    upload_free(u);
}

static void on_abort(void *ud, int status)
{
    upload *u = ud;
    if (status != 413 && status != 415)
        AULA_LOG_DEBUG("files", "upload ended early", "room=%s status=%d", u->room_id, status);
    count(u->api, status);
    upload_free(u);
}

static const aula_http_body_cb upload_cb = {on_data, on_end, on_abort};

void aula__files_upload_begin(aula_files_api *api, aula_http_request *req, const char *room_id)
{
    aula_join_claims who;
    if (aula__files_authorize(api, req, room_id, 1, 0, "upload files", &who) != 0) {
        count(api, req->status);
        return;
    }
    upload *u = aula_calloc(1, sizeof *u);
    u->api = api;
    snprintf(u->room_id, sizeof u->room_id, "%s", room_id);
    u->who = who;
    if (read_name(req, &u->name) != 0 || read_declared(req, u) != 0) {
        count(api, req->status);
        upload_free(u);
        return;
    }
    int rc = aula_http_request_stream_body(req, api->max_bytes, &upload_cb, u);
    if (rc == AULA_ETOOBIG) {
        char msg[128];
        snprintf(msg, sizeof msg,
                 "the file is too large: files may be at most %llu bytes (%.1f MiB)",
                 (unsigned long long)api->max_bytes, (double)api->max_bytes / (1024.0 * 1024.0));
        aula_http_respond_error(req, 413, msg);
        count(api, req->status);
        upload_free(u);
        return;
    }
    if (rc != 0) {
        aula_http_respond_error(req, 500, "internal server error");
        count(api, req->status);
        upload_free(u);
        return;
    }
    /* From here on_end or on_abort owns u. */
    if (aula_blob_begin(api->dir, &u->blob) != 0)
        aula_http_respond_error(req, 507, "the file could not be stored; try again later");
}
