#include "core/alloc.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void out_of_memory(size_t n)
{
    fprintf(stderr, "level=fatal msg=\"out of memory\" bytes=%zu\n", n);
    abort();
}

void *aula_malloc(size_t n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        out_of_memory(n);
    return p;
}

void *aula_calloc(size_t count, size_t size)
{
    void *p = calloc(count ? count : 1, size ? size : 1);
    if (!p)
        out_of_memory(count * size);
    return p;
}

void *aula_realloc(void *p, size_t n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        out_of_memory(n);
    return q;
}

char *aula_strdup(const char *s)
{
    if (!s)
        return NULL;
    return aula_strndup(s, strlen(s));
}

char *aula_strndup(const char *s, size_t n)
{
    char *d = aula_malloc(n + 1);
    memcpy(d, s, n);
    d[n] = '\0';
    return d;
}

void aula_free(void *p)
{
    free(p);
}
