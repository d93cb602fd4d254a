#include "room/text.h"

#include "core/alloc.h"
#include "core/error.h"
#include "http/websocket.h"

#include <stdint.h>
#include <stdio.h>

/* Decodes the code point at s[*i] (already known to be valid UTF-8). */
static uint32_t next_cp(const unsigned char *s, size_t *i)
{
    unsigned char c = s[*i];
    if (c < 0x80) {
        (*i)++;
        return c;
    }
    int n = c >= 0xf0 ? 3 : c >= 0xe0 ? 2 : 1;
    uint32_t cp = c & (0x3f >> n);
    for (int k = 1; k <= n; k++)
        cp = (cp << 6) | (s[*i + (size_t)k] & 0x3f);
    *i += (size_t)n + 1;
    return cp;
}

static int is_control(uint32_t cp)
{
    return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f);
}

int aula_text_clean(const char *s, size_t len, size_t max_chars, char **out, char *why,
                    size_t whylen)
{
    if (!aula_utf8_valid(s, len)) {
        snprintf(why, whylen, "is not valid UTF-8");
        return AULA_EINVAL;
    }
    const unsigned char *u = (const unsigned char *)s;
    size_t start = 0, end = len;
    while (start < end && u[start] == ' ')
        start++;
    while (end > start && u[end - 1] == ' ')
        end--;
    size_t chars = 0;
    for (size_t i = start; i < end;) {
        uint32_t cp = next_cp(u, &i);
        if (is_control(cp)) {
            snprintf(why, whylen, "contains control characters");
            return AULA_EINVAL;
        }
        chars++;
    }
    if (chars == 0) {
        snprintf(why, whylen, "is empty");
        return AULA_EINVAL;
    }
    if (chars > max_chars) {
        snprintf(why, whylen, "is longer than %zu characters", max_chars);
        return AULA_EINVAL;
    }
    *out = aula_strndup(s + start, end - start);
    return 0;
}
