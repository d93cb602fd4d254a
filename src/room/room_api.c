#include "room/room_api.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "room/text.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <uv.h>

#define DEFAULT_TITLE "Meeting"

static void respond_json(aula_http_request *req, int status, json_t *body)
{
    char *text = json_dumps(body, JSON_COMPACT);
    json_decref(body);
    aula_http_respond(req, status, "application/json", NULL, 0, text, strlen(text));
    free(text); /* jansson allocates with malloc */
}

/* The absolute link to a room: public_url when configured, else the scheme
 * and Host of the request (a Host header with odd bytes falls back to a
 * relative link rather than echoing them). */
static char *join_url(const aula_room_api *api, aula_http_request *req, const char *id)
{
    aula_buf b;
    aula_buf_init(&b);
    if (api->public_url && *api->public_url) {
        size_t n = strlen(api->public_url);
        while (n > 0 && api->public_url[n - 1] == '/')
            n--;
        aula_buf_append(&b, api->public_url, n);
    } else {
        const char *host = aula_http_request_header(req, "Host");
        int safe = host && *host && strlen(host) < 256;
        for (const char *c = host; safe && *c; c++)
            safe = (*c >= 'a' && *c <= 'z') || (*c >= 'A' && *c <= 'Z') ||
                   (*c >= '0' && *c <= '9') || strchr(".-:[]", *c);
        if (safe)
            aula_buf_printf(&b, "%s://%s", api->tls ? "https" : "http", host);
    }
    aula_buf_printf(&b, "/r/%s", id);
    return aula_buf_steal(&b);
}

static json_t *room_json(const aula_room_api *api, aula_http_request *req, const aula_room_rec *rec)
{
    char path[64];
    snprintf(path, sizeof path, "/r/%s", rec->id);
    char *url = join_url(api, req, rec->id);
    json_t *o = json_pack("{s:s,s:s,s:I,s:s,s:s}", "id", rec->id, "title", rec->title, "created",
                          (json_int_t)rec->created_ms, "join_path", path, "join_url", url);
    aula_free(url);
    return o;
}

static int is_json_content_type(const char *ct)
{
    if (!ct)
        return 0;
    size_t n = strlen("application/json");
    return strncasecmp(ct, "application/json", n) == 0 &&
           (ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ');
}

/* Reads the optional title from the body into *title. Answers the request
 * with 4xx and returns -1 when the body is not acceptable. */
static int read_title(aula_http_request *req, char **title)
{
    const char *type = aula_http_request_header(req, "Content-Type");
    if (req->body_len == 0 && !type) {
        *title = aula_strdup(DEFAULT_TITLE);
        return 0;
    }
    if (!is_json_content_type(type)) {
        aula_http_respond_error(req, 415, "send the body as application/json");
        return -1;
    }
    json_error_t jerr;
    json_t *body = json_loadb(req->body, req->body_len, 0, &jerr);
    if (!json_is_object(body)) {
        json_decref(body);
        aula_http_respond_error(req, 400,
                                "the body must be a JSON object like {\"title\": \"...\"}");
        return -1;
    }
    json_t *t = json_object_get(body, "title");
    int rc = 0;
    if (!t) {
        *title = aula_strdup(DEFAULT_TITLE);
    } else if (!json_is_string(t)) {
        aula_http_respond_error(req, 400, "title must be a string");
        rc = -1;
    } else {
        char why[96], msg[128];
        if (aula_text_clean(json_string_value(t), json_string_length(t), AULA_TITLE_MAX_CHARS,
                            title, why, sizeof why) != 0) {
            snprintf(msg, sizeof msg, "title %s", why);
            aula_http_respond_error(req, 400, msg);
            rc = -1;
        }
    }
    json_decref(body);
    return rc;
}

void aula_room_api_create(const aula_room_api *api, aula_http_request *req)
{
    char *title = NULL;
    if (read_title(req, &title) != 0)
        return;
    char id[AULA_ROOM_ID_LEN + 1];
    aula_room_rec rec = {.id = id, .title = title, .created_ms = aula_wall_ms()};
    int rc = AULA_EEXIST;
    /* 23^10 ids make a collision unlikely; retrying makes it harmless. */
    for (int attempt = 0; attempt < 5 && rc == AULA_EEXIST; attempt++) {
        aula_random_room_id(id);
        rc = aula_store_room_create(api->store, &rec);
    }
    if (rc != 0) {
        aula_free(title);
        aula_http_respond_error(req, 503, "the room could not be stored, try again");
        return;
    }
    AULA_LOG_INFO("api", "room created", "room=%s", id);
    respond_json(req, 201, room_json(api, req, &rec));
    aula_free(title);
}

void aula_room_api_get(const aula_room_api *api, aula_http_request *req, const char *id)
{
    aula_room_rec rec;
    int rc = aula_room_id_valid(id) ? aula_store_room_get(api->store, id, &rec) : AULA_ENOENT;
    if (rc == AULA_ENOENT) {
        aula_http_respond_error(req, 404, "room not found");
        return;
    }
    if (rc != 0) {
        aula_http_respond_error(req, 503, "the room could not be read, try again");
        return;
    }
    json_t *o = room_json(api, req, &rec);
    aula_room *live = aula_rooms_find(api->rooms, id);
    json_object_set_new(o, "participants",
                        json_integer(live ? (json_int_t)aula_room_size(live) : 0));
    aula_room_rec_deinit(&rec);
    respond_json(req, 200, o);
}
