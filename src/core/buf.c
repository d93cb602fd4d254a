#include "core/buf.h"

#include "core/alloc.h"

#include <stdio.h>
#include <string.h>

void aula_buf_init(aula_buf *b)
{
    b->data = NULL;
    b->len = 0;
    b->cap = 0;
}

void aula_buf_deinit(aula_buf *b)
{
    aula_free(b->data);
    aula_buf_init(b);
}

void aula_buf_reserve(aula_buf *b, size_t n)
{
    /* One byte more than asked for keeps the NUL terminator in bounds. */
    if (b->len + n + 1 <= b->cap)
        return;
    size_t cap = b->cap ? b->cap : 256;
    while (cap < b->len + n + 1)
        cap *= 2;
    b->data = aula_realloc(b->data, cap);
    b->cap = cap;
}

void aula_buf_append(aula_buf *b, const void *data, size_t n)
{
    aula_buf_reserve(b, n);
    if (n)
        memcpy(b->data + b->len, data, n);
    b->len += n;
    b->data[b->len] = '\0';
}

void aula_buf_append_str(aula_buf *b, const char *s)
{
    aula_buf_append(b, s, strlen(s));
}

void aula_buf_vprintf(aula_buf *b, const char *fmt, va_list ap)
{
    /* Format into the free space first; most lines fit, and a second pass
     * is needed only when they do not. */
    aula_buf_reserve(b, 128);
    size_t room = b->cap - b->len;
    va_list again;
    va_copy(again, ap);
    int n = vsnprintf(b->data + b->len, room, fmt, ap);
    if (n >= 0 && (size_t)n >= room) {
        aula_buf_reserve(b, (size_t)n);
        n = vsnprintf(b->data + b->len, b->cap - b->len, fmt, again);
    }
    va_end(again);
    if (n < 0) {
        b->data[b->len] = '\0';
        return;
    }
    b->len += (size_t)n;
}

void aula_buf_printf(aula_buf *b, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    aula_buf_vprintf(b, fmt, ap);
    va_end(ap);
}

void aula_buf_consume(aula_buf *b, size_t n)
{
    if (n >= b->len) {
        b->len = 0;
    } else {
        memmove(b->data, b->data + n, b->len - n);
        b->len -= n;
    }
    if (b->data)
        b->data[b->len] = '\0';
}

void aula_buf_reset(aula_buf *b)
{
    b->len = 0;
    if (b->data)
        b->data[0] = '\0';
}

char *aula_buf_steal(aula_buf *b)
{
    char *p = b->data;
    if (!p)
        p = aula_strdup("");
    aula_buf_init(b);
    return p;
}
