/* Small helpers the JSON REST handlers share (auth_api, room_api,
 * host_api, event_api, files_api, routes): answering with a JSON body or a
 * JSON error, reading a JSON object body, the logged-in user, the base of
 * absolute links, and the pieces of request headers they look at. Thread:
 * the control thread. */
#ifndef AULA_AUTH_API_JSON_H
#define AULA_AUTH_API_JSON_H

#include "auth/auth_api.h"
#include "http/http_server.h"

#include <jansson.h>
#include <stddef.h>

/* Answers with body as compact JSON (takes the reference to body) plus the
 * extra headers (may be NULL when n is 0). */
void aula_api_respond_json(aula_http_request *req, int status, json_t *body,
                           const aula_http_header *headers, size_t n);

/* Answers like aula_http_respond_error ({"error": {"status", "message"}})
 * plus the members of extra at the top level (a new reference, taken; may
 * be NULL). */
void aula_api_respond_error_extra(aula_http_request *req, int status, const char *message,
                                  json_t *extra);

/* aula_api_respond_error_extra with key: true as the extra (key may be
 * NULL): for errors that carry one flag for the page, like
 * password_required. */
void aula_api_respond_error_flag(aula_http_request *req, int status, const char *message,
                                 const char *key);

/* Answers 405 {"error": {"status": 405, "message": "method not allowed"}}
 * with an Allow header of allow (e.g. "GET, POST"). */
void aula_api_not_allowed(aula_http_request *req, const char *allow);

/* The id of the user whose live session the request's cookie names (caller
 * frees), NULL when there is none, auth is NULL or the store failed. */
char *aula_api_session_user(const aula_auth_api *auth, aula_http_request *req);

/* The start of absolute links (caller frees): public_url without trailing
 * slashes when it is set and not empty, else "http(s)://" plus the
 * request's Host header (https when tls), else "" (a relative link) when
 * the Host header is missing, long or has bytes a host name cannot have,
 * rather than echoing them. */
char *aula_api_base_url(aula_http_request *req, const char *public_url, int tls);

/* Reads the request body as a JSON object. An empty body without a
 * Content-Type gives an empty object. Otherwise the type must be
 * application/json (415) and the body a JSON object (400). Returns 0 and a
 * new reference in *out, or -1 after answering the request. */
int aula_api_read_object(aula_http_request *req, json_t **out);

/* Reads an optional string member. Returns 0 with *out NULL when absent or
 * null, 0 with *out pointing into obj when a string, -1 after answering
 * 400 "<key> must be a string" otherwise. */
int aula_api_opt_string(aula_http_request *req, json_t *obj, const char *key, const char **out);

/* Reads an optional boolean member into *out (unchanged when absent or
 * null); -1 after answering 400 "<key> must be true or false". */
int aula_api_opt_bool(aula_http_request *req, json_t *obj, const char *key, int *out);

/* Copies the value of cookie name from the Cookie header into out (size
 * n). Returns 0, or AULA_ENOENT when there is no such cookie or its value
 * does not fit. */
int aula_api_cookie(const aula_http_request *req, const char *name, char *out, size_t n);

/* Copies the credential of an "Authorization: Bearer <credential>" header
 * into out (size n). Returns 0, or AULA_ENOENT when there is no such
 * header, it is empty or its value does not fit. */
int aula_api_bearer(const aula_http_request *req, char *out, size_t n);

/* Copies the raw (not percent-decoded) value of query parameter name into
 * out (size n): for tokens and keys, whose characters need no encoding.
 * Returns 0, or AULA_ENOENT when it is absent, empty or does not fit. */
int aula_api_query_param(const aula_http_request *req, const char *name, char *out, size_t n);

#endif
