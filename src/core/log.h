/* Structured logging in logfmt on stderr.
 *
 *   AULA_LOG_INFO("http", "listening", "addr=%s port=%d", host, port);
 *
 * prints
 *
 *   ts=2026-11-28T07:50:00.123Z level=info comp=http msg="listening" addr=127.0.0.1 port=8080
 *
 * The macros check the level before evaluating their arguments. The fields
 * are a printf format; values that come from users (names, paths) must go
 * through aula_log_quote() so that they cannot forge fields or lines.
 * Safe from any thread: each line is written with one fwrite. The level is
 * process-wide state, set once at start-up before threads exist. */
#ifndef AULA_CORE_LOG_H
#define AULA_CORE_LOG_H

#include <stddef.h>

enum aula_log_level {
    AULA_LOG_LEVEL_DEBUG = 0,
    AULA_LOG_LEVEL_INFO,
    AULA_LOG_LEVEL_WARN,
    AULA_LOG_LEVEL_ERROR,
    AULA_LOG_LEVEL_OFF,
};

extern int aula_log_level;

/* Parses "debug", "info", "warn", "error" or "off"; returns -1 otherwise. */
int aula_log_level_parse(const char *s);

void aula_log_write(int level, const char *comp, const char *msg, const char *fields_fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* Writes s into out (size n) as a logfmt value: quoted, with quotes,
 * backslashes and control characters escaped, truncated to fit. Returns out. */
const char *aula_log_quote(char *out, size_t n, const char *s);

#define AULA_LOG_(lvl, comp, msg, ...)                                                             \
    do {                                                                                           \
        if ((lvl) >= aula_log_level)                                                               \
            aula_log_write((lvl), (comp), (msg), __VA_ARGS__);                                     \
    } while (0)

#define AULA_LOG_DEBUG(comp, msg, ...) AULA_LOG_(AULA_LOG_LEVEL_DEBUG, comp, msg, __VA_ARGS__)
#define AULA_LOG_INFO(comp, msg, ...) AULA_LOG_(AULA_LOG_LEVEL_INFO, comp, msg, __VA_ARGS__)
#define AULA_LOG_WARN(comp, msg, ...) AULA_LOG_(AULA_LOG_LEVEL_WARN, comp, msg, __VA_ARGS__)
#define AULA_LOG_ERROR(comp, msg, ...) AULA_LOG_(AULA_LOG_LEVEL_ERROR, comp, msg, __VA_ARGS__)

#endif
