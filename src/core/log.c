#include "core/log.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int aula_log_level = AULA_LOG_LEVEL_INFO;

static const char *const level_names[] = {"debug", "info", "warn", "error", "off"};

int aula_log_level_parse(const char *s)
{
    for (int i = 0; i <= AULA_LOG_LEVEL_OFF; i++)
        if (strcmp(s, level_names[i]) == 0)
            return i;
    return -1;
}

const char *aula_log_quote(char *out, size_t n, const char *s)
{
    size_t o = 0;
    if (n < 3) {
        if (n)
            out[0] = '\0';
        return out;
    }
    out[o++] = '"';
    for (; s && *s && o + 5 < n; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '"' || c == '\\') {
            out[o++] = '\\';
            out[o++] = (char)c;
        } else if (c < 0x20 || c == 0x7f) {
            o += (size_t)snprintf(out + o, n - o, "\\x%02x", c);
        } else {
            out[o++] = (char)c;
        }
    }
    out[o++] = '"';
    out[o] = '\0';
    return out;
}

void aula_log_write(int level, const char *comp, const char *msg, const char *fields_fmt, ...)
{
    char line[2048];
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);

    int n = snprintf(line, sizeof line,
                     "ts=%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ level=%s comp=%s msg=\"%s\"",
                     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
                     ts.tv_nsec / 1000000, level_names[level], comp, msg);
    if (n < 0)
        return;
    size_t len = (size_t)n < sizeof line ? (size_t)n : sizeof line - 1;
    if (fields_fmt && *fields_fmt && len + 2 < sizeof line) {
        line[len++] = ' ';
        va_list ap;
        va_start(ap, fields_fmt);
        int m = vsnprintf(line + len, sizeof line - len, fields_fmt, ap);
        va_end(ap);
        if (m > 0)
            len += (size_t)m < sizeof line - len ? (size_t)m : sizeof line - len - 1;
    }
    if (len >= sizeof line - 1)
        len = sizeof line - 2;
    line[len++] = '\n';
    fwrite(line, 1, len, stderr);
}
