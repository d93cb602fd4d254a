/* Host actions over REST (docs/api.md), authorised by a join token sent as
 * "Authorization: Bearer <token>": the token's role decides, exactly as
 * for the WebSocket methods, because both call host_controls.h.
 *
 *   POST /api/v1/rooms/{id}/participants/{pid}/mute {kind, allow_unmute}
 *   POST /api/v1/rooms/{id}/participants/{pid}/remove
 *   POST /api/v1/rooms/{id}/participants/{pid}/role {role}
 *   POST /api/v1/rooms/{id}/lock {locked}
 *   POST /api/v1/rooms/{id}/lobby {lobby}
 *   POST /api/v1/rooms/{id}/end
 *
 * Thread: the control thread. */
#ifndef AULA_ROOM_HOST_API_H
#define AULA_ROOM_HOST_API_H

#include "room/room_api.h"

/* Answers one host action. room_id is the {id} of the path; action is the
 * rest after "rooms/{id}/" ("lock", "end", "participants/{pid}/mute"...).
 * Returns 0 when action names a host route (answered), AULA_ENOENT when it
 * does not (the request is untouched, for the caller's 404). */
int aula_host_api_handle(const aula_room_api *api, aula_http_request *req, const char *room_id,
                         const char *action);

#endif
