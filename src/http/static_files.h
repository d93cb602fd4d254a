/* Static files from a folder (the web client), for GET and HEAD.
 *
 * Correct Content-Type by extension, a strong ETag from size and mtime,
 * a friendly 404.html from the folder for browsers (Accept: text/html),
 * If-None-Match -> 304, Cache-Control: no-cache (revalidate every time; the
 * client has no build step and no hashed file names). Paths that try to
 * leave the folder ("..", encoded or not, NUL bytes) get 404.
 * Thread: the loop's thread. */
#ifndef AULA_HTTP_STATIC_FILES_H
#define AULA_HTTP_STATIC_FILES_H

#include "http/http_server.h"

/* Serves root/rel_path (rel_path without a leading '/'; "" means
 * index.html). A folder serves its index.html. Always answers the request:
 * 200, 304, 404, or 405 for methods other than GET and HEAD. Returns the
 * status sent. */
int aula_static_serve(aula_http_request *req, const char *root, const char *rel_path);

/* The MIME type for a file name by extension; "application/octet-stream"
 * when unknown. */
const char *aula_static_mime_type(const char *filename);

#endif
