/* Allocation wrappers. They abort the process on out-of-memory, so callers
 * never check for NULL: a server that cannot allocate a few bytes cannot do
 * anything useful, and pretending otherwise spreads untested error paths
 * through every module. */
#ifndef AULA_CORE_ALLOC_H
#define AULA_CORE_ALLOC_H

#include <stddef.h>

void *aula_malloc(size_t n);
void *aula_calloc(size_t count, size_t size);
void *aula_realloc(void *p, size_t n);
/* Copies a NUL-terminated string; aula_strdup(NULL) returns NULL. */
char *aula_strdup(const char *s);
/* Copies n bytes of s and appends a NUL. */
char *aula_strndup(const char *s, size_t n);
void aula_free(void *p);

#endif
