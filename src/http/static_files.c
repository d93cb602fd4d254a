#include "http/static_files.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/hex.h"
#include "core/log.h"

#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

/* The web client is a few hundred kilobytes of small files; anything much
 * larger in the folder is a mistake we refuse to load into memory. */
#define MAX_FILE_BYTES (64u * 1024 * 1024)

static const struct {
    const char *ext;
    const char *type;
} mime_types[] = {
    {"html", "text/html; charset=utf-8"},
    {"htm", "text/html; charset=utf-8"},
    {"js", "text/javascript; charset=utf-8"},
    {"mjs", "text/javascript; charset=utf-8"},
    {"css", "text/css; charset=utf-8"},
    {"json", "application/json"},
    {"map", "application/json"},
    {"webmanifest", "application/manifest+json"},
    {"txt", "text/plain; charset=utf-8"},
    {"md", "text/markdown; charset=utf-8"},
    {"xml", "application/xml"},
    {"svg", "image/svg+xml"},
    {"png", "image/png"},
    {"jpg", "image/jpeg"},
    {"jpeg", "image/jpeg"},
    {"gif", "image/gif"},
    {"webp", "image/webp"},
    {"avif", "image/avif"},
    {"ico", "image/x-icon"},
    {"woff", "font/woff"},
    {"woff2", "font/woff2"},
    {"ttf", "font/ttf"},
    {"otf", "font/otf"},
    {"wasm", "application/wasm"},
    {"pdf", "application/pdf"},
    {"mp3", "audio/mpeg"},
    {"ogg", "audio/ogg"},
    {"opus", "audio/ogg"},
    {"wav", "audio/wav"},
    {"mp4", "video/mp4"},
    {"webm", "video/webm"},
};

const char *aula_static_mime_type(const char *filename)
{
    const char *slash = strrchr(filename, '/');
    const char *base = slash ? slash + 1 : filename;
    const char *dot = strrchr(base, '.');
    if (!dot || dot == base)
        return "application/octet-stream";
    for (size_t i = 0; i < sizeof mime_types / sizeof mime_types[0]; i++)
        if (strcasecmp(dot + 1, mime_types[i].ext) == 0)
            return mime_types[i].type;
    return "application/octet-stream";
}

/* Percent-decodes rel_path (RFC 3986 section 2.1) and appends it to out
 * segment by segment. Returns false for anything that could leave the
 * folder or name a hidden file: "..", any segment starting with '.', a
 * decoded NUL, a malformed escape. Empty segments ("a//b") are skipped. */
static bool append_safe_path(aula_buf *out, const char *rel_path)
{
    aula_buf seg;
    aula_buf_init(&seg);
    bool ok = true;
    const char *p = rel_path;
    for (;;) {
        char c = *p;
        if (c == '/' || c == '\0') {
            if (seg.len > 0) {
                if (seg.data[0] == '.') {
                    ok = false;
                    break;
                }
                aula_buf_append(out, "/", 1);
                aula_buf_append(out, seg.data, seg.len);
                aula_buf_reset(&seg);
            }
            if (c == '\0')
                break;
            p++;
            continue;
        }
        if (c == '%') {
            int hi = aula_hex_digit(p[1]);
            int lo = hi < 0 ? -1 : aula_hex_digit(p[2]);
            if (lo < 0) {
                ok = false;
                break;
            }
            c = (char)(hi << 4 | lo);
            p += 3;
            /* An encoded slash would join segments past the ".." check. */
            if (c == '\0' || c == '/' || c == '\\') {
                ok = false;
                break;
            }
        } else {
            p++;
        }
        aula_buf_append(&seg, &c, 1);
    }
    aula_buf_deinit(&seg);
    return ok;
}

/* If-None-Match (RFC 7232 section 3.2) with the weak comparison it calls
 * for: "W/" prefixes are ignored, "*" matches any current file. */
static bool etag_matches(const char *header, const char *etag)
{
    size_t etag_len = strlen(etag);
    const char *p = header;
    while (*p) {
        while (*p == ' ' || *p == '\t' || *p == ',')
            p++;
        if (*p == '*')
            return true;
        if (p[0] == 'W' && p[1] == '/')
            p += 2;
        if (*p != '"')
            return false;
        const char *end = strchr(p + 1, '"');
        if (!end)
            return false;
        if ((size_t)(end + 1 - p) == etag_len && memcmp(p, etag, etag_len) == 0)
            return true;
        p = end + 1;
    }
    return false;
}

static int open_file(const char *path, struct stat *st)
{
    /* O_NONBLOCK: opening a FIFO planted in the folder must not hang the
     * loop; regular files ignore it. */
    int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
    if (fd < 0)
        return -1;
    if (fstat(fd, st) != 0) {
        close(fd);
        return -1;
    }
    return fd;
}

static bool read_all(int fd, aula_buf *b, size_t size)
{
    aula_buf_reserve(b, size);
    while (b->len < size) {
        ssize_t n = read(fd, b->data + b->len, size - b->len);
        if (n < 0 && errno == EINTR)
            continue;
        if (n <= 0)
            return false; /* an error, or the file shrank under us */
        b->len += (size_t)n;
    }
    b->data[b->len] = '\0';
    return true;
}

/* A person who mistyped an address gets the folder's 404.html page; API
 * clients and scripts (no text/html in Accept) get the JSON error. */
static int not_found(aula_http_request *req, const char *root)
{
    const char *accept = aula_http_request_header(req, "Accept");
    if (accept && strstr(accept, "text/html")) {
        aula_buf path, body;
        aula_buf_init(&path);
        aula_buf_init(&body);
        aula_buf_printf(&path, "%s/404.html", root);
        struct stat st;
        int fd = open_file(path.data, &st);
        bool ok = fd >= 0 && S_ISREG(st.st_mode) && (unsigned long long)st.st_size <= 65536 &&
                  read_all(fd, &body, (size_t)st.st_size);
        if (fd >= 0)
            close(fd);
        if (ok) {
            const aula_http_header h = {"Cache-Control", "no-cache"};
            aula_http_respond(req, 404, "text/html; charset=utf-8", &h, 1, body.data, body.len);
        }
        aula_buf_deinit(&path);
        aula_buf_deinit(&body);
        if (ok)
            return 404;
    }
    aula_http_respond_error(req, 404, "not found");
    return 404;
}

int aula_static_serve(aula_http_request *req, const char *root, const char *rel_path)
{
    bool head = strcmp(req->method, "HEAD") == 0;
    if (!head && strcmp(req->method, "GET") != 0) {
        static const char body[] =
            "{\"error\":{\"status\":405,\"message\":\"method not allowed\"}}";
        const aula_http_header allow = {"Allow", "GET, HEAD"};
        aula_http_respond(req, 405, "application/json", &allow, 1, body, sizeof body - 1);
        return 405;
    }

    aula_buf path;
    aula_buf_init(&path);
    aula_buf_append_str(&path, root);
    size_t root_len = path.len;
    if (!append_safe_path(&path, rel_path)) {
        aula_buf_deinit(&path);
        return not_found(req, root);
    }
    if (path.len == root_len)
        aula_buf_append_str(&path, "/index.html");

    struct stat st;
    int fd = open_file(path.data, &st);
    if (fd >= 0 && S_ISDIR(st.st_mode)) {
        close(fd);
        aula_buf_append_str(&path, "/index.html");
        fd = open_file(path.data, &st);
    }
    if (fd < 0 || !S_ISREG(st.st_mode)) {
        if (fd >= 0)
            close(fd);
        aula_buf_deinit(&path);
        return not_found(req, root);
    }

    if ((unsigned long long)st.st_size > MAX_FILE_BYTES) {
        char q[256];
        AULA_LOG_WARN("http", "static file too large", "path=%s bytes=%lld",
                      aula_log_quote(q, sizeof q, path.data), (long long)st.st_size);
        close(fd);
        aula_buf_deinit(&path);
        aula_http_respond_error(req, 500, "file too large");
        return 500;
    }

    /* Strong validator from size and modification time (nanoseconds): a
     * rewrite changes at least one of them. */
    char etag[64];
    snprintf(etag, sizeof etag, "\"%llx-%llx\"", (unsigned long long)st.st_size,
             (unsigned long long)st.st_mtim.tv_sec * 1000000000ull +
                 (unsigned long long)st.st_mtim.tv_nsec);
    const aula_http_header headers[] = {
        {"ETag", etag},
        {"Cache-Control", "no-cache"},
        {"X-Content-Type-Options", "nosniff"},
    };
    const char *type = aula_static_mime_type(path.data);
    const char *inm = aula_http_request_header(req, "If-None-Match");
    int status;
    if (inm && etag_matches(inm, etag)) {
        status = 304;
        aula_http_respond(req, 304, NULL, headers, 3, NULL, 0);
    } else if (head) {
        status = 200;
        aula_http_respond(req, 200, type, headers, 3, NULL, (size_t)st.st_size);
    } else {
        aula_buf body;
        aula_buf_init(&body);
        if (read_all(fd, &body, (size_t)st.st_size)) {
            status = 200;
            aula_http_respond(req, 200, type, headers, 3, body.data, body.len);
        } else {
            char q[256];
            AULA_LOG_ERROR("http", "static file read failed", "path=%s",
                           aula_log_quote(q, sizeof q, path.data));
            status = 500;
            aula_http_respond_error(req, 500, "read failed");
        }
        aula_buf_deinit(&body);
    }
    close(fd);
    aula_buf_deinit(&path);
    return status;
}
