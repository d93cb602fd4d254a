#include "event/mime.h"

#include "core/error.h"
#include "core/random.h"

#include <stdio.h>
#include <string.h>
#include <time.h>

/* ---- checks ------------------------------------------------------------ */

int aula_mail_text_check(const char *s, int multiline)
{
    const unsigned char *p = (const unsigned char *)s;
    while (*p) {
        unsigned c = *p;
        if (c < 0x80) {
            if ((c < 0x20 || c == 0x7F) && !(multiline && (c == '\r' || c == '\n' || c == '\t')))
                return AULA_EINVAL;
            p++;
            continue;
        }
        /* RFC 3629: lead byte, length, and the smallest code point that
         * length may carry (so overlong forms are refused). */
        size_t n;
        unsigned cp, min;
        if (c >= 0xC2 && c <= 0xDF)
            n = 2, cp = c & 0x1F, min = 0x80;
        else if (c >= 0xE0 && c <= 0xEF)
            n = 3, cp = c & 0x0F, min = 0x800;
        else if (c >= 0xF0 && c <= 0xF4)
            n = 4, cp = c & 0x07, min = 0x10000;
        else
            return AULA_EUTF8;
        for (size_t i = 1; i < n; i++) {
            if ((p[i] & 0xC0) != 0x80)
                return AULA_EUTF8;
            cp = (cp << 6) | (p[i] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF))
            return AULA_EUTF8;
        if (cp <= 0x9F) /* C1 controls */
            return AULA_EINVAL;
        p += n;
    }
    return 0;
}

static int atext(int c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           (c && strchr("!#$%&'*+-/=?^_`{|}~", c));
}

static int domain_ok(const char *d)
{
    size_t len = strlen(d);
    if (len == 0 || len > 253 || d[0] == '.' || d[0] == '-' || d[len - 1] == '.')
        return 0;
    int dots = 0;
    for (size_t i = 0; i < len; i++) {
        char c = d[i];
        if (c == '.') {
            if (d[i + 1] == '.' || d[i + 1] == '-' || (i > 0 && d[i - 1] == '-'))
                return 0;
            dots++;
        } else if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-')) {
            return 0;
        }
    }
    return dots > 0 || strcmp(d, "localhost") == 0;
}

int aula_mail_addr_valid(const char *addr)
{
    const char *at = strrchr(addr, '@');
    size_t len = strlen(addr);
    if (!at || at == addr || len > AULA_MAIL_ADDR_MAX || at - addr > 64)
        return 0;
    for (const char *p = addr; p < at; p++) {
        if (*p == '.') {
            if (p == addr || p + 1 == at || p[1] == '.')
                return 0;
        } else if (!atext((unsigned char)*p)) {
            return 0;
        }
    }
    return domain_ok(at + 1);
}

static int copy_out(char *out, size_t outlen, const char *s, size_t n)
{
    if (n >= outlen)
        return AULA_EINVAL;
    memcpy(out, s, n);
    out[n] = '\0';
    return 0;
}

int aula_mail_addr_parse(const char *s, char *name, size_t namelen, char *addr, size_t addrlen)
{
    if (aula_mail_text_check(s, 0) != 0)
        return AULA_EINVAL;
    const char *lt = strrchr(s, '<');
    const char *a = s, *a_end = s + strlen(s);
    const char *n = s, *n_end = s;
    if (lt) {
        if (a_end == s || a_end[-1] != '>')
            return AULA_EINVAL;
        a = lt + 1;
        a_end--;
        n_end = lt;
    }
    while (n < n_end && *n == ' ')
        n++;
    while (n_end > n && n_end[-1] == ' ')
        n_end--;
    /* A quoted display name: strip the quotes; a backslash escapes the
     * next character (RFC 5322 quoted-pair). */
    char tmp[AULA_MAIL_NAME_MAX];
    size_t t = 0;
    int quoted = n_end - n >= 2 && *n == '"' && n_end[-1] == '"';
    for (const char *p = n + quoted; p < n_end - quoted; p++) {
        if (quoted && *p == '\\' && p + 1 < n_end - quoted)
            p++;
        else if (strchr("<>\"", *p))
            return AULA_EINVAL;
        if (t + 1 >= sizeof tmp)
            return AULA_EINVAL;
        tmp[t++] = *p;
    }
    if (copy_out(name, namelen, tmp, t) || copy_out(addr, addrlen, a, (size_t)(a_end - a)))
        return AULA_EINVAL;
    return aula_mail_addr_valid(addr) ? 0 : AULA_EINVAL;
}

/* ---- encodings ------------------------------------------------------- */

static const char b64[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

static void base64_run(aula_buf *out, const unsigned char *p, size_t len)
{
    for (size_t i = 0; i < len; i += 3) {
        unsigned v = (unsigned)p[i] << 16;
        if (i + 1 < len)
            v |= (unsigned)p[i + 1] << 8;
        if (i + 2 < len)
            v |= p[i + 2];
        char q[4] = {b64[(v >> 18) & 63], b64[(v >> 12) & 63],
                     i + 1 < len ? b64[(v >> 6) & 63] : '=', i + 2 < len ? b64[v & 63] : '='};
        aula_buf_append(out, q, 4);
    }
}

void aula_mail_base64(aula_buf *out, const void *data, size_t len)
{
    const unsigned char *p = data;
    /* 57 input bytes make one 76-character line. */
    for (size_t i = 0; i < len; i += 57) {
        base64_run(out, p + i, len - i < 57 ? len - i : 57);
        aula_buf_append(out, "\r\n", 2);
    }
}

static int line_break_at(const char *s)
{
    return *s == '\n' ? 1 : (s[0] == '\r' && s[1] == '\n') ? 2 : 0;
}

void aula_mail_qp(aula_buf *out, const char *text)
{
    size_t col = 0;
    const char *s = text;
    while (*s) {
        int br = line_break_at(s);
        if (br) {
            aula_buf_append(out, "\r\n", 2);
            col = 0;
            s += br;
            continue;
        }
        unsigned char c = (unsigned char)*s;
        for (;;) {
            int ws = c == ' ' || c == '\t';
            int literal = (c >= 33 && c <= 126 && c != '=' && !(c == '.' && col == 0)) ||
                          (ws && s[1] && !line_break_at(s + 1) && s[1] != '\r');
            size_t t = literal ? 1 : 3;
            if (col + t > 75) { /* the soft break's "=" makes 76 */
                aula_buf_append(out, "=\r\n", 3);
                col = 0;
                continue; /* decide again: "." may now start a line */
            }
            if (literal)
                aula_buf_append(out, s, 1);
            else
                aula_buf_printf(out, "=%02X", c);
            col += t;
            break;
        }
        s++;
    }
    if (s == text || !line_break_at(s - 1) || s[-1] == '\r')
        aula_buf_append(out, "\r\n", 2);
}

static int ascii_plain(const char *s)
{
    for (const char *p = s; *p; p++)
        if ((unsigned char)*p < 0x20 || (unsigned char)*p > 0x7E)
            return 0;
    return strstr(s, "=?") == NULL && strlen(s) < 900;
}

void aula_mail_header_text(aula_buf *out, const char *s, size_t used)
{
    if (ascii_plain(s)) {
        aula_buf_append_str(out, s);
        return;
    }
    const unsigned char *p = (const unsigned char *)s;
    size_t len = strlen(s), i = 0;
    size_t col = used;
    while (i < len) {
        if (i > 0) {
            aula_buf_append(out, "\r\n ", 3);
            col = 1;
        }
        /* 12 characters of "=?UTF-8?B?" and "?=", within 76 on the line
         * and 75 for the word (RFC 2047 section 2). */
        size_t avail = col + 12 < 76 ? 76 - col - 12 : 4;
        if (avail > 63)
            avail = 63;
        size_t max = avail / 4 * 3, n = 0;
        while (i + n < len) {
            size_t k = 1;
            while (i + n + k < len && (p[i + n + k] & 0xC0) == 0x80)
                k++;
            if (n + k > max && n > 0)
                break;
            n += k;
        }
        aula_buf_append_str(out, "=?UTF-8?B?");
        base64_run(out, p + i, n);
        aula_buf_append_str(out, "?=");
        i += n;
    }
}

/* ---- composing -------------------------------------------------------- */

static void date_header(aula_buf *out, int64_t ms)
{
    static const char *days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char *months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    time_t t = (time_t)(ms / 1000);
    struct tm tm;
    gmtime_r(&t, &tm);
    aula_buf_printf(out, "Date: %s, %d %s %04d %02d:%02d:%02d +0000\r\n", days[tm.tm_wday],
                    tm.tm_mday, months[tm.tm_mon], tm.tm_year + 1900, tm.tm_hour, tm.tm_min,
                    tm.tm_sec);
}

/* "Name: display-name <addr>" or "Name: addr". */
static void address_header(aula_buf *out, const char *header, const char *name, const char *addr)
{
    aula_buf_printf(out, "%s: ", header);
    if (*name) {
        if (ascii_plain(name)) {
            aula_buf_append(out, "\"", 1);
            for (const char *p = name; *p; p++) {
                if (*p == '"' || *p == '\\')
                    aula_buf_append(out, "\\", 1);
                aula_buf_append(out, p, 1);
            }
            aula_buf_append(out, "\"", 1);
        } else {
            aula_mail_header_text(out, name, strlen(header) + 2);
        }
        aula_buf_printf(out, " <%s>\r\n", addr);
    } else {
        aula_buf_printf(out, "%s\r\n", addr);
    }
}

static void text_part(aula_buf *out, const char *subtype, const char *text)
{
    aula_buf_printf(out,
                    "Content-Type: text/%s; charset=UTF-8\r\n"
                    "Content-Transfer-Encoding: quoted-printable\r\n\r\n",
                    subtype);
    aula_mail_qp(out, text);
}

/* The text, or text and HTML as alternatives, as one MIME entity. */
static void body_entity(aula_buf *out, const aula_mail_msg *m, const char *unique)
{
    if (!m->html || !*m->html) {
        text_part(out, "plain", m->text);
        return;
    }
    /* Folded: with a 32-character unique the boundary alone is long. */
    aula_buf_printf(
        out, "Content-Type: multipart/alternative;\r\n boundary=\"=_aula_%s_alt\"\r\n\r\n", unique);
    aula_buf_printf(out, "--=_aula_%s_alt\r\n", unique);
    text_part(out, "plain", m->text);
    aula_buf_printf(out, "--=_aula_%s_alt\r\n", unique);
    text_part(out, "html", m->html);
    aula_buf_printf(out, "--=_aula_%s_alt--\r\n", unique);
}

static int token_ok(const char *s, const char *extra)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
              strchr(extra, *s)))
            return 0;
    return 1;
}

static const char *check(const aula_mail_msg *m, char *fname, char *faddr, char *tname, char *taddr)
{
    if (!m->from ||
        aula_mail_addr_parse(m->from, fname, AULA_MAIL_NAME_MAX, faddr, AULA_MAIL_ADDR_MAX + 1))
        return "the sender is not a valid address";
    if (!m->to ||
        aula_mail_addr_parse(m->to, tname, AULA_MAIL_NAME_MAX, taddr, AULA_MAIL_ADDR_MAX + 1))
        return "the recipient is not a valid address";
    if (!m->subject || !*m->subject || aula_mail_text_check(m->subject, 0))
        return "the subject must be non-empty UTF-8 text on one line";
    if (!m->text || aula_mail_text_check(m->text, 1))
        return "the text must be UTF-8 text";
    if (m->html && aula_mail_text_check(m->html, 1))
        return "the HTML must be UTF-8 text";
    if (m->unique && (!token_ok(m->unique, "") || strlen(m->unique) > 64))
        return "unique must be 1 to 64 letters and digits";
    for (size_t i = 0; i < m->n_attachments; i++) {
        const aula_mail_attachment *a = &m->attachments[i];
        if (!token_ok(a->filename, "._-") || strlen(a->filename) > 64)
            return "an attachment's file name must be letters, digits, '.', '_' or '-'";
        if (!token_ok(a->content_type, "/.+-; =\"_") || strlen(a->content_type) > 200)
            return "an attachment's content type is malformed";
        if (!a->data && a->len)
            return "an attachment has no data";
    }
    return NULL;
}

int aula_mail_compose(const aula_mail_msg *m, aula_buf *out, char *why, size_t whylen)
{
    char fname[AULA_MAIL_NAME_MAX], faddr[AULA_MAIL_ADDR_MAX + 1];
    char tname[AULA_MAIL_NAME_MAX], taddr[AULA_MAIL_ADDR_MAX + 1];
    const char *bad = check(m, fname, faddr, tname, taddr);
    if (bad) {
        snprintf(why, whylen, "%s", bad);
        return AULA_EINVAL;
    }
    char unique[65];
    if (m->unique)
        snprintf(unique, sizeof unique, "%s", m->unique);
    else
        aula_random_hex(unique, 16);

    address_header(out, "From", fname, faddr);
    address_header(out, "To", tname, taddr);
    aula_buf_append_str(out, "Subject: ");
    aula_mail_header_text(out, m->subject, 9);
    aula_buf_append_str(out, "\r\n");
    date_header(out, m->date_ms);
    aula_buf_printf(out, "Message-ID: <%s.aula@%s>\r\n", unique, strrchr(faddr, '@') + 1);
    /* RFC 3834: an automatic message; vacation responders stay quiet. */
    aula_buf_append_str(out, "MIME-Version: 1.0\r\nAuto-Submitted: auto-generated\r\n");
    if (m->n_attachments == 0) {
        body_entity(out, m, unique);
        return 0;
    }
    aula_buf_printf(out, "Content-Type: multipart/mixed;\r\n boundary=\"=_aula_%s_mix\"\r\n\r\n",
                    unique);
    aula_buf_printf(out, "--=_aula_%s_mix\r\n", unique);
    body_entity(out, m, unique);
    for (size_t i = 0; i < m->n_attachments; i++) {
        const aula_mail_attachment *a = &m->attachments[i];
        aula_buf_printf(out,
                        "--=_aula_%s_mix\r\n"
                        "Content-Type: %s; name=\"%s\"\r\n"
                        "Content-Disposition: attachment; filename=\"%s\"\r\n"
                        "Content-Transfer-Encoding: base64\r\n\r\n",
                        unique, a->content_type, a->filename, a->filename);
        aula_mail_base64(out, a->data, a->len);
    }
    aula_buf_printf(out, "--=_aula_%s_mix--\r\n", unique);
    return 0;
}
