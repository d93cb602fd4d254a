#include "auth/auth_api.h"

#include "auth/api_json.h"
#include "auth/password.h"
#include "core/alloc.h"
#include "core/clock.h"
#include "core/error.h"
#include "core/log.h"
#include "core/random.h"
#include "room/text.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#define COOKIE_BYTES 32
#define CSRF_BYTES 16
#define USER_ID_BYTES 8
#define EMAIL_MAX 254
#define HASH_HEX (2 * 32 + 1)

/* A hash of a password nobody has, verified when the e-mail is unknown so
 * that a wrong address takes as long to refuse as a wrong password. */
static const char dummy_hash[] = "$argon2id$v=19$m=19456,t=2,p=1$c29tZXNhbHRzb21lc2FsdA"
                                 "$TDuSsa5pG0qJsLc2uvEqzwV3W5Ie7SSOOZGLiWGf9fQ";

static void sha256_hex(const char *s, char out[HASH_HEX])
{
    unsigned char md[32];
    unsigned int len = 0;
    EVP_Digest(s, strlen(s), md, &len, EVP_sha256(), NULL);
    static const char hex[] = "0123456789abcdef";
    for (unsigned int i = 0; i < 32; i++) {
        out[2 * i] = hex[md[i] >> 4];
        out[2 * i + 1] = hex[md[i] & 15];
    }
    out[64] = '\0';
}

static int is_state_changing(const aula_http_request *req)
{
    return strcmp(req->method, "POST") == 0 || strcmp(req->method, "PUT") == 0 ||
           strcmp(req->method, "PATCH") == 0 || strcmp(req->method, "DELETE") == 0;
}

int aula_auth_session(const aula_auth_api *api, const aula_http_request *req, int64_t now_ms,
                      aula_session_rec *out)
{
    char cookie[2 * COOKIE_BYTES + 1], hash[HASH_HEX];
    memset(out, 0, sizeof *out);
    if (aula_api_cookie(req, AULA_SESSION_COOKIE, cookie, sizeof cookie) != 0 ||
        strlen(cookie) != 2 * COOKIE_BYTES)
        return AULA_ENOENT;
    sha256_hex(cookie, hash);
    return aula_store_session_get(api->store, hash, now_ms, out);
}

/* "scheme://host[:port]" of a URL, into out; "" when it has no scheme. */
static void url_origin(const char *url, char *out, size_t n)
{
    out[0] = '\0';
    const char *p = strstr(url, "://");
    if (!p)
        return;
    const char *end = strchr(p + 3, '/');
    size_t len = end ? (size_t)(end - url) : strlen(url);
    if (len < n) {
        memcpy(out, url, len);
        out[len] = '\0';
    }
}

static int origin_ok(const aula_auth_api *api, const aula_http_request *req)
{
    const char *origin = aula_http_request_header(req, "Origin");
    if (!origin)
        return 1;
    char pub[512];
    if (api->public_url && *api->public_url) {
        url_origin(api->public_url, pub, sizeof pub);
        if (*pub && strcasecmp(origin, pub) == 0)
            return 1;
    }
    const char *host = aula_http_request_header(req, "Host");
    const char *p = strstr(origin, "://");
    return host && p && strcasecmp(p + 3, host) == 0;
}

int aula_auth_gate(const aula_auth_api *api, aula_http_request *req, int check_csrf)
{
    if (!is_state_changing(req))
        return 0;
    if (!origin_ok(api, req)) {
        aula_http_respond_error(req, 403,
                                "this request came from another site (Origin does not "
                                "match)");
        return -1;
    }
    if (!check_csrf)
        return 0;
    aula_session_rec sess;
    int rc = aula_auth_session(api, req, aula_wall_ms(), &sess);
    if (rc == AULA_ENOENT)
        return 0; /* no live session: nothing to forge */
    if (rc != 0) {
        aula_http_respond_error(req, 503, "the session could not be read, try again");
        return -1;
    }
    const char *sent = aula_http_request_header(req, "X-CSRF-Token");
    size_t len = strlen(sess.csrf);
    int ok = sent && strlen(sent) == len && CRYPTO_memcmp(sent, sess.csrf, len) == 0;
    aula_session_rec_deinit(&sess);
    if (!ok) {
        aula_http_respond_error(req, 403, "missing or wrong CSRF token");
        return -1;
    }
    return 0;
}

static json_t *user_json(const aula_user_rec *u)
{
    return json_pack("{s:s,s:s,s:s}", "id", u->id, "email", u->email, "name", u->name);
}

/* Set-Cookie for value, or for clearing when value is NULL. */
static void cookie_header(const aula_auth_api *api, const char *value, char *out, size_t n)
{
    if (value)
        snprintf(out, n, "%s=%s; Path=/; HttpOnly; SameSite=Lax; Max-Age=%lld%s",
                 AULA_SESSION_COOKIE, value, AULA_SESSION_TTL_MS / 1000,
                 api->tls ? "; Secure" : "");
    else
        snprintf(out, n, "%s=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0%s", AULA_SESSION_COOKIE,
                 api->tls ? "; Secure" : "");
}

/* Starts a session for u and answers status {user, csrf} with its cookie. */
static void start_session(const aula_auth_api *api, aula_http_request *req, int status,
                          const aula_user_rec *u)
{
    char cookie[2 * COOKIE_BYTES + 1], hash[HASH_HEX], csrf[2 * CSRF_BYTES + 1];
    aula_random_hex(cookie, COOKIE_BYTES);
    aula_random_hex(csrf, CSRF_BYTES);
    sha256_hex(cookie, hash);
    int64_t now = aula_wall_ms();
    if (aula_store_session_create(api->store, hash, u->id, csrf, now, now + AULA_SESSION_TTL_MS) !=
        0) {
        aula_http_respond_error(req, 503, "the session could not be stored, try again");
        return;
    }
    char set[256];
    cookie_header(api, cookie, set, sizeof set);
    aula_http_header h[] = {{"Set-Cookie", set}, {"Cache-Control", "no-store"}};
    json_t *body = json_pack("{s:o,s:s}", "user", user_json(u), "csrf", csrf);
    aula_api_respond_json(req, status, body, h, 2);
    OPENSSL_cleanse(cookie, sizeof cookie);
}

/* A plausible address: one @, something on both sides, a dot in the
 * domain, no spaces or control characters. Deliverability is for a
 * confirmation e-mail to prove, not for a pattern. */
static int email_ok(const char *e)
{
    size_t n = strlen(e);
    const char *at = strchr(e, '@');
    if (n < 3 || n > EMAIL_MAX || !at || at == e || strchr(at + 1, '@') || !at[1] ||
        !strchr(at + 1, '.') || at[n - (size_t)(at - e) - 1] == '.')
        return 0;
    for (const char *c = e; *c; c++)
        if ((unsigned char)*c <= ' ' || *c == 0x7f)
            return 0;
    return 1;
}

/* Counts code points (the body is valid UTF-8: jansson checked it). */
static size_t utf8_chars(const char *s)
{
    size_t n = 0;
    for (; *s; s++)
        n += ((unsigned char)*s & 0xc0) != 0x80;
    return n;
}

void aula_auth_api_signup(const aula_auth_api *api, aula_http_request *req)
{
    json_t *body = NULL;
    if (aula_api_read_object(req, &body) != 0)
        return;
    const char *email = NULL, *name = NULL, *password = NULL;
    char *clean_name = NULL, *hash = NULL;
    char why[96], msg[160];
    if (aula_api_opt_string(req, body, "email", &email) != 0 ||
        aula_api_opt_string(req, body, "name", &name) != 0 ||
        aula_api_opt_string(req, body, "password", &password) != 0)
        goto done;
    if (!email || !email_ok(email)) {
        aula_http_respond_error(req, 400, "email must be an e-mail address like anna@example.org");
        goto done;
    }
    if (!name || aula_text_clean(name, strlen(name), AULA_NAME_MAX_CHARS, &clean_name, why,
                                 sizeof why) != 0) {
        snprintf(msg, sizeof msg, "name %s", name ? why : "is missing");
        aula_http_respond_error(req, 400, msg);
        goto done;
    }
    if (!password || utf8_chars(password) < AULA_SIGNUP_PASSWORD_MIN ||
        strlen(password) > AULA_PASSWORD_MAX_LEN) {
        snprintf(msg, sizeof msg, "password must be between %d and %d characters long",
                 AULA_SIGNUP_PASSWORD_MIN, AULA_PASSWORD_MAX_LEN);
        aula_http_respond_error(req, 400, msg);
        goto done;
    }
    if (aula_password_hash(password, strlen(password), &hash) != 0) {
        aula_http_respond_error(req, 503, "the password could not be processed, try again");
        goto done;
    }
    char id[2 * USER_ID_BYTES + 1];
    aula_random_hex(id, USER_ID_BYTES);
    aula_user_rec u = {.id = id,
                       .email = (char *)email,
                       .name = clean_name,
                       .password_hash = hash,
                       .created_ms = aula_wall_ms()};
    int rc = aula_store_user_create(api->store, &u);
    if (rc == AULA_EEXIST) {
        aula_http_respond_error(req, 409, "an account with this e-mail already exists: log in");
        goto done;
    }
    if (rc != 0) {
        aula_http_respond_error(req, 503, "the account could not be stored, try again");
        goto done;
    }
    aula_user_rec stored;
    if (aula_store_user_get(api->store, id, &stored) != 0) {
        aula_http_respond_error(req, 503, "the account could not be read, try again");
        goto done;
    }
    AULA_LOG_INFO("auth", "account created", "user=%s", id);
    start_session(api, req, 201, &stored);
    aula_user_rec_deinit(&stored);
done:
    aula_free(clean_name);
    aula_free(hash);
    json_decref(body);
}

void aula_auth_api_login(const aula_auth_api *api, aula_http_request *req)
{
    json_t *body = NULL;
    if (aula_api_read_object(req, &body) != 0)
        return;
    const char *email = NULL, *password = NULL;
    if (aula_api_opt_string(req, body, "email", &email) != 0 ||
        aula_api_opt_string(req, body, "password", &password) != 0)
        goto done;
    if (!email || !password || !*email || !*password) {
        aula_http_respond_error(req, 400, "send email and password");
        goto done;
    }
    char ekey[EMAIL_MAX + 8], akey[80];
    snprintf(ekey, sizeof ekey, "e:%s", email);
    for (char *c = ekey; *c; c++)
        if (*c >= 'A' && *c <= 'Z')
            *c = (char)(*c - 'A' + 'a');
    snprintf(akey, sizeof akey, "a:%s", req->remote_addr ? req->remote_addr : "");
    int64_t now = aula_wall_ms();
    if (aula_login_limit_blocked(api->limit, ekey, now) ||
        aula_login_limit_blocked(api->limit, akey, now)) {
        aula_http_header h = {"Retry-After", "60"};
        json_t *o = json_pack("{s:{s:i,s:s}}", "error", "status", 429, "message",
                              "too many failed log-ins: wait a minute and try again");
        aula_api_respond_json(req, 429, o, &h, 1);
        goto done;
    }
    aula_user_rec u;
    int rc = aula_store_user_by_email(api->store, email, &u);
    if (rc != 0 && rc != AULA_ENOENT) {
        aula_http_respond_error(req, 503, "the account could not be read, try again");
        goto done;
    }
    int ok = aula_password_verify(rc == 0 ? u.password_hash : dummy_hash, password,
                                  strlen(password)) == 0 &&
             rc == 0;
    if (!ok) {
        aula_login_limit_fail(api->limit, ekey, now);
        aula_login_limit_fail(api->limit, akey, now);
        char qa[64];
        AULA_LOG_INFO("auth", "log-in refused", "addr=%s",
                      aula_log_quote(qa, sizeof qa, req->remote_addr ? req->remote_addr : ""));
        aula_http_respond_error(req, 401, "wrong e-mail or password");
    } else {
        aula_login_limit_clear(api->limit, ekey);
        start_session(api, req, 200, &u);
    }
    aula_user_rec_deinit(&u);
done:
    json_decref(body);
}

void aula_auth_api_logout(const aula_auth_api *api, aula_http_request *req)
{
    aula_session_rec sess;
    if (aula_auth_session(api, req, aula_wall_ms(), &sess) == 0) {
        aula_store_session_delete(api->store, sess.token_hash);
        aula_session_rec_deinit(&sess);
    }
    char set[160];
    cookie_header(api, NULL, set, sizeof set);
    aula_http_header h = {"Set-Cookie", set};
    aula_http_respond(req, 204, NULL, &h, 1, NULL, 0);
}

void aula_auth_api_me(const aula_auth_api *api, aula_http_request *req)
{
    aula_session_rec sess;
    int rc = aula_auth_session(api, req, aula_wall_ms(), &sess);
    aula_user_rec u;
    if (rc == 0)
        rc = aula_store_user_get(api->store, sess.user_id, &u);
    if (rc == AULA_ENOENT) {
        aula_session_rec_deinit(&sess);
        aula_http_respond_error(req, 401, "not logged in");
        return;
    }
    if (rc != 0) {
        aula_session_rec_deinit(&sess);
        aula_http_respond_error(req, 503, "the session could not be read, try again");
        return;
    }
    aula_http_header h = {"Cache-Control", "no-store"};
    json_t *body = json_pack("{s:o,s:s}", "user", user_json(&u), "csrf", sess.csrf);
    aula_api_respond_json(req, 200, body, &h, 1);
    aula_user_rec_deinit(&u);
    aula_session_rec_deinit(&sess);
}
