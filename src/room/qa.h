/* Questions and answers in a room (docs/protocol.md, "Webinars"): anyone
 * asks and upvotes, hosts answer (in writing or live) and hide.
 *
 * Who sees what: hosts see every question; anyone else sees the answered
 * questions that are not hidden, plus their own. Notifications follow the
 * same rule and are serialised once per fan-out, so they carry no per-
 * person `voted` (qa.list and the method results do).
 *
 * Everything is stored before it is acknowledged or told to anyone. The
 * questions-per-minute limit counts stored questions, so it holds across
 * reconnections and restarts. Thread: the control thread; sans-IO (now_ms
 * comes from the caller). */
#ifndef AULA_ROOM_QA_H
#define AULA_ROOM_QA_H

#include "room/room.h"

#include <jansson.h>
#include <stdint.h>

#define AULA_QA_MAX_CHARS 500

/* Each returns 0, or a negative AULA_E* with why (a sentence for the
 * person) filled in:
 *   AULA_EPERM   not allowed (a host action, voting for one's own question)
 *   AULA_EEXIST  already voted for this question
 *   AULA_EAGAIN  asked per_minute questions in the last minute already
 *   AULA_ENOENT  no such question (or one the caller may not see)
 *   AULA_ESTORE  the store failed; nothing changed.
 * *out (may be NULL) gets the question as the caller sees it (a new
 * reference). text is already cleaned (1..AULA_QA_MAX_CHARS characters). */

/* qa.ask: hosts and the asker get qa.question {question}. */
int aula_qa_ask(aula_participant *p, const char *text, int per_minute, int64_t now_ms, json_t **out,
                char *why, size_t whylen);

/* qa.upvote: once per participant and question, never one's own. The new
 * count reaches the others with the next flush (webinar.h), not at once. */
int aula_qa_upvote(aula_participant *p, int64_t id, int64_t now_ms, json_t **out, char *why,
                   size_t whylen);

/* qa.answer (hosts): text may be NULL (answered live or just marked). */
int aula_qa_answer(aula_participant *host, int64_t id, const char *text, int live, json_t **out,
                   char *why, size_t whylen);

/* qa.hide (hosts). */
int aula_qa_hide(aula_participant *host, int64_t id, int hidden, json_t **out, char *why,
                 size_t whylen);

/* qa.list: the questions p may see, oldest first, as an array in *out. */
int aula_qa_list(aula_participant *p, json_t **out, char *why, size_t whylen);

#endif
