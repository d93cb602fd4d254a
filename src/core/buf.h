/* A growable byte buffer, the one way modules build output (HTTP responses,
 * WebSocket frames, metrics text). Caller-allocated: aula_buf_init() then
 * aula_buf_deinit(). The data is always NUL-terminated past len, so text can
 * be handed to string functions without a copy. */
#ifndef AULA_CORE_BUF_H
#define AULA_CORE_BUF_H

#include <stdarg.h>
#include <stddef.h>

typedef struct aula_buf {
    char *data; /* owned; NULL until the first append */
    size_t len;
    size_t cap;
} aula_buf;

void aula_buf_init(aula_buf *b);
void aula_buf_deinit(aula_buf *b);
/* Makes room for at least n more bytes without changing len. */
void aula_buf_reserve(aula_buf *b, size_t n);
void aula_buf_append(aula_buf *b, const void *data, size_t n);
void aula_buf_append_str(aula_buf *b, const char *s);
void aula_buf_printf(aula_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void aula_buf_vprintf(aula_buf *b, const char *fmt, va_list ap);
/* Drops the first n bytes (n <= len), keeping the rest. */
void aula_buf_consume(aula_buf *b, size_t n);
void aula_buf_reset(aula_buf *b);
/* Hands the storage to the caller (free with aula_free) and empties b. */
char *aula_buf_steal(aula_buf *b);

#endif
