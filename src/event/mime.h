/* Composing e-mail messages (RFC 5322 with MIME, RFC 2045-2049).
 *
 * One call turns a message description into the bytes an SMTP server
 * takes after DATA: headers, then a text/plain body (UTF-8,
 * quoted-printable), optionally an HTML alternative, optionally
 * attachments (base64). Non-ASCII subjects and display names become RFC
 * 2047 encoded-words. Every line ends in CRLF and stays under 78 octets
 * except a long ASCII subject (under the 998 hard limit).
 *
 * Header injection is impossible by construction: addresses, names and
 * subjects holding CR, LF or any other control character are refused, so a
 * value can never end its header and start another.
 *
 * Sans-IO: no clock, no randomness unless the caller leaves `unique` NULL.
 * Thread: any. */
#ifndef AULA_EVENT_MIME_H
#define AULA_EVENT_MIME_H

#include "core/buf.h"

#include <stddef.h>
#include <stdint.h>

/* Longest address we accept (RFC 5321 section 4.5.3.1.3: a path is at most
 * 256 octets including the angle brackets). */
#define AULA_MAIL_ADDR_MAX 254
#define AULA_MAIL_NAME_MAX 256

/* Returns 0 when s is valid UTF-8 without control characters; with
 * multiline, CR, LF and TAB are allowed too. Else AULA_EUTF8 or AULA_EINVAL. */
int aula_mail_text_check(const char *s, int multiline);

/* True when addr looks like local@domain: a dot-atom local part (RFC 5322
 * atext and dots, no leading, trailing or double dot), a domain of letters,
 * digits, hyphens and dots with at least one dot or "localhost", at most
 * AULA_MAIL_ADDR_MAX octets. Deliberately simple: quoted local parts and
 * address literals are refused, so nothing odd reaches a header. */
int aula_mail_addr_valid(const char *addr);

/* Splits "Name <addr>", "<addr>" or "addr" into its parts. name gets the
 * display name (unquoted; "" when there is none), addr the address.
 * Returns 0, or AULA_EINVAL when the form or the address is not valid, or a
 * part does not fit. */
int aula_mail_addr_parse(const char *s, char *name, size_t namelen, char *addr, size_t addrlen);

typedef struct aula_mail_attachment {
    const char *content_type; /* e.g. "text/calendar; charset=UTF-8; method=REQUEST" */
    const char *filename;     /* ASCII, e.g. "invite.ics" */
    const void *data;         /* borrowed */
    size_t len;
} aula_mail_attachment;

/* Strings are UTF-8, borrowed for the call. */
typedef struct aula_mail_msg {
    const char *from;    /* "Name <addr>" or "addr" */
    const char *to;      /* same form */
    const char *subject; /* one line */
    const char *text;    /* the plain-text body; newlines as LF or CRLF */
    const char *html;    /* optional alternative body */
    const aula_mail_attachment *attachments;
    size_t n_attachments;
    int64_t date_ms; /* the Date header, ms since the epoch */
    /* Optional: letters and digits making Message-ID and the MIME
     * boundaries unique; NULL draws 16 random bytes. Tests pass a fixed
     * value to get a fixed output. */
    const char *unique;
} aula_mail_msg;

/* Appends the whole message to out. Returns 0, or AULA_EINVAL with why
 * (size whylen) saying which value was refused; out is then unchanged. */
int aula_mail_compose(const aula_mail_msg *m, aula_buf *out, char *why, size_t whylen);

/* Appends len bytes as base64 in lines of 76 characters, each ending in
 * CRLF (RFC 2045 section 6.8). */
void aula_mail_base64(aula_buf *out, const void *data, size_t len);

/* Appends text as quoted-printable (RFC 2045 section 6.7): line breaks (LF
 * or CRLF) become CRLF, lines are cut with soft breaks at 76 characters,
 * "=", non-ASCII bytes, control characters, whitespace before a line break
 * and a "." starting a line are encoded. Ends with CRLF. */
void aula_mail_qp(aula_buf *out, const char *text);

/* Appends s as a header value: unchanged when it is printable ASCII without
 * "=?", else as RFC 2047 "B" encoded-words of at most 75 characters, split
 * only between whole UTF-8 sequences and folded onto continuation lines.
 * used is the number of characters already on the header line. */
void aula_mail_header_text(aula_buf *out, const char *s, size_t used);

#endif
