/* RFC 4180 fields with formula neutralising. */
#include "event/event_csv.h"

#include <string.h>

void aula_csv_field(aula_buf *out, const char *s)
{
    if (!s)
        s = "";
    int formula = s[0] && strchr("=+-@\t\r", s[0]) != NULL;
    int quote = strpbrk(s, ",\"\r\n") != NULL;
    if (quote)
        aula_buf_append(out, "\"", 1);
    if (formula)
        aula_buf_append(out, "'", 1);
    for (const char *p = s; *p; p++) {
        if (*p == '"')
            aula_buf_append(out, "\"", 1);
        aula_buf_append(out, p, 1);
    }
    if (quote)
        aula_buf_append(out, "\"", 1);
}

void aula_csv_row(aula_buf *out, const char *const *fields, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (i > 0)
            aula_buf_append(out, ",", 1);
        aula_csv_field(out, fields[i]);
    }
    aula_buf_append(out, "\r\n", 2);
}
