#include "http/http_request.h"

#include "core/alloc.h"
#include "core/buf.h"
#include "core/hex.h"

#include <assert.h>
#include <http_parser.h>
#include <stdint.h>
#include <string.h>
#include <strings.h>

/* http-parser parses the head. Debian builds it without HTTP_PARSER_STRICT,
 * which lets through "HTTX/1.1", whitespace before a header colon and chunk
 * data not followed by CRLF, so three things are done here instead:
 *   - the request line is checked against RFC 7230 section 3.1.1;
 *   - header names must be tokens (section 3.2, 3.2.4);
 *   - the body framing (section 3.3.3) and the chunked decoding (section
 *     4.1) are ours: on_headers_complete() tells http-parser to skip the
 *     body, and the bytes after the head go through decode_body(). */

/* Which string http-parser delivered last. Names and values may arrive in
 * several pieces (split across feeds); a change of kind starts a new one. */
enum last_cb {
    CB_NONE,
    CB_URL,
    CB_FIELD,
    CB_VALUE,
};

enum phase {
    PHASE_HEAD,
    PHASE_BODY,
    PHASE_DONE,
};

enum framing {
    FRAME_NONE,
    FRAME_LENGTH,
    FRAME_CHUNKED,
};

/* Request line states: method SP request-target SP HTTP-version CRLF. */
enum line_state {
    LINE_START, /* blank lines before a request are skipped (section 3.5) */
    LINE_METHOD,
    LINE_TARGET,
    LINE_VERSION,
    LINE_CR,
    LINE_DONE,
};

enum chunk_state {
    CHUNK_SIZE,
    CHUNK_EXT,
    CHUNK_SIZE_LF,
    CHUNK_DATA,
    CHUNK_DATA_CR,
    CHUNK_DATA_LF,
    CHUNK_TRAILER_START,
    CHUNK_TRAILER_NAME,
    CHUNK_TRAILER_VALUE,
    CHUNK_TRAILER_LF,
    CHUNK_LAST_LF,
};

/* Offsets into the strings buffer: it may move while the head grows. */
typedef struct field_off {
    size_t name;
    size_t value;
} field_off;

struct aula_http_parser {
    http_parser hp;
    size_t max_header_bytes;
    size_t max_body_bytes;
    size_t max_framing_bytes; /* chunk sizes, extensions, CRLFs, trailers */
    aula_buf in;              /* received and not parsed yet */
    aula_buf strings;         /* NUL-terminated target, names, values, path, query */
    aula_buf body;
    field_off *fields; /* owned */
    size_t n_fields;
    size_t cap_fields;
    aula_http_field *views; /* owned; pointer form of fields, built on completion */
    size_t cap_views;
    size_t url_off;
    enum last_cb last;
    enum phase phase;
    enum line_state line;
    size_t version_pos; /* bytes of "HTTP/d.d" matched */
    size_t head_bytes;  /* bytes of the current head consumed so far */
    enum framing framing;
    uint64_t remaining; /* body bytes (FRAME_LENGTH) or chunk bytes still due */
    enum chunk_state chunk;
    int chunk_digits;
    size_t framing_bytes;
    size_t trailer_bytes;
    uint64_t body_limit; /* max_body_bytes, or the streamed body's own limit */
    uint64_t body_total; /* body bytes decoded so far */
    int cb_error;        /* status decided inside a callback */
    int error;           /* sticky status once an error was returned */
    bool started;
    bool complete; /* the last call returned COMPLETE */
    bool expect_continue;
    bool head_events;   /* report AULA_HTTP_PARSE_HEAD before a body */
    bool head_reported; /* ... and it was, for this request */
    bool awaiting_mode; /* HEAD returned; aula_http_parser_body_mode() is due */
    bool streaming;     /* body handed out piece by piece, not collected */
    aula_http_message msg;
};

/* The largest piece of a streamed body handed out at once. */
#define STREAM_PIECE_BYTES (64 * 1024)

static size_t sat_add(size_t a, size_t b)
{
    return a > SIZE_MAX - b ? SIZE_MAX : a + b;
}

/* tchar from RFC 7230 section 3.2.6. */
static bool is_tchar(unsigned char c)
{
    if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'))
        return true;
    return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* Field-value and chunk-ext bytes: VCHAR, SP, HTAB and obs-text. */
static bool is_field_char(unsigned char c)
{
    return c == '\t' || (c >= 0x20 && c != 0x7f);
}

/* Checks the request line bytes about to be parsed, up to its LF. Returns 0
 * or 400. http-parser checks the method against its table, the target's
 * characters and the version digits; this adds the literal "HTTP/" and
 * single spaces. A bare LF ends a line as in http-parser (section 3.5). */
static int check_request_line(aula_http_parser *p, const char *data, size_t len)
{
    static const char version[] = "HTTP/d.d";
    for (size_t i = 0; i < len && p->line != LINE_DONE; i++) {
        unsigned char c = (unsigned char)data[i];
        switch (p->line) {
        case LINE_START:
            if (c == '\r' || c == '\n')
                break;
            p->line = LINE_METHOD;
            /* fall through */
        case LINE_METHOD:
            if (c == ' ')
                p->line = LINE_TARGET;
            else if (!is_tchar(c))
                return 400;
            break;
        case LINE_TARGET:
            if (c == ' ')
                p->line = LINE_VERSION;
            else if (c <= 0x20 || c == 0x7f)
                return 400;
            break;
        case LINE_VERSION: {
            char want = version[p->version_pos];
            bool ok = want == 'd' ? (c >= '0' && c <= '9') : c == (unsigned char)want;
            if (!ok)
                return 400;
            if (++p->version_pos == sizeof version - 1)
                p->line = LINE_CR;
            break;
        }
        case LINE_CR:
            if (c == '\n')
                p->line = LINE_DONE;
            else if (c != '\r' || (i + 1 < len && data[i + 1] != '\n'))
                return 400;
            break;
        case LINE_DONE:
            break;
        }
    }
    return 0;
}

static aula_http_parser *parser_of(http_parser *hp)
{
    return hp->data;
}

/* Ends the string being collected. A name must be a token: whitespace
 * before the colon is rejected (section 3.2.4). A value loses trailing
 * whitespace (OWS is not part of it). http-parser hands an obs-fold
 * continuation over as more value bytes, which amounts to replacing the
 * fold with spaces, one of the two answers section 3.2.4 allows. */
static int end_string(aula_http_parser *p)
{
    if (p->last == CB_FIELD) {
        size_t start = p->fields[p->n_fields - 1].name;
        if (start == p->strings.len)
            goto bad;
        for (size_t i = start; i < p->strings.len; i++)
            if (!is_tchar((unsigned char)p->strings.data[i]))
                goto bad;
    } else if (p->last == CB_VALUE) {
        size_t start = p->fields[p->n_fields - 1].value;
        while (p->strings.len > start && (p->strings.data[p->strings.len - 1] == ' ' ||
                                          p->strings.data[p->strings.len - 1] == '\t'))
            p->strings.len--;
        for (size_t i = start; i < p->strings.len; i++)
            if (!is_field_char((unsigned char)p->strings.data[i]))
                goto bad;
    }
    if (p->last != CB_NONE)
        aula_buf_append(&p->strings, "", 1);
    return 0;
bad:
    p->cb_error = 400;
    return -1;
}

static int on_message_begin(http_parser *hp)
{
    parser_of(hp)->started = true;
    return 0;
}

static int on_url(http_parser *hp, const char *at, size_t len)
{
    aula_http_parser *p = parser_of(hp);
    if (p->last != CB_URL) {
        p->url_off = p->strings.len;
        p->last = CB_URL;
    }
    aula_buf_append(&p->strings, at, len);
    return 0;
}

static int on_header_field(http_parser *hp, const char *at, size_t len)
{
    aula_http_parser *p = parser_of(hp);
    if (p->last != CB_FIELD) {
        if (end_string(p) != 0)
            return -1;
        if (p->n_fields == p->cap_fields) {
            p->cap_fields = p->cap_fields ? p->cap_fields * 2 : 16;
            p->fields = aula_realloc(p->fields, p->cap_fields * sizeof *p->fields);
        }
        p->fields[p->n_fields].name = p->strings.len;
        p->fields[p->n_fields].value = SIZE_MAX;
        p->n_fields++;
        p->last = CB_FIELD;
    }
    aula_buf_append(&p->strings, at, len);
    return 0;
}

static int on_header_value(http_parser *hp, const char *at, size_t len)
{
    aula_http_parser *p = parser_of(hp);
    if (p->last != CB_VALUE) {
        if (end_string(p) != 0)
            return -1;
        p->fields[p->n_fields - 1].value = p->strings.len;
        p->last = CB_VALUE;
    }
    aula_buf_append(&p->strings, at, len);
    return 0;
}

static const char *field_value(const aula_http_parser *p, const char *name, size_t *count)
{
    const char *found = NULL;
    *count = 0;
    for (size_t i = 0; i < p->n_fields; i++) {
        if (strcasecmp(p->strings.data + p->fields[i].name, name) == 0) {
            if (!found)
                found = p->strings.data + p->fields[i].value;
            (*count)++;
        }
    }
    return found;
}

/* Decides how the body is delimited (RFC 7230 section 3.3.3): chunked when
 * Transfer-Encoding is exactly "chunked" (we decode no other coding), the
 * Content-Length when there is one, else no body. Both together, several
 * lengths or a length that is not 1*DIGIT are 400. Returns 0 or a status. */
static int decide_framing(aula_http_parser *p)
{
    size_t n_te, n_cl;
    const char *te = field_value(p, "Transfer-Encoding", &n_te);
    const char *cl = field_value(p, "Content-Length", &n_cl);
    if (n_te > 0) {
        if (n_cl > 0 || n_te > 1 || strcasecmp(te, "chunked") != 0)
            return 400;
        p->framing = FRAME_CHUNKED;
        p->chunk = CHUNK_SIZE;
        return 0;
    }
    if (n_cl == 0)
        return 0;
    if (n_cl > 1 || !*cl)
        return 400;
    uint64_t n = 0;
    for (const char *c = cl; *c; c++) {
        if (*c < '0' || *c > '9' || n > (UINT64_MAX - 9) / 10)
            return 400;
        n = n * 10 + (uint64_t)(*c - '0');
    }
    /* With head events the caller picks the limit after the head. */
    if (n > p->max_body_bytes && !p->head_events)
        return 413;
    p->framing = n ? FRAME_LENGTH : FRAME_NONE;
    p->remaining = n;
    return 0;
}

static int on_headers_complete(http_parser *hp)
{
    aula_http_parser *p = parser_of(hp);
    if (end_string(p) != 0)
        return -1;
    p->last = CB_NONE;
    /* http-parser always reports a value, possibly empty, after a name;
     * an offset left unset must still never be dereferenced. */
    for (size_t i = 0; i < p->n_fields; i++) {
        if (p->fields[i].value == SIZE_MAX) {
            p->cb_error = 400;
            return -1;
        }
    }
    if (hp->http_major != 1) {
        p->cb_error = 505;
        return -1;
    }
    /* Section 5.4: an HTTP/1.1 request needs exactly one Host, and no
     * request may carry two. */
    size_t n_host;
    field_value(p, "Host", &n_host);
    if (n_host > 1 || (hp->http_minor >= 1 && n_host == 0)) {
        p->cb_error = 400;
        return -1;
    }
    int rc = decide_framing(p);
    if (rc != 0) {
        p->cb_error = rc;
        return -1;
    }
    size_t n_expect;
    const char *expect = field_value(p, "Expect", &n_expect);
    if (expect && strcasecmp(expect, "100-continue") == 0 && hp->http_minor >= 1 &&
        p->framing != FRAME_NONE)
        p->expect_continue = true;
    /* 1: http-parser skips the body and completes the message here. */
    return 1;
}

static int on_message_complete(http_parser *hp)
{
    aula_http_parser *p = parser_of(hp);
    p->msg.keep_alive = http_should_keep_alive(hp) != 0;
    p->msg.upgrade = hp->upgrade != 0;
    p->phase = p->framing == FRAME_NONE ? PHASE_DONE : PHASE_BODY;
    /* Stop right after the head: what follows is ours to decode. */
    http_parser_pause(hp, 1);
    return 0;
}

static const http_parser_settings settings = {
    .on_message_begin = on_message_begin,
    .on_url = on_url,
    .on_header_field = on_header_field,
    .on_header_value = on_header_value,
    .on_headers_complete = on_headers_complete,
    .on_message_complete = on_message_complete,
};

/* One byte of chunked framing outside chunk data (section 4.1). Returns 0,
 * 1 when the body is complete, or an error status. */
static int chunk_byte(aula_http_parser *p, unsigned char c)
{
    switch (p->chunk) {
    case CHUNK_SIZE: {
        int h = aula_hex_digit(c);
        if (h >= 0) {
            if (p->remaining > (UINT64_MAX >> 4))
                return 400;
            p->remaining = (p->remaining << 4) | (uint64_t)h;
            p->chunk_digits++;
            return 0;
        }
        if (p->chunk_digits == 0)
            return 400;
        if (p->remaining > p->body_limit - p->body_total)
            return 413;
        if (c == '\r') {
            p->chunk = CHUNK_SIZE_LF;
            return 0;
        }
        if (c != ';' && c != ' ' && c != '\t')
            return 400;
        p->chunk = CHUNK_EXT;
        return 0;
    }
    case CHUNK_EXT: /* chunk-ext is not interpreted, only bounded */
        if (c == '\r')
            p->chunk = CHUNK_SIZE_LF;
        else if (!is_field_char(c))
            return 400;
        return 0;
    case CHUNK_SIZE_LF:
        if (c != '\n')
            return 400;
        p->chunk = p->remaining ? CHUNK_DATA : CHUNK_TRAILER_START;
        return 0;
    case CHUNK_DATA_CR:
        if (c != '\r')
            return 400;
        p->chunk = CHUNK_DATA_LF;
        return 0;
    case CHUNK_DATA_LF:
        if (c != '\n')
            return 400;
        p->chunk = CHUNK_SIZE;
        p->chunk_digits = 0;
        p->remaining = 0;
        return 0;
    case CHUNK_TRAILER_START:
        if (c == '\r') {
            p->chunk = CHUNK_LAST_LF;
            return 0;
        }
        p->chunk = CHUNK_TRAILER_NAME;
        p->chunk_digits = 0; /* now counts the name's length */
        /* fall through */
    case CHUNK_TRAILER_NAME:
        /* Trailers (section 4.1.2) are checked and dropped, not merged. */
        if (c == ':' && p->chunk_digits > 0) {
            p->chunk = CHUNK_TRAILER_VALUE;
            return 0;
        }
        p->chunk_digits++;
        return is_tchar(c) ? 0 : 400;
    case CHUNK_TRAILER_VALUE:
        if (c == '\r')
            p->chunk = CHUNK_TRAILER_LF;
        else if (!is_field_char(c))
            return 400;
        return 0;
    case CHUNK_TRAILER_LF:
        if (c != '\n')
            return 400;
        p->chunk = CHUNK_TRAILER_START;
        return 0;
    case CHUNK_LAST_LF:
        return c == '\n' ? 1 : 400;
    case CHUNK_DATA:
        break;
    }
    assert(!"chunk data is copied, not stepped");
    return 400;
}

/* Decodes body bytes from the input buffer. Returns AULA_HTTP_PARSE_AGAIN,
 * AULA_HTTP_PARSE_COMPLETE or an error status. A streamed body stops once
 * a piece is full, leaving the rest of the input for the next feed. */
static int decode_body(aula_http_parser *p)
{
    size_t i = 0, len = p->in.len;
    const char *data = p->in.data;
    int rc = AULA_HTTP_PARSE_AGAIN;
    while (i < len && rc == AULA_HTTP_PARSE_AGAIN) {
        if (p->streaming && p->body.len >= STREAM_PIECE_BYTES)
            break;
        if (p->framing == FRAME_LENGTH || p->chunk == CHUNK_DATA) {
            size_t n = len - i;
            if (n > p->remaining)
                n = (size_t)p->remaining;
            if (p->streaming && n > STREAM_PIECE_BYTES - p->body.len)
                n = STREAM_PIECE_BYTES - p->body.len;
            aula_buf_append(&p->body, data + i, n);
            i += n;
            p->remaining -= n;
            p->body_total += n;
            if (p->remaining == 0 && p->framing == FRAME_LENGTH)
                rc = AULA_HTTP_PARSE_COMPLETE;
            else if (p->remaining == 0)
                p->chunk = CHUNK_DATA_CR;
            continue;
        }
        bool in_trailer = p->chunk >= CHUNK_TRAILER_START && p->chunk <= CHUNK_TRAILER_LF;
        int r = chunk_byte(p, (unsigned char)data[i++]);
        if (r > 1)
            rc = r;
        else if (r == 1)
            rc = AULA_HTTP_PARSE_COMPLETE;
        else if (in_trailer && ++p->trailer_bytes > p->max_header_bytes)
            rc = 431;
        else if (++p->framing_bytes > p->max_framing_bytes)
            rc = 413;
    }
    aula_buf_consume(&p->in, i);
    return rc;
}

aula_http_parser *aula_http_parser_create(size_t max_header_bytes, size_t max_body_bytes)
{
    assert(max_header_bytes > 0 && max_body_bytes > 0);
    aula_http_parser *p = aula_calloc(1, sizeof *p);
    http_parser_init(&p->hp, HTTP_REQUEST);
    p->hp.data = p;
    p->max_header_bytes = max_header_bytes;
    p->max_body_bytes = max_body_bytes;
    /* A chunk costs at least five bytes of framing; allowing as many as
     * the body may have, plus a head's worth, admits any sane client while
     * bounding what a peer can make us chew through for one request. */
    p->max_framing_bytes = sat_add(max_header_bytes, max_body_bytes);
    p->body_limit = max_body_bytes;
    aula_buf_init(&p->in);
    aula_buf_init(&p->strings);
    aula_buf_init(&p->body);
    return p;
}

void aula_http_parser_destroy(aula_http_parser *p)
{
    if (!p)
        return;
    aula_buf_deinit(&p->in);
    aula_buf_deinit(&p->strings);
    aula_buf_deinit(&p->body);
    aula_free(p->fields);
    aula_free(p->views);
    aula_free(p);
}

static void reset_message(aula_http_parser *p)
{
    aula_buf_reset(&p->strings);
    aula_buf_reset(&p->body);
    p->n_fields = 0;
    p->url_off = 0;
    p->last = CB_NONE;
    p->phase = PHASE_HEAD;
    p->line = LINE_START;
    p->version_pos = 0;
    p->head_bytes = 0;
    p->framing = FRAME_NONE;
    p->remaining = 0;
    p->chunk = CHUNK_SIZE;
    p->chunk_digits = 0;
    p->framing_bytes = 0;
    p->trailer_bytes = 0;
    p->body_limit = p->max_body_bytes;
    p->body_total = 0;
    p->max_framing_bytes = sat_add(p->max_header_bytes, p->max_body_bytes);
    p->head_reported = false;
    p->awaiting_mode = false;
    p->streaming = false;
    p->cb_error = 0;
    p->started = false;
    p->complete = false;
    p->expect_continue = false;
    memset(&p->msg, 0, sizeof p->msg);
    http_parser_pause(&p->hp, 0);
}

static size_t append_string(aula_buf *b, const char *s, size_t len)
{
    size_t off = b->len;
    aula_buf_append(b, s, len);
    aula_buf_append(b, "", 1);
    return off;
}

/* Splits the target into path and query and turns offsets into pointers.
 * Returns 0 or 400 for a target http_parser_parse_url() rejects. */
static int finish_message(aula_http_parser *p)
{
    size_t target_len = strlen(p->strings.data + p->url_off);
    size_t path_at = 0, path_len = 0, query_at = 0, query_len = 0;
    if (strcmp(p->strings.data + p->url_off, "*") == 0 || p->hp.method == HTTP_CONNECT) {
        path_len = target_len; /* asterisk-form, authority-form */
    } else {
        struct http_parser_url u;
        http_parser_url_init(&u);
        if (http_parser_parse_url(p->strings.data + p->url_off, target_len, 0, &u) != 0)
            return 400;
        if (u.field_set & (1 << UF_PATH)) {
            path_at = u.field_data[UF_PATH].off;
            path_len = u.field_data[UF_PATH].len;
        }
        if (u.field_set & (1 << UF_QUERY)) {
            query_at = u.field_data[UF_QUERY].off;
            query_len = u.field_data[UF_QUERY].len;
        }
    }
    /* Reserve first so that the copies below cannot move their source. */
    aula_buf_reserve(&p->strings, path_len + query_len + 3);
    const char *t = p->strings.data + p->url_off;
    size_t path_off = path_len ? append_string(&p->strings, t + path_at, path_len)
                               : append_string(&p->strings, "/", 1);
    size_t query_off = append_string(&p->strings, t + query_at, query_len);

    if (p->cap_views < p->n_fields) {
        p->cap_views = p->n_fields;
        p->views = aula_realloc(p->views, p->cap_views * sizeof *p->views);
    }
    for (size_t i = 0; i < p->n_fields; i++) {
        p->views[i].name = p->strings.data + p->fields[i].name;
        p->views[i].value = p->strings.data + p->fields[i].value;
    }
    aula_buf_append(&p->body, "", 0); /* makes data non-NULL */
    p->msg.method = http_method_str((enum http_method)p->hp.method);
    p->msg.target = p->strings.data + p->url_off;
    p->msg.path = p->strings.data + path_off;
    p->msg.query = p->strings.data + query_off;
    p->msg.headers = p->views;
    p->msg.n_headers = p->n_fields;
    p->msg.body = p->body.data;
    p->msg.body_len = p->body.len;
    p->msg.http_major = p->hp.http_major;
    p->msg.http_minor = p->hp.http_minor;
    return 0;
}

static int fail(aula_http_parser *p, int status)
{
    p->error = status;
    p->phase = PHASE_HEAD;
    return status;
}

/* Parses head bytes. Returns AGAIN (head incomplete or complete: see
 * p->phase) or an error status. */
static int parse_head(aula_http_parser *p)
{
    while (p->in.len > 0 && p->phase == PHASE_HEAD) {
        /* Feed no more than the head may still grow: a head that does not
         * end within the limit is 431 however the bytes were split. */
        size_t slice = p->in.len;
        if (slice > p->max_header_bytes - p->head_bytes)
            slice = p->max_header_bytes - p->head_bytes;
        if (check_request_line(p, p->in.data, slice) != 0)
            return 400;
        size_t n = http_parser_execute(&p->hp, &settings, p->in.data, slice);
        p->head_bytes += n;
        aula_buf_consume(&p->in, n);
        enum http_errno e = HTTP_PARSER_ERRNO(&p->hp);
        if (e != HPE_OK && e != HPE_PAUSED)
            return p->cb_error ? p->cb_error : e == HPE_HEADER_OVERFLOW ? 431 : 400;
        if (p->phase == PHASE_HEAD && p->head_bytes >= p->max_header_bytes)
            return 431;
    }
    return AULA_HTTP_PARSE_AGAIN;
}

int aula_http_parser_feed(aula_http_parser *p, const char *data, size_t len)
{
    assert(!(p->complete && p->msg.upgrade));
    assert(!p->awaiting_mode && "aula_http_parser_body_mode() must follow AULA_HTTP_PARSE_HEAD");
    if (p->error)
        return p->error;
    if (p->complete)
        reset_message(p);
    else if (p->streaming)
        aula_buf_reset(&p->body); /* the piece handed out last time */
    if (len)
        aula_buf_append(&p->in, data, len);

    int rc = parse_head(p);
    if (rc == AULA_HTTP_PARSE_AGAIN && p->phase == PHASE_BODY && p->head_events &&
        !p->head_reported) {
        rc = finish_message(p);
        if (rc)
            return fail(p, rc);
        /* The body buffer may move while a streamed body passes through. */
        p->msg.body = "";
        p->msg.body_len = 0;
        p->head_reported = true;
        p->awaiting_mode = true;
        return AULA_HTTP_PARSE_HEAD;
    }
    if (rc == AULA_HTTP_PARSE_AGAIN && p->phase == PHASE_BODY) {
        rc = decode_body(p);
        if (rc == AULA_HTTP_PARSE_COMPLETE)
            p->phase = PHASE_DONE;
    }
    if (rc != AULA_HTTP_PARSE_AGAIN && rc != AULA_HTTP_PARSE_COMPLETE)
        return fail(p, rc);
    if (p->streaming && p->body.len > 0)
        return AULA_HTTP_PARSE_BODY;
    if (p->phase != PHASE_DONE)
        return AULA_HTTP_PARSE_AGAIN;
    if (p->head_reported) {
        aula_buf_append(&p->body, "", 0); /* makes data non-NULL */
        p->msg.body = p->body.data;
        p->msg.body_len = p->body.len;
    } else {
        rc = finish_message(p);
        if (rc)
            return fail(p, rc);
    }
    p->complete = true;
    return AULA_HTTP_PARSE_COMPLETE;
}

const aula_http_message *aula_http_parser_message(const aula_http_parser *p)
{
    return p->complete || (p->head_reported && !p->error) ? &p->msg : NULL;
}

const char *aula_http_message_header(const aula_http_message *m, const char *name)
{
    for (size_t i = 0; i < m->n_headers; i++)
        if (strcasecmp(m->headers[i].name, name) == 0)
            return m->headers[i].value;
    return NULL;
}

const char *aula_http_parser_buffered(const aula_http_parser *p, size_t *len)
{
    *len = p->in.len;
    return p->in.len ? p->in.data : "";
}

bool aula_http_parser_started(const aula_http_parser *p)
{
    return p->started && !p->complete;
}

bool aula_http_parser_take_continue(aula_http_parser *p)
{
    bool c = p->expect_continue && p->phase == PHASE_BODY && !p->error;
    p->expect_continue = false;
    return c;
}

void aula_http_parser_head_events(aula_http_parser *p, bool on)
{
    p->head_events = on;
}

int aula_http_parser_body_mode(aula_http_parser *p, bool stream, uint64_t max_bytes)
{
    assert(p->awaiting_mode && !p->error);
    p->awaiting_mode = false;
    p->streaming = stream;
    p->body_limit = stream ? max_bytes : p->max_body_bytes;
    size_t limit = p->body_limit > SIZE_MAX ? SIZE_MAX : (size_t)p->body_limit;
    p->max_framing_bytes = sat_add(p->max_header_bytes, limit);
    if (p->framing == FRAME_LENGTH && p->remaining > p->body_limit)
        return fail(p, 413);
    return 0;
}

const char *aula_http_parser_body_take(const aula_http_parser *p, size_t *len)
{
    *len = p->streaming ? p->body.len : 0;
    return *len ? p->body.data : "";
}

uint64_t aula_http_parser_body_total(const aula_http_parser *p)
{
    return p->body_total;
}
