/* Polls in a room (docs/protocol.md, "Webinars"): a host prepares a single
 * or multiple choice poll, opens and closes it and may show the results to
 * everyone; everyone else votes once while it is open.
 *
 * The "once" is the store's primary key (poll_votes), so it holds across
 * reconnections and restarts. Results go to hosts after votes, at most
 * every AULA_WEBINAR_RESULTS_EVERY_MS (webinar.h's flush), and to everyone
 * too while the poll shows its results. Drafts are seen by hosts only.
 * Thread: the control thread; sans-IO. */
#ifndef AULA_ROOM_POLLS_H
#define AULA_ROOM_POLLS_H

#include "room/room.h"
#include "store/store_webinar.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

#define AULA_POLL_QUESTION_MAX_CHARS 300
#define AULA_POLL_CHOICE_MAX_CHARS 200

/* Each returns 0, or a negative AULA_E* with why filled in:
 *   AULA_EPERM   not a host (host actions), the poll is not open (vote)
 *   AULA_EEXIST  already voted in this poll
 *   AULA_EINVAL  choices that do not fit the poll
 *   AULA_ENOENT  no such poll (or a draft the caller may not see)
 *   AULA_ESTORE  the store failed; nothing changed.
 * *out (may be NULL) gets the poll as the caller sees it (a new
 * reference). Texts are already cleaned. */

/* poll.create (hosts): a draft, told to hosts as poll.created. */
int aula_poll_create(aula_participant *host, const char *question, char *const *choices,
                     size_t n_choices, int multiple, int64_t now_ms, json_t **out, char *why,
                     size_t whylen);

/* poll.open / poll.close (hosts): everyone gets poll.opened / poll.closed
 * {poll}. Re-opening a closed poll is allowed; votes stay. */
int aula_poll_set_open(aula_participant *host, int64_t id, int open, json_t **out, char *why,
                       size_t whylen);

/* poll.showResults (hosts): everyone gets poll.updated {poll}, and
 * poll.results when show is on. */
int aula_poll_show_results(aula_participant *host, int64_t id, int show, json_t **out, char *why,
                           size_t whylen);

/* poll.vote: choices are indices into the poll's choices, distinct;
 * exactly one for a single-choice poll. */
int aula_poll_vote(aula_participant *p, int64_t id, const int *choices, size_t n, int64_t now_ms,
                   json_t **out, char *why, size_t whylen);

/* poll.list: the polls p may see, oldest first. */
int aula_poll_list(aula_participant *p, json_t **out, char *why, size_t whylen);

#endif
