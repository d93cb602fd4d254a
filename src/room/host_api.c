#include "room/host_api.h"

#include "auth/api_json.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "room/host_controls.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

enum action { ACT_MUTE, ACT_REMOVE, ACT_ROLE, ACT_LOCK, ACT_LOBBY, ACT_END };

/* Checks the bearer token; fills *c. Answers 401/403 and returns -1 when
 * the caller may not act in this room at all. */
static int authorise(const aula_room_api *api, aula_http_request *req, const char *room_id,
                     aula_join_claims *c)
{
    const char *auth = aula_http_request_header(req, "Authorization");
    if (!auth || strncasecmp(auth, "Bearer ", 7) != 0 || !auth[7]) {
        aula_http_header h = {"WWW-Authenticate", "Bearer"};
        json_t *o = json_pack("{s:{s:i,s:s}}", "error", "status", 401, "message",
                              "send your join token as Authorization: Bearer <token>");
        aula_api_respond_json(req, 401, o, &h, 1);
        return -1;
    }
    char why[128];
    int rc = aula_join_token_verify(api->signer, auth + 7, aula_wall_ms(), c, why, sizeof why);
    if (rc == AULA_ETIMEDOUT) {
        aula_http_respond_error(req, 401, "the join token has expired: join again");
        return -1;
    }
    if (rc != 0) {
        char qw[160];
        AULA_LOG_INFO("api", "join token refused", "room=%s why=%s", room_id,
                      aula_log_quote(qw, sizeof qw, why));
        aula_http_respond_error(req, 401, "the join token is not valid");
        return -1;
    }
    if (strcmp(c->room, room_id) != 0) {
        aula_http_respond_error(req, 403, "this join token is for another room");
        return -1;
    }
    return 0;
}

/* Reads the action's body parameters; answers 400 and returns -1 when they
 * are wrong. */
static int read_params(aula_http_request *req, enum action act, int *kind, int *flag,
                       aula_role *role)
{
    json_t *body = NULL;
    if (aula_api_read_object(req, &body) != 0)
        return -1;
    int rc = 0;
    const char *s = NULL;
    if (act == ACT_MUTE) {
        *flag = 0;
        rc = aula_api_opt_string(req, body, "kind", &s);
        if (rc == 0 && !(s && (strcmp(s, "audio") == 0 || strcmp(s, "video") == 0))) {
            aula_http_respond_error(req, 400, "kind must be \"audio\" or \"video\"");
            rc = -1;
        }
        if (rc == 0) {
            *kind = strcmp(s, "audio") == 0 ? AULA_TRACK_AUDIO : AULA_TRACK_VIDEO;
            rc = aula_api_opt_bool(req, body, "allow_unmute", flag);
        }
    } else if (act == ACT_ROLE) {
        rc = aula_api_opt_string(req, body, "role", &s);
        if (rc == 0 && (!s || aula_role_parse(s, role) != 0 || *role == AULA_ROLE_HOST)) {
            aula_http_respond_error(req, 400, "role must be \"cohost\" or \"participant\"");
            rc = -1;
        }
    } else if (act == ACT_LOCK || act == ACT_LOBBY) {
        const char *key = act == ACT_LOCK ? "locked" : "lobby";
        *flag = -1;
        rc = aula_api_opt_bool(req, body, key, flag);
        if (rc == 0 && *flag < 0) {
            char msg[64];
            snprintf(msg, sizeof msg, "%s must be true or false", key);
            aula_http_respond_error(req, 400, msg);
            rc = -1;
        }
    }
    json_decref(body);
    return rc;
}

/* Splits "participants/{pid}/verb" or "verb"; returns -1 when action is
 * not a host route. */
static int parse_action(const char *action, enum action *act, char *pid, size_t pidlen)
{
    static const struct {
        const char *verb;
        enum action act;
        int on_participant;
    } routes[] = {
        {"mute", ACT_MUTE, 1}, {"remove", ACT_REMOVE, 1}, {"role", ACT_ROLE, 1},
        {"lock", ACT_LOCK, 0}, {"lobby", ACT_LOBBY, 0},   {"end", ACT_END, 0},
    };
    const char *verb = action;
    pid[0] = '\0';
    if (strncmp(action, "participants/", 13) == 0) {
        const char *p = action + 13, *slash = strchr(p, '/');
        if (!slash || slash == p || (size_t)(slash - p) >= pidlen)
            return -1;
        memcpy(pid, p, (size_t)(slash - p));
        pid[slash - p] = '\0';
        verb = slash + 1;
    }
    for (size_t i = 0; i < sizeof routes / sizeof routes[0]; i++) {
        if (strcmp(verb, routes[i].verb) == 0 && routes[i].on_participant == (pid[0] != '\0')) {
            *act = routes[i].act;
            return 0;
        }
    }
    return -1;
}

static int status_of(int rc)
{
    switch (rc) {
    case AULA_EPERM:
        return 403;
    case AULA_ENOENT:
        return 404;
    case AULA_EINVAL:
        return 400;
    default:
        return 500;
    }
}

int aula_host_api_handle(const aula_room_api *api, aula_http_request *req, const char *room_id,
                         const char *action)
{
    enum action act;
    char pid[64];
    if (parse_action(action, &act, pid, sizeof pid) != 0)
        return AULA_ENOENT;
    if (strcmp(req->method, "POST") != 0) {
        aula_api_not_allowed(req, "POST");
        return 0;
    }
    aula_join_claims c;
    int kind = 0, flag = 0;
    aula_role role = AULA_ROLE_PARTICIPANT;
    if (authorise(api, req, room_id, &c) != 0 || read_params(req, act, &kind, &flag, &role) != 0)
        return 0;
    aula_actor a = {.role = c.role, .participant_id = c.participant};
    char why[160] = "";
    int rc;
    switch (act) {
    case ACT_MUTE:
        rc = aula_host_mute(api->rooms, room_id, &a, pid, kind, flag, why, sizeof why);
        break;
    case ACT_REMOVE:
        rc = aula_host_remove(api->rooms, room_id, &a, pid, why, sizeof why);
        break;
    case ACT_ROLE:
        rc = aula_host_set_role(api->rooms, room_id, &a, pid, role, why, sizeof why);
        break;
    case ACT_LOCK:
        rc = aula_host_lock(api->rooms, room_id, &a, flag, why, sizeof why);
        break;
    case ACT_LOBBY:
        rc = aula_host_set_lobby(api->rooms, room_id, &a, flag, why, sizeof why);
        break;
    default:
        rc = aula_host_end(api->rooms, room_id, &a, why, sizeof why);
        break;
    }
    if (rc != 0) {
        aula_http_respond_error(req, status_of(rc), *why ? why : aula_strerror(rc));
        return 0;
    }
    aula_api_respond_json(req, 200, json_pack("{s:b}", "ok", 1), NULL, 0);
    return 0;
}
