/* REST routes for a room's files (docs/api.md, "Files"):
 *   POST   /api/v1/rooms/{id}/files            upload (hosts and cohosts)
 *   GET    /api/v1/rooms/{id}/files            list (anyone in the room)
 *   GET    /api/v1/rooms/{id}/files/{file_id}  download, with Range
 *   DELETE /api/v1/rooms/{id}/files/{file_id}  remove (hosts and cohosts)
 * Every route needs a join token of that room: "Authorization: Bearer
 * <token>", or, for the two GET routes only, "?token=<token>" (a link in
 * a page cannot send a header).
 *
 * An upload is streamed to disk as it arrives (never held in memory),
 * checked against file_max_bytes before its body is read, identified by
 * its content, made durable under its hash, recorded, and only then
 * answered 201. Thread: the control thread. */
#ifndef AULA_FILES_FILES_API_H
#define AULA_FILES_FILES_API_H

#include "admin/metrics.h"
#include "auth/join_token.h"
#include "http/http_server.h"
#include "store/store.h"

#include <stdint.h>

typedef struct aula_files_api {
    aula_store *store;              /* borrowed */
    const aula_join_signer *signer; /* borrowed; NULL: every request is refused 401 */
    char *dir;                      /* owned: <data_dir>/files, see aula_blob_dir_init */
    uint64_t max_bytes;             /* the largest file accepted */
    aula_http_metrics *metrics;     /* borrowed; NULL: uploads are not counted */
    /* The clock, for token expiry; NULL: the wall clock (tests set it). */
    int64_t (*now_ms)(void);
} aula_files_api;

/* Fills api, with dir <data_dir>/files, and prepares that folder
 * (created, unfinished uploads of an earlier run removed). Returns 0 or a
 * negative code (logged); api is usable either way (uploads then fail with
 * 507). Undo with aula_files_api_deinit. */
int aula_files_api_init(aula_files_api *api, aula_store *store, const aula_join_signer *signer,
                        const char *data_dir, uint64_t max_bytes, aula_http_metrics *metrics);
void aula_files_api_deinit(aula_files_api *api);

/* From the server's on_head: POST .../files with a body. rest is what
 * follows "/api/v1/rooms/{room_id}/". Returns 1 when it took the request
 * (answered it or streams its body; either way it counts the answer in
 * metrics under "/api/v1/rooms/{id}/files"), 0 when the request is not an
 * upload (the caller leaves the body to be buffered). */
int aula_files_api_head(aula_files_api *api, aula_http_request *req, const char *room_id,
                        const char *rest);

/* From on_request: every files route (an upload without a body is
 * answered 400 here). rest as above ("files" or "files/{file_id}"). */
void aula_files_api_handle(aula_files_api *api, aula_http_request *req, const char *room_id,
                           const char *rest);

/* The list and the download, for a caller that has checked who asks
 * (the room routes above with a join token, the event routes of
 * event_files.c with an event's key or access). */

/* Answers 200 {"files": [...]} with room_id's files, oldest first, each
 * with url "<url_base>/<file id>" (url_base like
 * "/api/v1/rooms/{id}/files"), or 503. */
void aula_files_api_list(aula_files_api *api, aula_http_request *req, const char *room_id,
                         const char *url_base);

/* Streams file_id of room_id from disk (GET or HEAD): 200, or 206 / 416
 * for a Range (If-Range honoured), 304 for a matching If-None-Match; 404
 * "file not found", 500 when its bytes are missing, 503. */
void aula_files_api_download(aula_files_api *api, aula_http_request *req, const char *room_id,
                             const char *file_id);

/* True when rest ("files", "files/{id}") names a files route. */
int aula_files_api_match(const char *rest);

/* ---- shared by files_api.c and files_upload.c ---- */

/* Checks the room exists and the request's token is one of its tokens
 * with at least role min (hosts_only: host or cohost). allow_query lets
 * "?token=" stand in for the header. Returns 0 with *claims filled, or -1
 * after answering 404, 401 or 403. */
int aula__files_authorize(aula_files_api *api, aula_http_request *req, const char *room_id,
                          int hosts_only, int allow_query, const char *action,
                          aula_join_claims *claims);

/* Starts a streamed upload (files_upload.c). */
void aula__files_upload_begin(aula_files_api *api, aula_http_request *req, const char *room_id);

#endif
