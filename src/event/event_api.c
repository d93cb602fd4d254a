/* Events over REST: routing, create, list, get, edit, cancel, and the
 * helpers the other event route files share (event_internal.h). */
#include "event/event_api.h"

#include "auth/api_json.h"
#include "auth/password.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "event/event_internal.h"
#include "event/mime.h"
#include "room/text.h"

#include <stdio.h>
#include <string.h>

#define KEY_BYTES 16 /* 32 hex characters for host and presenter keys */

/* ---- shared helpers ------------------------------------------------------------------------ */

int aula_event_api_mail_on(const aula_event_api *api)
{
    return api->mailer && aula_mailer_enabled(api->mailer);
}

int aula__event_load(const aula_event_api *api, aula_http_request *req, const char *id,
                     aula_event_rec *ev)
{
    int rc = aula_room_id_valid(id) ? aula_store_event_get(api->store, id, ev) : AULA_ENOENT;
    if (rc == AULA_ENOENT)
        aula_http_respond_error(req, 404, "event not found");
    else if (rc != 0)
        aula_http_respond_error(req, 503, "the event could not be read, try again");
    return rc == 0 ? 0 : -1;
}

int aula__event_require_owner(const aula_event_api *api, aula_http_request *req,
                              const aula_event_rec *ev)
{
    char *user = aula_api_session_user(api->auth, req);
    int ok = user && strcmp(user, ev->owner_id) == 0;
    if (!user)
        aula_http_respond_error(req, 401, "log in as the event's host to do this");
    else if (!ok)
        aula_http_respond_error(req, 403, "only the host who made this event may do this");
    aula_free(user);
    return ok;
}

char *aula__event_mail_base(const aula_event_api *api)
{
    const char *u = api->public_url && *api->public_url ? api->public_url : api->local_url;
    size_t n = strlen(u);
    while (n > 0 && u[n - 1] == '/')
        n--;
    return aula_strndup(u, n);
}

aula_tz *aula__event_zone(const aula_event_api *api, const aula_event_rec *ev)
{
    aula_tz *tz = NULL;
    const char *dir = api->zoneinfo_dir ? api->zoneinfo_dir : AULA_ZONEINFO_DIR;
    if (aula_tz_load(dir, ev->time_zone, &tz) != 0) {
        AULA_LOG_WARN("event", "time zone no longer loads, using UTC", "event=%s zone=%s", ev->id,
                      ev->time_zone);
        aula_tz_load(dir, "UTC", &tz);
    }
    return tz;
}

int aula__event_mail(const aula_event_api *api, aula_event_mail *m)
{
    if (!aula_event_api_mail_on(api))
        return AULA_ECONFIG;
    aula_tz *tz = aula__event_zone(api, m->ev);
    m->tz = tz;
    m->from = aula_mailer_from(api->mailer);
    const char *at = strrchr(m->from, '@');
    char domain[128] = "aula";
    if (at) {
        size_t n = strcspn(at + 1, ">");
        if (n > 0 && n < sizeof domain) {
            memcpy(domain, at + 1, n);
            domain[n] = '\0';
        }
    }
    m->uid_domain = domain;
    aula_buf b;
    aula_buf_init(&b);
    char why[160];
    int rc = aula_event_mail_compose(m, &b, why, sizeof why);
    if (rc != 0)
        AULA_LOG_WARN("event", "e-mail not composed", "event=%s why=%s", m->ev->id, why);
    else
        rc = aula_mailer_send(api->mailer, m->to_email, b.data, b.len, NULL, NULL);
    if (rc != 0 && rc != AULA_EINVAL)
        AULA_LOG_WARN("event", "e-mail not queued", "event=%s err=%s", m->ev->id,
                      aula_strerror(rc));
    aula_buf_deinit(&b);
    aula_tz_destroy(tz);
    return rc;
}

json_t *aula__event_json(const aula_event_api *api, aula_http_request *req,
                         const aula_event_rec *ev, int owner, int64_t now_ms)
{
    aula_tz *tz = aula__event_zone(api, ev);
    char utc[32], local[32], offset[16];
    aula_time_iso_utc(ev->starts_ms, utc, sizeof utc);
    aula_time_local(tz, ev->starts_ms, local, sizeof local, offset, sizeof offset);
    aula_tz_destroy(tz);
    aula_event_status st =
        aula_event_status_at(ev->starts_ms, ev->duration_min, ev->cancelled_ms, now_ms);
    json_t *o =
        json_pack("{s:s,s:s,s:s,s:I,s:s,s:s,s:s,s:s,s:I,s:I,s:s,s:s,s:s,s:s,s:b}", "id", ev->id,
                  "title", ev->title, "description", ev->description, "starts",
                  (json_int_t)ev->starts_ms, "starts_utc", utc, "starts_local", local, "utc_offset",
                  offset, "time_zone", ev->time_zone, "duration_min", (json_int_t)ev->duration_min,
                  "ends", (json_int_t)(ev->starts_ms + ev->duration_min * 60000), "type", ev->type,
                  "access", ev->access, "status", aula_event_status_name(st), "welcome_text",
                  ev->welcome_text, "email_on", aula_event_api_mail_on(api));
    if (ev->cancelled_ms > 0)
        json_object_set_new(o, "cancelled", json_integer(ev->cancelled_ms));
    if (!owner)
        return o;
    aula_room_rec room;
    char *host_key = NULL;
    if (aula_store_room_get(api->store, ev->room_id, &room) == 0) {
        host_key = room.host_key;
        room.host_key = NULL;
        aula_room_rec_deinit(&room);
    }
    int64_t count = 0;
    aula_store_registrations_count(api->store, ev->id, &count);
    char page[64];
    snprintf(page, sizeof page, "/e/%s", ev->id);
    aula_buf host, pres;
    aula_buf_init(&host);
    aula_buf_init(&pres);
    aula_buf_printf(&host, "/e/%s#host=%s", ev->id, host_key ? host_key : "");
    aula_buf_printf(&pres, "/e/%s#presenter=%s", ev->id, ev->presenter_key);
    char *base = aula_api_base_url(req, api->public_url, api->tls);
    json_object_set_new(o, "links",
                        json_pack("{s:s,s:s%,s:s%}", "page", page, "host", host.data, host.len,
                                  "presenter", pres.data, pres.len));
    json_object_set_new(o, "base_url", json_string(base));
    json_object_set_new(o, "room", json_string(ev->room_id));
    json_object_set_new(o, "host_key", json_string(host_key ? host_key : ""));
    json_object_set_new(o, "presenter_key", json_string(ev->presenter_key));
    json_object_set_new(o, "registrants", json_integer(count));
    json_object_set_new(o, "created", json_integer(ev->created_ms));
    json_object_set_new(o, "reminder_sent",
                        ev->reminder_sent_ms > 0 ? json_integer(ev->reminder_sent_ms)
                                                 : json_null());
    aula_free(base);
    aula_free(host_key);
    aula_buf_deinit(&host);
    aula_buf_deinit(&pres);
    return o;
}

/* ---- reading what the host typed ----------------------------------------------------------- */

/* The fields of a create or edit request; NULL/-1 when absent. */
typedef struct event_input {
    const char *title, *description, *starts, *time_zone, *type, *access, *password, *welcome;
    int64_t duration_min; /* -1: absent */
} event_input;

static int opt_int(aula_http_request *req, json_t *body, const char *key, int64_t *out)
{
    json_t *v = json_object_get(body, key);
    if (!v || json_is_null(v))
        return 0;
    if (!json_is_integer(v)) {
        char msg[96];
        snprintf(msg, sizeof msg, "%s must be a whole number", key);
        aula_http_respond_error(req, 400, msg);
        return -1;
    }
    *out = json_integer_value(v);
    return 0;
}

static int read_input(aula_http_request *req, json_t *body, event_input *in)
{
    memset(in, 0, sizeof *in);
    in->duration_min = -1;
    return aula_api_opt_string(req, body, "title", &in->title) ||
                   aula_api_opt_string(req, body, "description", &in->description) ||
                   aula_api_opt_string(req, body, "starts", &in->starts) ||
                   aula_api_opt_string(req, body, "time_zone", &in->time_zone) ||
                   aula_api_opt_string(req, body, "type", &in->type) ||
                   aula_api_opt_string(req, body, "access", &in->access) ||
                   aula_api_opt_string(req, body, "password", &in->password) ||
                   aula_api_opt_string(req, body, "welcome_text", &in->welcome) ||
                   opt_int(req, body, "duration_min", &in->duration_min)
               ? -1
               : 0;
}

/* Checks a multi-line text (description, welcome text) and replaces *dst. */
static int set_long_text(aula_http_request *req, const char *what, const char *s, size_t max,
                         char **dst)
{
    size_t chars = 0;
    for (const char *p = s; *p; p++)
        chars += ((unsigned char)*p & 0xC0) != 0x80;
    char msg[128];
    if (aula_mail_text_check(s, 1) != 0) {
        snprintf(msg, sizeof msg, "%s holds characters that are not allowed", what);
        aula_http_respond_error(req, 400, msg);
        return -1;
    }
    if (chars > max) {
        snprintf(msg, sizeof msg, "%s is longer than %zu characters", what, max);
        aula_http_respond_error(req, 400, msg);
        return -1;
    }
    aula_free(*dst);
    *dst = aula_strdup(s);
    return 0;
}

static int one_of(const char *s, const char *a, const char *b, const char *c)
{
    return strcmp(s, a) == 0 || strcmp(s, b) == 0 || (c && strcmp(s, c) == 0);
}

/* Applies in to ev (for a create, ev starts empty). Answers 400 and
 * returns -1 on the first bad value. */
static int apply_input(const aula_event_api *api, aula_http_request *req, const event_input *in,
                       aula_event_rec *ev, int64_t now)
{
    char why[96], msg[160];
    const char *dir = api->zoneinfo_dir ? api->zoneinfo_dir : AULA_ZONEINFO_DIR;
    if (in->title) {
        char *t = NULL;
        if (aula_text_clean(in->title, strlen(in->title), AULA_TITLE_MAX_CHARS, &t, why,
                            sizeof why) != 0) {
            snprintf(msg, sizeof msg, "title %s", why);
            aula_http_respond_error(req, 400, msg);
            return -1;
        }
        aula_free(ev->title);
        ev->title = t;
    }
    if ((in->description && set_long_text(req, "description", in->description,
                                          AULA_EVENT_DESCRIPTION_MAX, &ev->description)) ||
        (in->welcome && set_long_text(req, "welcome_text", in->welcome, AULA_EVENT_WELCOME_MAX,
                                      &ev->welcome_text)))
        return -1;
    if (in->type) {
        if (!one_of(in->type, "meeting", "webinar", NULL)) {
            aula_http_respond_error(req, 400, "type must be \"meeting\" or \"webinar\"");
            return -1;
        }
        aula_free(ev->type);
        ev->type = aula_strdup(in->type);
    }
    if (in->duration_min != -1) {
        if (in->duration_min < 1 || in->duration_min > AULA_EVENT_DURATION_MAX) {
            aula_http_respond_error(req, 400, "duration_min must be from 1 to 1440 minutes");
            return -1;
        }
        ev->duration_min = in->duration_min;
    }
    char old_local[32] = "", off[16];
    if (ev->time_zone) {
        aula_tz *old = aula__event_zone(api, ev);
        aula_time_local(old, ev->starts_ms, old_local, sizeof old_local, off, sizeof off);
        aula_tz_destroy(old);
    }
    if (in->time_zone) {
        aula_tz *tz = NULL;
        if (aula_tz_load(dir, in->time_zone, &tz) != 0) {
            aula_http_respond_error(req, 400,
                                    "time_zone is not a known time zone (like \"Europe/Warsaw\")");
            return -1;
        }
        aula_tz_destroy(tz);
        aula_free(ev->time_zone);
        ev->time_zone = aula_strdup(in->time_zone);
    }
    if (in->starts || in->time_zone) {
        const char *s = in->starts;
        aula_tz *tz = NULL;
        if (aula_tz_load(dir, ev->time_zone, &tz) != 0) {
            aula_http_respond_error(req, 400, "time_zone is missing: say where the time is");
            return -1;
        }
        if (!s) /* a new zone keeps the wall-clock time */
            s = old_local;
        aula_iso_time it;
        if (aula_iso_time_parse(s, &it) != 0) {
            aula_tz_destroy(tz);
            aula_http_respond_error(req, 400,
                                    "starts must be a date and time like 2026-12-01T18:00 "
                                    "(or with an offset, like 2026-12-01T18:00+01:00)");
            return -1;
        }
        int64_t utc =
            it.has_offset ? it.local_s - it.offset_s : aula_tz_local_to_utc(tz, it.local_s);
        aula_tz_destroy(tz);
        if (utc * 1000 != ev->starts_ms)
            ev->reminder_sent_ms = 0;
        ev->starts_ms = utc * 1000;
    }
    if (ev->starts_ms + ev->duration_min * 60000 <= now) {
        aula_http_respond_error(req, 400, "this time is over already: pick a time in the future");
        return -1;
    }
    if (in->access) {
        if (!one_of(in->access, "open", "password", "registration")) {
            aula_http_respond_error(req, 400,
                                    "access must be \"open\", \"password\" or \"registration\"");
            return -1;
        }
        aula_free(ev->access);
        ev->access = aula_strdup(in->access);
    }
    if (strcmp(ev->access, "password") != 0) {
        aula_free(ev->password_hash);
        ev->password_hash = NULL;
    } else if (in->password && *in->password) {
        if (strlen(in->password) > AULA_PASSWORD_MAX_LEN) {
            aula_http_respond_error(req, 400, "password is too long");
            return -1;
        }
        char *hash = NULL;
        if (aula_password_hash(in->password, strlen(in->password), &hash) != 0) {
            aula_http_respond_error(req, 503, "the password could not be processed, try again");
            return -1;
        }
        aula_free(ev->password_hash);
        ev->password_hash = hash;
    } else if (!ev->password_hash) {
        aula_http_respond_error(req, 400, "password is missing: access \"password\" needs one");
        return -1;
    }
    return 0;
}

/* ---- create, list, get, edit, cancel ------------------------------------------------------- */

static void create(const aula_event_api *api, aula_http_request *req)
{
    char *user = aula_api_session_user(api->auth, req);
    if (!user) {
        aula_http_respond_error(req, 401, "log in to schedule an event");
        return;
    }
    json_t *body = NULL;
    event_input in;
    int64_t now = aula_wall_ms();
    aula_event_rec ev = {.description = aula_strdup(""),
                         .welcome_text = aula_strdup(""),
                         .type = aula_strdup("meeting"),
                         .access = aula_strdup("open"),
                         .duration_min = 60};
    if (aula_api_read_object(req, &body) != 0 || read_input(req, body, &in) != 0)
        goto done;
    if (!in.title || !in.starts || !in.time_zone) {
        aula_http_respond_error(req, 400,
                                !in.title    ? "title is missing: give the event a name"
                                : !in.starts ? "starts is missing: say when the event begins"
                                             : "time_zone is missing (like \"Europe/Warsaw\")");
        goto done;
    }
    if (apply_input(api, req, &in, &ev, now) != 0)
        goto done;
    char id[AULA_ROOM_ID_LEN + 1], room_id[AULA_ROOM_ID_LEN + 1], host_key[2 * KEY_BYTES + 1],
        pres_key[2 * KEY_BYTES + 1];
    aula_random_hex(host_key, KEY_BYTES);
    aula_random_hex(pres_key, KEY_BYTES);
    ev.id = id;
    ev.room_id = room_id;
    ev.owner_id = user;
    ev.presenter_key = pres_key;
    ev.created_ms = now;
    aula_room_rec room = {.id = room_id,
                          .title = ev.title,
                          .created_ms = now,
                          .owner_id = user,
                          .host_key = host_key,
                          .kind = ev.type,
                          .event_id = id};
    int rc = AULA_EEXIST;
    for (int attempt = 0; attempt < 5 && rc == AULA_EEXIST; attempt++) {
        aula_random_room_id(id);
        aula_random_room_id(room_id);
        rc = aula_store_event_create(api->store, &room, &ev);
    }
    if (rc != 0) {
        aula_http_respond_error(req, 503, "the event could not be stored, try again");
    } else {
        AULA_LOG_INFO("event", "event created", "event=%s room=%s type=%s access=%s", id, room_id,
                      ev.type, ev.access);
        aula_api_respond_json(req, 201, aula__event_json(api, req, &ev, 1, now), NULL, 0);
    }
    ev.id = ev.room_id = ev.owner_id = ev.presenter_key = NULL;
done:
    json_decref(body);
    aula_event_rec_deinit(&ev);
    aula_free(user);
}

static void list(const aula_event_api *api, aula_http_request *req)
{
    char *user = aula_api_session_user(api->auth, req);
    if (!user) {
        aula_http_respond_error(req, 401, "log in to see your events");
        return;
    }
    aula_event_when when = AULA_EVENTS_UPCOMING;
    const char *q = req->query ? req->query : "";
    if (strcmp(q, "when=past") == 0) {
        when = AULA_EVENTS_PAST;
    } else if (*q && strcmp(q, "when=upcoming") != 0) {
        aula_free(user);
        aula_http_respond_error(req, 400, "when must be \"upcoming\" or \"past\"");
        return;
    }
    int64_t now = aula_wall_ms();
    aula_event_rec *recs = NULL;
    size_t n = 0;
    if (aula_store_events_list(api->store, user, when, now, &recs, &n) != 0) {
        aula_free(user);
        aula_http_respond_error(req, 503, "the events could not be read, try again");
        return;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, aula__event_json(api, req, &recs[i], 1, now));
    aula_event_recs_free(recs, n);
    aula_free(user);
    aula_http_header h = {"Cache-Control", "no-store"};
    aula_api_respond_json(req, 200,
                          json_pack("{s:o,s:s}", "events", arr, "when",
                                    when == AULA_EVENTS_PAST ? "past" : "upcoming"),
                          &h, 1);
}

static void get(const aula_event_api *api, aula_http_request *req, const char *id)
{
    aula_event_rec ev;
    if (aula__event_load(api, req, id, &ev) != 0)
        return;
    char *user = aula_api_session_user(api->auth, req);
    int owner = user && strcmp(user, ev.owner_id) == 0;
    aula_free(user);
    aula_http_header h = {"Cache-Control", "no-store"};
    aula_api_respond_json(req, 200, aula__event_json(api, req, &ev, owner, aula_wall_ms()), &h, 1);
    aula_event_rec_deinit(&ev);
}

/* E-mails every registrant of ev (kind CANCELLED or CHANGED, with their
 * personal link); returns how many were queued. */
size_t aula__event_mail_registrants(const aula_event_api *api, const aula_event_rec *ev,
                                    aula_event_mail_kind kind, int64_t now)
{
    aula_registration_rec *regs = NULL;
    size_t n = 0, queued = 0;
    if (!aula_event_api_mail_on(api) ||
        aula_store_registrations_list(api->store, ev->id, &regs, &n) != 0)
        return 0;
    char *base = aula__event_mail_base(api);
    char link[512];
    for (size_t i = 0; i < n; i++) {
        snprintf(link, sizeof link, "%s/e/%s#k=%s", base, ev->id, regs[i].join_key);
        aula_event_mail m = {.kind = kind,
                             .ev = ev,
                             .to_name = regs[i].name,
                             .to_email = regs[i].email,
                             .link = link,
                             .lang = regs[i].lang,
                             .now_ms = now};
        queued += aula__event_mail(api, &m) == 0;
    }
    aula_registration_recs_free(regs, n);
    aula_free(base);
    return queued;
}

static void edit(const aula_event_api *api, aula_http_request *req, const char *id)
{
    aula_event_rec ev;
    if (aula__event_load(api, req, id, &ev) != 0)
        return;
    json_t *body = NULL;
    event_input in;
    int64_t now = aula_wall_ms();
    if (!aula__event_require_owner(api, req, &ev) || aula_api_read_object(req, &body) != 0 ||
        read_input(req, body, &in) != 0)
        goto done;
    if (ev.cancelled_ms > 0) {
        aula_api_respond_error_extra(req, 409, "this event was cancelled and cannot be changed",
                                     json_pack("{s:s}", "status", "cancelled"));
        goto done;
    }
    if (aula_event_status_at(ev.starts_ms, ev.duration_min, 0, now) == AULA_EVENT_ENDED) {
        aula_api_respond_error_extra(req, 409, "this event is over and cannot be changed",
                                     json_pack("{s:s}", "status", "ended"));
        goto done;
    }
    int64_t was_starts = ev.starts_ms, was_duration = ev.duration_min;
    if (apply_input(api, req, &in, &ev, now) != 0)
        goto done;
    ev.sequence++;
    int rc = aula_store_event_update(api->store, &ev);
    if (rc != 0) {
        aula_http_respond_error(req, rc == AULA_ENOENT ? 404 : 503,
                                rc == AULA_ENOENT ? "event not found"
                                                  : "the event could not be stored, try again");
        goto done;
    }
    /* Stored; now tell the registrants when the time moved. */
    size_t notified = 0;
    if (ev.starts_ms != was_starts || ev.duration_min != was_duration)
        notified = aula__event_mail_registrants(api, &ev, AULA_EVENT_MAIL_CHANGED, now);
    AULA_LOG_INFO("event", "event edited", "event=%s notified=%zu", ev.id, notified);
    json_t *o = aula__event_json(api, req, &ev, 1, now);
    json_object_set_new(o, "notified", json_integer((json_int_t)notified));
    aula_api_respond_json(req, 200, o, NULL, 0);
done:
    json_decref(body);
    aula_event_rec_deinit(&ev);
}

static void cancel(const aula_event_api *api, aula_http_request *req, const char *id)
{
    aula_event_rec ev;
    if (aula__event_load(api, req, id, &ev) != 0)
        return;
    if (!aula__event_require_owner(api, req, &ev))
        goto done;
    int64_t now = aula_wall_ms();
    int rc = aula_store_event_cancel(api->store, id, now);
    if (rc == AULA_EEXIST) {
        aula_api_respond_error_extra(req, 409, "this event is cancelled already",
                                     json_pack("{s:s}", "status", "cancelled"));
        goto done;
    }
    if (rc != 0) {
        aula_http_respond_error(req, 503, "the event could not be stored, try again");
        goto done;
    }
    ev.cancelled_ms = now;
    ev.sequence++;
    /* Stored first; then the notices, which may take a while to go out. */
    size_t notified = aula__event_mail_registrants(api, &ev, AULA_EVENT_MAIL_CANCELLED, now);
    AULA_LOG_INFO("event", "event cancelled", "event=%s notified=%zu", id, notified);
    json_t *o =
        json_pack("{s:o,s:I,s:b}", "event", aula__event_json(api, req, &ev, 1, now), "notified",
                  (json_int_t)notified, "email_off", !aula_event_api_mail_on(api));
    aula_api_respond_json(req, 200, o, NULL, 0);
done:
    aula_event_rec_deinit(&ev);
}

/* ---- routing ------------------------------------------------------------------------------- */

static int method_is(const aula_http_request *req, const char *m)
{
    return strcmp(req->method, m) == 0 || (strcmp(m, "GET") == 0 && !strcmp(req->method, "HEAD"));
}

int aula_event_api_needs_csrf(const char *rest)
{
    const char *slash = rest[0] == '/' ? strchr(rest + 1, '/') : NULL;
    return !(slash && (strcmp(slash, "/register") == 0 || strcmp(slash, "/join") == 0));
}

/* Sub-routes of /api/v1/events/{id}/...: action is what follows the id. */
static const char *route_action(const aula_event_api *api, aula_http_request *req, const char *id,
                                const char *action)
{
    static const struct {
        const char *name, *method, *label;
        int kind;
    } actions[] = {
        {"cancel", "POST", "/api/v1/events/{id}/cancel", 0},
        {"register", "POST", "/api/v1/events/{id}/register", 1},
        {"registrants", "GET", "/api/v1/events/{id}/registrants", 2},
        {"registrants.csv", "GET", "/api/v1/events/{id}/registrants.csv", 3},
        {"invitations", "POST", "/api/v1/events/{id}/invitations", 4},
        {"join", "POST", "/api/v1/events/{id}/join", 5},
    };
    if (aula_files_api_match(action)) {
        int one = action[5] == '/';
        if (method_is(req, "GET"))
            aula__event_files(api, req, id, one ? action + 6 : NULL);
        else
            aula_api_not_allowed(req, "GET");
        return one ? "/api/v1/events/{id}/files/{file_id}" : "/api/v1/events/{id}/files";
    }
    for (size_t i = 0; i < sizeof actions / sizeof actions[0]; i++) {
        if (strcmp(action, actions[i].name) != 0)
            continue;
        if (!method_is(req, actions[i].method)) {
            aula_api_not_allowed(req, actions[i].method);
            return actions[i].label;
        }
        switch (actions[i].kind) {
        case 0:
            cancel(api, req, id);
            break;
        case 1:
            aula__event_register(api, req, id);
            break;
        case 2:
        case 3:
            aula__event_registrants(api, req, id, actions[i].kind == 3);
            break;
        case 4:
            aula__event_invite(api, req, id);
            break;
        default:
            aula__event_join(api, req, id);
        }
        return actions[i].label;
    }
    aula_http_respond_error(req, 404, "no such API route");
    return "/api/other";
}

const char *aula_event_api_route(const aula_event_api *api, aula_http_request *req,
                                 const char *rest)
{
    if (rest[0] == '\0') {
        if (strcmp(req->method, "POST") == 0)
            create(api, req);
        else if (method_is(req, "GET"))
            list(api, req);
        else
            aula_api_not_allowed(req, "GET, POST");
        return "/api/v1/events";
    }
    char id[64];
    const char *start = rest + 1;
    const char *slash = strchr(start, '/');
    size_t n = slash ? (size_t)(slash - start) : strlen(start);
    if (rest[0] != '/' || n == 0 || n >= sizeof id) {
        aula_http_respond_error(req, 404, "event not found");
        return "/api/v1/events/{id}";
    }
    memcpy(id, start, n);
    id[n] = '\0';
    if (slash)
        return route_action(api, req, id, slash + 1);
    if (method_is(req, "GET"))
        get(api, req, id);
    else if (strcmp(req->method, "PATCH") == 0)
        edit(api, req, id);
    else
        aula_api_not_allowed(req, "GET, PATCH");
    return "/api/v1/events/{id}";
}
