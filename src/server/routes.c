#include "server/routes.h"

#include "auth/api_json.h"
#include "core/buf.h"
#include "core/error.h"
#include "http/static_files.h"
#include "room/host_api.h"

#include <string.h>

static int is(const aula_http_request *req, const char *method)
{
    return strcmp(req->method, method) == 0;
}

static int method_allowed(aula_http_request *req, const char *allowed)
{
    if (is(req, allowed) || (strcmp(allowed, "GET") == 0 && is(req, "HEAD")))
        return 1;
    aula_api_not_allowed(req, allowed);
    return 0;
}

static void serve_text(aula_http_request *req, int status, const char *type, aula_buf *b)
{
    aula_http_header h = {"Cache-Control", "no-store"};
    aula_http_respond(req, status, type, &h, 1, b->data ? b->data : "", b->len);
}

static void handle_metrics(aula_routes *r, aula_http_request *req)
{
    aula_node_status st;
    r->status(r->status_ud, &st);
    aula_buf b;
    aula_buf_init(&b);
    aula_metrics_render(r->metrics, &st, &b);
    serve_text(req, 200, "text/plain; version=0.0.4; charset=utf-8", &b);
    aula_buf_deinit(&b);
}

static void handle_health(aula_routes *r, aula_http_request *req)
{
    aula_node_status st;
    r->status(r->status_ud, &st);
    aula_buf b;
    aula_buf_init(&b);
    int status = aula_health_render(&st, &b);
    serve_text(req, status, "application/json", &b);
    aula_buf_deinit(&b);
}

/* Routes /api/v1/auth/...; returns the route label. */
static const char *route_auth(aula_routes *r, aula_http_request *req, const char *rest)
{
    if (strcmp(rest, "signup") == 0) {
        if (method_allowed(req, "POST"))
            aula_auth_api_signup(&r->auth, req);
        return "/api/v1/auth/signup";
    }
    if (strcmp(rest, "login") == 0) {
        if (method_allowed(req, "POST"))
            aula_auth_api_login(&r->auth, req);
        return "/api/v1/auth/login";
    }
    if (strcmp(rest, "logout") == 0) {
        if (method_allowed(req, "POST"))
            aula_auth_api_logout(&r->auth, req);
        return "/api/v1/auth/logout";
    }
    if (strcmp(rest, "me") == 0) {
        if (method_allowed(req, "GET"))
            aula_auth_api_me(&r->auth, req);
        return "/api/v1/auth/me";
    }
    aula_http_respond_error(req, 404, "no such API route");
    return "/api/other";
}

/* Routes /api/v1/rooms/{id}[/...]; rest starts at {id}. */
static const char *route_room(aula_routes *r, aula_http_request *req, const char *rest)
{
    char id[64];
    const char *slash = strchr(rest, '/');
    size_t n = slash ? (size_t)(slash - rest) : strlen(rest);
    if (n == 0 || n >= sizeof id) {
        aula_http_respond_error(req, 404, "room not found");
        return "/api/v1/rooms/{id}";
    }
    memcpy(id, rest, n);
    id[n] = '\0';
    if (!slash) {
        if (method_allowed(req, "GET"))
            aula_room_api_get(&r->api, req, id);
        return "/api/v1/rooms/{id}";
    }
    if (strcmp(slash + 1, "join") == 0) {
        if (method_allowed(req, "POST"))
            aula_room_api_join(&r->api, req, id);
        return "/api/v1/rooms/{id}/join";
    }
    if (aula_files_api_match(slash + 1)) {
        aula_files_api_handle(&r->files, req, id, slash + 1);
        return strchr(slash + 1, '/') ? "/api/v1/rooms/{id}/files/{file_id}"
                                      : "/api/v1/rooms/{id}/files";
    }
    if (aula_host_api_handle(&r->api, req, id, slash + 1) == 0)
        return "/api/v1/rooms/{id}/host";
    aula_http_respond_error(req, 404, "no such API route");
    return "/api/other";
}

/* Which API routes act on the session cookie and so need the CSRF token
 * on state-changing methods. Not the host actions (they act on the bearer
 * join token and ignore the cookie) and not join: it changes nothing on
 * the account, and its answer (the token) cannot be read by another site,
 * so a room page need not fetch the CSRF token before joining. */
static int needs_csrf(const char *rest)
{
    if (strncmp(rest, "events", 6) == 0)
        return aula_event_api_needs_csrf(rest + 6);
    return strncmp(rest, "rooms/", 6) != 0;
}

/* Routes /api/v1/...; returns the route label. */
static const char *route_api(aula_routes *r, aula_http_request *req, const char *rest)
{
    if (aula_auth_gate(&r->auth, req, needs_csrf(rest)) != 0)
        return "/api/v1/gate";
    if (strncmp(rest, "auth/", 5) == 0)
        return route_auth(r, req, rest + 5);
    if (strncmp(rest, "events", 6) == 0 && (rest[6] == '\0' || rest[6] == '/'))
        return aula_event_api_route(&r->events, req, rest + 6);
    if (strcmp(rest, "rooms") == 0) {
        if (is(req, "POST"))
            aula_room_api_create(&r->api, req);
        else if (is(req, "GET") || is(req, "HEAD"))
            aula_room_api_list(&r->api, req);
        else
            method_allowed(req, "GET, POST"); /* answers 405 */
        return "/api/v1/rooms";
    }
    if (strncmp(rest, "rooms/", 6) == 0)
        return route_room(r, req, rest + 6);
    aula_http_respond_error(req, 404, "no such API route");
    return "/api/other";
}

/* Picks and runs the handler; returns the route label for metrics. Labels
 * are fixed strings, never the raw path. */
static const char *route(aula_routes *r, aula_http_request *req)
{
    const char *p = req->path;
    if (strcmp(p, "/ws") == 0) {
        if (method_allowed(req, "GET"))
            aula_signaling_accept(r->signaling, req);
        return "/ws";
    }
    if (strncmp(p, "/api/v1/", 8) == 0)
        return route_api(r, req, p + 8);
    if (strncmp(p, "/api/", 5) == 0 || strcmp(p, "/api") == 0) {
        aula_http_respond_error(req, 404, "no such API route (the API lives under /api/v1)");
        return "/api/other";
    }
    if (strcmp(p, "/healthz") == 0) {
        if (method_allowed(req, "GET"))
            handle_health(r, req);
        return "/healthz";
    }
    if (strcmp(p, "/metrics") == 0) {
        if (method_allowed(req, "GET"))
            handle_metrics(r, req);
        return "/metrics";
    }
    if (strncmp(p, "/r/", 3) == 0 && p[3] && !strchr(p + 3, '/')) {
        /* The page itself asks the API whether the room exists. */
        aula_static_serve(req, r->web_dir, "room.html");
        return "/r/{id}";
    }
    if (strncmp(p, "/e/", 3) == 0 && p[3] && !strchr(p + 3, '/')) {
        /* The event page (registration, waiting, the room, the end). */
        aula_static_serve(req, r->web_dir, "event.html");
        return "/e/{id}";
    }
    aula_static_serve(req, r->web_dir, p + 1);
    return "static";
}

void aula_routes_handle(aula_http_request *req, void *ud)
{
    aula_routes *r = ud;
    const char *label = route(r, req);
    if (req->status)
        aula_http_metrics_count(r->metrics, label, req->status);
}

void aula_routes_head(aula_http_request *req, void *ud)
{
    aula_routes *r = ud;
    static const char prefix[] = "/api/v1/rooms/";
    if (strncmp(req->path, prefix, sizeof prefix - 1) != 0)
        return;
    const char *id = req->path + sizeof prefix - 1;
    const char *slash = strchr(id, '/');
    char room[64];
    if (!slash || slash == id || (size_t)(slash - id) >= sizeof room)
        return;
    memcpy(room, id, (size_t)(slash - id));
    room[slash - id] = '\0';
    aula_files_api_head(&r->files, req, room, slash + 1); /* counts its own answers */
}
