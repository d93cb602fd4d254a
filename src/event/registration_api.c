/* Registration for an event, the registrants list (JSON and CSV) and
 * invitations by e-mail. */
#include "auth/api_json.h"
#include "core/alloc.h"
#include "core/buf.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "event/event_csv.h"
#include "event/event_internal.h"
#include "event/mime.h"
#include "room/text.h"

#include <ctype.h>
#include <stdio.h>
#include <string.h>

#define JOIN_KEY_BYTES 16

static void lower_ascii(char *s)
{
    for (; *s; s++)
        *s = (char)tolower((unsigned char)*s);
}

/* Cleans and checks an e-mail address into out (lower-cased). */
static int clean_email(const char *in, char *out, size_t len)
{
    if (!in)
        return AULA_EINVAL;
    while (*in == ' ')
        in++;
    size_t n = strlen(in);
    while (n > 0 && in[n - 1] == ' ')
        n--;
    if (n == 0 || n >= len)
        return AULA_EINVAL;
    memcpy(out, in, n);
    out[n] = '\0';
    lower_ascii(out);
    return aula_mail_addr_valid(out) ? 0 : AULA_EINVAL;
}

static char *personal_path(const char *event_id, const char *key)
{
    aula_buf b;
    aula_buf_init(&b);
    aula_buf_printf(&b, "/e/%s#k=%s", event_id, key);
    aula_buf_append(&b, "", 1);
    return aula_buf_steal(&b);
}

/* Sends the confirmation; returns 1 when it was queued. */
static int send_confirmation(const aula_event_api *api, const aula_event_rec *ev,
                             const aula_registration_rec *r)
{
    if (!aula_event_api_mail_on(api))
        return 0;
    char *base = aula__event_mail_base(api);
    char *path = personal_path(ev->id, r->join_key);
    aula_buf link;
    aula_buf_init(&link);
    aula_buf_printf(&link, "%s%s", base, path);
    aula_buf_append(&link, "", 1);
    aula_event_mail m = {.kind = AULA_EVENT_MAIL_CONFIRM,
                         .ev = ev,
                         .to_name = r->name,
                         .to_email = r->email,
                         .link = link.data,
                         .lang = r->lang,
                         .now_ms = aula_wall_ms()};
    int ok = aula__event_mail(api, &m) == 0;
    aula_buf_deinit(&link);
    aula_free(path);
    aula_free(base);
    return ok;
}

typedef struct reg_input {
    const char *name, *email, *lang;
    int consent;
} reg_input;

static int read_reg(aula_http_request *req, json_t *body, reg_input *in, aula_registration_rec *r,
                    char *email, size_t emaillen)
{
    char why[96], msg[160];
    in->consent = 0;
    if (aula_api_opt_string(req, body, "name", &in->name) != 0 ||
        aula_api_opt_string(req, body, "email", &in->email) != 0 ||
        aula_api_opt_string(req, body, "lang", &in->lang) != 0 ||
        aula_api_opt_bool(req, body, "consent", &in->consent) != 0)
        return -1;
    if (!in->name) {
        aula_http_respond_error(req, 400, "name is missing: say how others will see you");
        return -1;
    }
    if (aula_text_clean(in->name, strlen(in->name), AULA_NAME_MAX_CHARS, &r->name, why,
                        sizeof why) != 0) {
        snprintf(msg, sizeof msg, "name %s", why);
        aula_http_respond_error(req, 400, msg);
        return -1;
    }
    if (!in->email) {
        aula_http_respond_error(req, 400, "email is missing: your link is sent there");
        return -1;
    }
    if (clean_email(in->email, email, emaillen) != 0) {
        aula_http_respond_error(req, 400, "email is not an e-mail address (like ola@example.org)");
        return -1;
    }
    if (in->consent != 1) {
        aula_api_respond_error_extra(req, 400, "consent to the privacy notice is required",
                                     json_pack("{s:b}", "consent_required", 1));
        return -1;
    }
    if (in->lang && strcmp(in->lang, "en") != 0 && strcmp(in->lang, "pl") != 0) {
        aula_http_respond_error(req, 400, "lang must be \"en\" or \"pl\"");
        return -1;
    }
    return 0;
}

/* Why a registration is refused for the event as it is now; NULL if not. */
static const char *closed_reason(const aula_event_rec *ev, int64_t now, const char **status)
{
    aula_event_status st =
        aula_event_status_at(ev->starts_ms, ev->duration_min, ev->cancelled_ms, now);
    *status = aula_event_status_name(st);
    if (st == AULA_EVENT_CANCELLED)
        return "this event was cancelled";
    if (st == AULA_EVENT_ENDED)
        return "this event is over";
    if (strcmp(ev->access, "registration") != 0)
        return "this event needs no registration: open its link to join";
    return NULL;
}

void aula__event_register(const aula_event_api *api, aula_http_request *req, const char *id)
{
    aula_event_rec ev;
    if (aula__event_load(api, req, id, &ev) != 0)
        return;
    json_t *body = NULL;
    reg_input in;
    aula_registration_rec r = {0}, old = {0};
    char email[AULA_MAIL_ADDR_MAX + 1], rid[AULA_PARTICIPANT_ID_LEN + 1],
        key[2 * JOIN_KEY_BYTES + 1];
    int64_t now = aula_wall_ms();
    const char *status;
    const char *closed = closed_reason(&ev, now, &status);
    if (closed) {
        aula_api_respond_error_extra(req, 409, closed, json_pack("{s:s}", "status", status));
        goto done;
    }
    if (aula_api_read_object(req, &body) != 0 || read_reg(req, body, &in, &r, email, sizeof email))
        goto done;
    int mail_on = aula_event_api_mail_on(api);
    int rc = aula_store_registration_by_email(api->store, id, email, &old);
    if (rc == 0) {
        /* Known address: send the link again rather than register twice.
         * The link itself goes only to the mailbox (whoever typed the
         * address may not own it), unless e-mail is off; and again at
         * most once per AULA_EVENT_RESEND_MS, so that repeating the form
         * cannot flood that mailbox. */
        int64_t wait = old.mailed_ms > 0 ? old.mailed_ms + AULA_EVENT_RESEND_MS - now : 0;
        int sent = 0;
        if (mail_on && wait <= 0 && aula_store_registration_mailed(api->store, old.id, now) == 0)
            sent = send_confirmation(api, &ev, &old);
        json_t *o = json_pack("{s:b,s:b,s:b}", "already_registered", 1, "email_sent", sent,
                              "email_off", !mail_on);
        if (mail_on && wait > 0)
            json_object_set_new(o, "resend_after",
                                json_integer(old.mailed_ms + AULA_EVENT_RESEND_MS));
        if (!mail_on) {
            char *path = personal_path(id, old.join_key);
            json_object_set_new(o, "personal_url", json_string(path));
            aula_free(path);
        }
        aula_api_respond_json(req, 200, o, NULL, 0);
        goto done;
    }
    if (rc != AULA_ENOENT) {
        aula_http_respond_error(req, 503, "the registration could not be read, try again");
        goto done;
    }
    aula_random_hex(rid, AULA_PARTICIPANT_ID_LEN / 2);
    aula_random_hex(key, JOIN_KEY_BYTES);
    r.id = aula_strdup(rid);
    r.event_id = aula_strdup(id);
    r.email = aula_strdup(email);
    r.lang = aula_strdup(in.lang ? in.lang : "en");
    r.join_key = aula_strdup(key);
    r.consent_ms = r.created_ms = now;
    rc = aula_store_registration_add(api->store, &r);
    if (rc != 0) {
        aula_http_respond_error(req, rc == AULA_EEXIST ? 409 : 503,
                                rc == AULA_EEXIST ? "this e-mail address registered just now"
                                                  : "the registration could not be stored, "
                                                    "try again");
        goto done;
    }
    int sent = send_confirmation(api, &ev, &r);
    AULA_LOG_INFO("event", "registered", "event=%s registration=%s email_sent=%d", id, r.id, sent);
    char *path = personal_path(id, key);
    json_t *o =
        json_pack("{s:s,s:{s:s,s:s,s:s},s:b,s:b}", "personal_url", path, "registration", "id", r.id,
                  "name", r.name, "email", r.email, "email_sent", sent, "email_off", !mail_on);
    aula_free(path);
    aula_api_respond_json(req, 201, o, NULL, 0);
done:
    json_decref(body);
    aula_registration_rec_deinit(&r);
    aula_registration_rec_deinit(&old);
    aula_event_rec_deinit(&ev);
}

void aula__event_registrants(const aula_event_api *api, aula_http_request *req, const char *id,
                             int csv)
{
    aula_event_rec ev;
    if (aula__event_load(api, req, id, &ev) != 0)
        return;
    aula_registration_rec *regs = NULL;
    size_t n = 0;
    if (!aula__event_require_owner(api, req, &ev))
        goto done;
    if (aula_store_registrations_list(api->store, id, &regs, &n) != 0) {
        aula_http_respond_error(req, 503, "the registrants could not be read, try again");
        goto done;
    }
    if (csv) {
        aula_buf b;
        aula_buf_init(&b);
        static const char *const head[] = {"name", "email", "registered_utc", "consent_utc"};
        aula_csv_row(&b, head, 4);
        for (size_t i = 0; i < n; i++) {
            char at[32], consent[32];
            aula_time_iso_utc(regs[i].created_ms, at, sizeof at);
            aula_time_iso_utc(regs[i].consent_ms, consent, sizeof consent);
            const char *row[] = {regs[i].name, regs[i].email, at, consent};
            aula_csv_row(&b, row, 4);
        }
        char disp[96];
        snprintf(disp, sizeof disp, "attachment; filename=\"registrants-%s.csv\"", id);
        aula_http_header h[] = {{"Content-Disposition", disp}, {"Cache-Control", "no-store"}};
        aula_http_respond(req, 200, "text/csv; charset=utf-8", h, 2, b.data ? b.data : "", b.len);
        aula_buf_deinit(&b);
        goto done;
    }
    json_t *arr = json_array();
    for (size_t i = 0; i < n; i++)
        json_array_append_new(arr, json_pack("{s:s,s:s,s:s,s:I,s:I}", "id", regs[i].id, "name",
                                             regs[i].name, "email", regs[i].email, "registered",
                                             (json_int_t)regs[i].created_ms, "consent",
                                             (json_int_t)regs[i].consent_ms));
    aula_http_header h = {"Cache-Control", "no-store"};
    aula_api_respond_json(
        req, 200, json_pack("{s:o,s:I}", "registrants", arr, "count", (json_int_t)n), &h, 1);
done:
    aula_registration_recs_free(regs, n);
    aula_event_rec_deinit(&ev);
}

/* Reads and checks the address list; answers 400 and returns -1. */
static int read_addresses(aula_http_request *req, json_t *body, char ***out, size_t *n_out)
{
    json_t *arr = json_object_get(body, "emails");
    size_t n = json_is_array(arr) ? json_array_size(arr) : 0;
    if (n == 0 || n > AULA_EVENT_INVITES_MAX) {
        aula_http_respond_error(req, 400, "emails must be a list of 1 to 500 e-mail addresses");
        return -1;
    }
    char **list = aula_calloc(n, sizeof *list);
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        json_t *v = json_array_get(arr, i);
        char email[AULA_MAIL_ADDR_MAX + 1];
        if (!json_is_string(v) || clean_email(json_string_value(v), email, sizeof email) != 0) {
            char msg[AULA_MAIL_ADDR_MAX + 64];
            snprintf(msg, sizeof msg, "emails[%zu] is not an e-mail address", i);
            aula_http_respond_error(req, 400, msg);
            for (size_t j = 0; j < k; j++)
                aula_free(list[j]);
            aula_free(list);
            return -1;
        }
        int dup = 0;
        for (size_t j = 0; j < k && !dup; j++)
            dup = strcmp(list[j], email) == 0;
        if (!dup)
            list[k++] = aula_strdup(email);
    }
    *out = list;
    *n_out = k;
    return 0;
}

void aula__event_invite(const aula_event_api *api, aula_http_request *req, const char *id)
{
    aula_event_rec ev;
    if (aula__event_load(api, req, id, &ev) != 0)
        return;
    json_t *body = NULL;
    char **list = NULL;
    size_t n = 0;
    const char *message = NULL, *lang = NULL, *status;
    int64_t now = aula_wall_ms();
    if (!aula__event_require_owner(api, req, &ev))
        goto done;
    if (!aula_event_api_mail_on(api)) {
        aula_api_respond_error_extra(req, 409, "e-mail is off on this server",
                                     json_pack("{s:b}", "email_off", 1));
        goto done;
    }
    const char *closed = closed_reason(&ev, now, &status);
    if (closed && strcmp(status, "scheduled") != 0 && strcmp(status, "live") != 0) {
        aula_api_respond_error_extra(req, 409, closed, json_pack("{s:s}", "status", status));
        goto done;
    }
    if (aula_api_read_object(req, &body) != 0 ||
        aula_api_opt_string(req, body, "message", &message) != 0 ||
        aula_api_opt_string(req, body, "lang", &lang) != 0 ||
        read_addresses(req, body, &list, &n) != 0)
        goto done;
    if (message && (aula_mail_text_check(message, 1) != 0 || strlen(message) > 4 * 2000)) {
        aula_http_respond_error(req, 400, "message must be plain text of at most 2000 characters");
        goto done;
    }
    char *base = aula__event_mail_base(api);
    char link[512];
    snprintf(link, sizeof link, "%s/e/%s", base, id);
    size_t queued = 0;
    for (size_t i = 0; i < n; i++) {
        aula_event_mail m = {.kind = AULA_EVENT_MAIL_INVITE,
                             .ev = &ev,
                             .to_email = list[i],
                             .link = link,
                             .lang = lang && strcmp(lang, "pl") == 0 ? "pl" : "en",
                             .message = message,
                             .now_ms = now};
        queued += aula__event_mail(api, &m) == 0;
    }
    aula_free(base);
    AULA_LOG_INFO("event", "invitations queued", "event=%s queued=%zu of=%zu", id, queued, n);
    aula_api_respond_json(req, 202,
                          json_pack("{s:I,s:I}", "queued", (json_int_t)queued, "not_queued",
                                    (json_int_t)(n - queued)),
                          NULL, 0);
done:
    for (size_t i = 0; i < n; i++)
        aula_free(list[i]);
    aula_free(list);
    json_decref(body);
    aula_event_rec_deinit(&ev);
}
