/* Tests of static file serving (src/http/static_files.c): MIME types, and
 * files served through a real server on 127.0.0.1 (its loop in a second
 * thread, the client with blocking sockets in the main thread): ETag and
 * 304, HEAD, 405, folders, and paths that try to leave the folder. */
#include "http/static_files.h"

#include "core/alloc.h"
#include "core/log.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

static void test_mime_types(void **state)
{
    (void)state;
    struct {
        const char *name;
        const char *type;
    } cases[] = {
        {"index.html", "text/html; charset=utf-8"},
        {"app.js", "text/javascript; charset=utf-8"},
        {"lib/mod.mjs", "text/javascript; charset=utf-8"},
        {"style.css", "text/css; charset=utf-8"},
        {"i18n/pl.json", "application/json"},
        {"logo.svg", "image/svg+xml"},
        {"a.png", "image/png"},
        {"photo.JPG", "image/jpeg"},
        {"favicon.ico", "image/x-icon"},
        {"font.woff2", "font/woff2"},
        {"LICENSE.txt", "text/plain; charset=utf-8"},
        {"app.webmanifest", "application/manifest+json"},
        {"app.js.map", "application/json"},
        {"README", "application/octet-stream"},
        {".htaccess", "application/octet-stream"},
        {"dir.d/file", "application/octet-stream"},
        {"archive.tar.xz", "application/octet-stream"},
        {"trailing.", "application/octet-stream"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++)
        assert_string_equal(aula_static_mime_type(cases[i].name), cases[i].type);
}

/* ---- a server on a loop thread ---- */

typedef struct harness {
    uv_loop_t loop;
    uv_async_t stop;
    pthread_t thread;
    aula_http_server *server;
    int port;
    char root[128];
    int done;
    int last_status;
} harness;

static void on_done(void *ud)
{
    ((harness *)ud)->done++;
}

static void on_stop(uv_async_t *a)
{
    harness *h = a->data;
    aula_http_server_close(h->server, on_done, h);
    uv_close((uv_handle_t *)a, NULL);
}

static void handler(aula_http_request *req, void *ud)
{
    harness *h = ud;
    h->last_status = aula_static_serve(req, h->root, req->path + 1);
}

static void *loop_main(void *arg)
{
    uv_run(&((harness *)arg)->loop, UV_RUN_DEFAULT);
    return NULL;
}

static void write_file(const char *root, const char *rel, const char *content)
{
    char path[256];
    snprintf(path, sizeof path, "%s/%s", root, rel);
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(content, f);
    fclose(f);
}

static char base_dir[64];

static void start(harness *h)
{
    memset(h, 0, sizeof *h);
    snprintf(base_dir, sizeof base_dir, "/tmp/aula-test-static-XXXXXX");
    assert_non_null(mkdtemp(base_dir));
    snprintf(h->root, sizeof h->root, "%s/web", base_dir);
    assert_int_equal(mkdir(h->root, 0755), 0);
    char sub[160];
    snprintf(sub, sizeof sub, "%s/sub", h->root);
    assert_int_equal(mkdir(sub, 0755), 0);
    write_file(base_dir, "secret.txt", "outside");
    write_file(h->root, "index.html", "<!doctype html><title>aula</title>");
    write_file(h->root, "app.js", "export const x = 1;\n");
    write_file(h->root, "hello world.txt", "spaced");
    write_file(h->root, ".env", "SECRET=1");
    write_file(h->root, "sub/index.html", "sub index");
    char fifo[160];
    snprintf(fifo, sizeof fifo, "%s/pipe.txt", h->root);
    assert_int_equal(mkfifo(fifo, 0644), 0);

    assert_int_equal(uv_loop_init(&h->loop), 0);
    aula_http_server_config cfg = {.host = "127.0.0.1", .on_request = handler, .ud = h};
    assert_int_equal(aula_http_server_create(&h->loop, &cfg, &h->server), 0);
    h->port = aula_http_server_port(h->server);
    uv_async_init(&h->loop, &h->stop, on_stop);
    h->stop.data = h;
    assert_int_equal(pthread_create(&h->thread, NULL, loop_main, h), 0);
}

static void stop(harness *h)
{
    uv_async_send(&h->stop);
    assert_int_equal(pthread_join(h->thread, NULL), 0);
    assert_int_equal(h->done, 1);
    assert_int_equal(uv_loop_close(&h->loop), 0);
    char cmd[200];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", base_dir);
    assert_int_equal(system(cmd), 0);
}

/* ---- a minimal client: one request per connection ---- */

typedef struct response {
    int status;
    char head[4096];
    char body[4096];
    size_t body_len;
} response;

/* Sends req on a fresh connection and reads the whole answer (the server
 * is told to close after it). */
static void fetch(harness *h, const char *method, const char *path, const char *extra, response *r)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)h->port)};
    sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    char req[1024];
    int n = snprintf(req, sizeof req, "%s %s HTTP/1.1\r\nHost: t\r\nConnection: close\r\n%s\r\n",
                     method, path, extra ? extra : "");
    assert_int_equal(send(fd, req, (size_t)n, MSG_NOSIGNAL), n);
    char all[8192];
    size_t len = 0;
    for (;;) {
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        assert_int_equal(poll(&pfd, 1, 5000), 1);
        ssize_t got = recv(fd, all + len, sizeof all - len - 1, 0);
        assert_true(got >= 0);
        if (got == 0)
            break;
        len += (size_t)got;
    }
    close(fd);
    all[len] = '\0';
    char *end = strstr(all, "\r\n\r\n");
    assert_non_null(end);
    memset(r, 0, sizeof *r);
    memcpy(r->head, all, (size_t)(end - all) + 2);
    assert_int_equal(sscanf(r->head, "HTTP/1.1 %d", &r->status), 1);
    r->body_len = len - (size_t)(end + 4 - all);
    memcpy(r->body, end + 4, r->body_len);
}

/* The value of header name in r, copied to out; false when absent. */
static bool header(const response *r, const char *name, char *out, size_t cap)
{
    char want[128];
    snprintf(want, sizeof want, "\r\n%s: ", name);
    const char *p = strcasestr(r->head, want);
    if (!p)
        return false;
    p += strlen(want);
    const char *e = strstr(p, "\r\n");
    size_t n = (size_t)(e - p) < cap - 1 ? (size_t)(e - p) : cap - 1;
    memcpy(out, p, n);
    out[n] = '\0';
    return true;
}

static void test_serving(void **state)
{
    (void)state;
    harness h;
    start(&h);
    response r;
    char v[256];

    fetch(&h, "GET", "/", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "<!doctype html><title>aula</title>");
    assert_true(header(&r, "Content-Type", v, sizeof v));
    assert_string_equal(v, "text/html; charset=utf-8");
    assert_true(header(&r, "Cache-Control", v, sizeof v));
    assert_string_equal(v, "no-cache");
    assert_true(header(&r, "X-Content-Type-Options", v, sizeof v));

    fetch(&h, "GET", "/app.js?v=2", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "export const x = 1;\n");
    assert_true(header(&r, "Content-Type", v, sizeof v));
    assert_string_equal(v, "text/javascript; charset=utf-8");
    char etag[128];
    assert_true(header(&r, "ETag", etag, sizeof etag));
    assert_int_equal(etag[0], '"');
    assert_int_equal(etag[strlen(etag) - 1], '"');

    /* HEAD: the length of the body that GET would send, and no body. */
    fetch(&h, "HEAD", "/app.js", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_true(header(&r, "Content-Length", v, sizeof v));
    assert_string_equal(v, "20");
    assert_int_equal(r.body_len, 0);

    fetch(&h, "GET", "/sub", NULL, &r);
    assert_string_equal(r.body, "sub index");
    fetch(&h, "GET", "/sub/", NULL, &r);
    assert_string_equal(r.body, "sub index");
    fetch(&h, "GET", "/hello%20world.txt", NULL, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "spaced");

    fetch(&h, "POST", "/app.js", "Content-Length: 0\r\n", &r);
    assert_int_equal(r.status, 405);
    assert_true(header(&r, "Allow", v, sizeof v));
    assert_string_equal(v, "GET, HEAD");
    assert_non_null(strstr(r.body, "\"status\":405"));
    stop(&h);
    assert_int_equal(h.last_status, 405);
}

static void test_etag_and_304(void **state)
{
    (void)state;
    harness h;
    start(&h);
    response r;
    char etag[128], v[256], extra[300];
    fetch(&h, "GET", "/app.js", NULL, &r);
    assert_true(header(&r, "ETag", etag, sizeof etag));

    const char *matching[] = {"If-None-Match: %s\r\n", "If-None-Match: W/%s\r\n",
                              "If-None-Match: \"nope\", %s\r\n", "If-None-Match: *\r\n"};
    for (size_t i = 0; i < sizeof matching / sizeof matching[0]; i++) {
        snprintf(extra, sizeof extra, matching[i], etag);
        fetch(&h, "GET", "/app.js", extra, &r);
        assert_int_equal(r.status, 304);
        assert_int_equal(r.body_len, 0);
        assert_true(header(&r, "ETag", v, sizeof v));
        assert_string_equal(v, etag);
        assert_true(header(&r, "Cache-Control", v, sizeof v));
        assert_false(header(&r, "Content-Length", v, sizeof v));
    }
    fetch(&h, "GET", "/app.js", "If-None-Match: \"other\"\r\n", &r);
    assert_int_equal(r.status, 200);
    fetch(&h, "GET", "/app.js", "If-None-Match: garbage\r\n", &r);
    assert_int_equal(r.status, 200);

    /* A changed file has a new validator: the old one no longer matches. */
    write_file(h.root, "app.js", "export const x = 2; // longer\n");
    snprintf(extra, sizeof extra, "If-None-Match: %s\r\n", etag);
    fetch(&h, "GET", "/app.js", extra, &r);
    assert_int_equal(r.status, 200);
    assert_string_equal(r.body, "export const x = 2; // longer\n");
    assert_true(header(&r, "ETag", v, sizeof v));
    assert_string_not_equal(v, etag);
    stop(&h);
}

static void test_traversal_and_missing(void **state)
{
    (void)state;
    harness h;
    start(&h);
    const char *bad[] = {
        "/../secret.txt",
        "/%2e%2e/secret.txt",
        "/%2E%2E/secret.txt",
        "/sub/../../secret.txt",
        "/sub/%2e%2e/%2e%2e/secret.txt",
        "/..%2fsecret.txt",
        "/%2fetc%2fpasswd",
        "/app.js%00.html",
        "/.env",
        "/sub/%2e",
        "/missing.html",
        "/%zz",
        "/%2",
        "/pipe.txt", /* a FIFO: not a regular file, and must not block */
    };
    response r;
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        fetch(&h, "GET", bad[i], NULL, &r);
        if (r.status != 404)
            print_error("%s: %d\n", bad[i], r.status);
        assert_int_equal(r.status, 404);
        assert_null(strstr(r.body, "outside"));
        assert_non_null(strstr(r.body, "\"status\":404"));
    }
    stop(&h);
}

int main(void)
{
    aula_log_level = AULA_LOG_LEVEL_WARN;
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_mime_types),
        cmocka_unit_test(test_serving),
        cmocka_unit_test(test_etag_and_304),
        cmocka_unit_test(test_traversal_and_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
