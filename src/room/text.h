/* Validation of text people type: names, chat lines, room titles.
 * Thread: any; pure functions. */
#ifndef AULA_ROOM_TEXT_H
#define AULA_ROOM_TEXT_H

#include <stddef.h>

/* Limits in characters (Unicode code points), as docs/protocol.md says. */
#define AULA_NAME_MAX_CHARS 64
#define AULA_CHAT_MAX_CHARS 2000
#define AULA_TITLE_MAX_CHARS 200

/* Checks s (len bytes): valid UTF-8, no control characters (C0, DEL, C1),
 * and after trimming leading and trailing spaces between 1 and max_chars
 * code points. On success returns 0 and a trimmed copy in *out (free with
 * aula_free). On failure returns AULA_EINVAL and a short English reason
 * ("is empty", "is longer than 64 characters", ...) in why. */
int aula_text_clean(const char *s, size_t len, size_t max_chars, char **out, char *why,
                    size_t whylen);

#endif
