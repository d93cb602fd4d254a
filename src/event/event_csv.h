/* CSV for the registrants export (RFC 4180), safe to open in a
 * spreadsheet. Thread: any; pure functions. */
#ifndef AULA_EVENT_EVENT_CSV_H
#define AULA_EVENT_EVENT_CSV_H

#include "core/buf.h"

/* Appends s as one CSV field: quoted when it holds a comma, a double quote,
 * CR or LF (double quotes doubled, RFC 4180 section 2). A value starting
 * with '=', '+', '-', '@', TAB or CR first gets a leading apostrophe, so a
 * spreadsheet shows it as text instead of running it as a formula (CSV
 * injection). NULL is an empty field. */
void aula_csv_field(aula_buf *out, const char *s);

/* Appends the n fields as one record ending in CRLF. */
void aula_csv_row(aula_buf *out, const char *const *fields, size_t n);

#endif
