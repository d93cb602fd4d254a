#include "files/sniff.h"

#include "core/alloc.h"

#include <string.h>
#include <strings.h>

#define HEAD_BYTES 512
/* The ZIP end record: 22 bytes plus a comment of up to 65535 (APPNOTE
 * 4.3.16). */
#define ZIP_EOCD_MIN 22
#define ZIP_EOCD_MAX (ZIP_EOCD_MIN + 65535)
#define ZIP_CDH_MIN 46 /* central directory file header, APPNOTE 4.3.12 */
#define ZIP_LFH_MIN 30 /* local file header, APPNOTE 4.3.7 */
#define CFB_MAX_SECTOR 4096

/* ZIP and CFB are little-endian. */
static uint16_t le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static uint32_t le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

typedef struct kind_info {
    const char *mime;
    const char *ext;
    const char *label;
} kind_info;

static const kind_info kinds[AULA_FILE_KIND_COUNT_] = {
    [AULA_FILE_UNKNOWN] = {"application/octet-stream", "", "a kind of file that is not accepted"},
    [AULA_FILE_PDF] = {"application/pdf", "pdf", "a PDF document"},
    [AULA_FILE_PNG] = {"image/png", "png", "a PNG image"},
    [AULA_FILE_JPEG] = {"image/jpeg", "jpg", "a JPEG image"},
    [AULA_FILE_GIF] = {"image/gif", "gif", "a GIF image"},
    [AULA_FILE_WEBP] = {"image/webp", "webp", "a WebP image"},
    [AULA_FILE_DOCX] = {"application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                        "docx", "a Word document (docx)"},
    [AULA_FILE_XLSX] = {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx",
                        "an Excel spreadsheet (xlsx)"},
    [AULA_FILE_PPTX] = {"application/vnd.openxmlformats-officedocument.presentationml.presentation",
                        "pptx", "a PowerPoint presentation (pptx)"},
    [AULA_FILE_ODT] = {"application/vnd.oasis.opendocument.text", "odt",
                       "an OpenDocument text (odt)"},
    [AULA_FILE_ODS] = {"application/vnd.oasis.opendocument.spreadsheet", "ods",
                       "an OpenDocument spreadsheet (ods)"},
    [AULA_FILE_ODP] = {"application/vnd.oasis.opendocument.presentation", "odp",
                       "an OpenDocument presentation (odp)"},
    [AULA_FILE_DOC] = {"application/msword", "doc", "a Word 97-2003 document (doc)"},
    [AULA_FILE_XLS] = {"application/vnd.ms-excel", "xls", "an Excel 97-2003 spreadsheet (xls)"},
    [AULA_FILE_PPT] = {"application/vnd.ms-powerpoint", "ppt",
                       "a PowerPoint 97-2003 presentation (ppt)"},
    [AULA_FILE_CFB] = {"application/x-ole-storage", "", "an Office 97-2003 document"},
};

/* Extensions beyond each kind's usual one. */
static const struct {
    const char *ext;
    aula_file_kind kind;
} extra_exts[] = {{"jpeg", AULA_FILE_JPEG}, {"jpe", AULA_FILE_JPEG}};

static int read_exact(aula_sniff_read_fn read, void *ud, uint64_t off, void *buf, size_t len)
{
    size_t got = 0;
    int rc = read(ud, off, buf, len, &got);
    if (rc < 0)
        return rc;
    return got == len ? 1 : 0;
}

static int starts(const uint8_t *d, size_t len, const void *magic, size_t n)
{
    return len >= n && memcmp(d, magic, n) == 0;
}

/* The simple formats: a fixed signature at the start. */
static aula_file_kind sniff_magic(const uint8_t *d, size_t len)
{
    if (starts(d, len, "%PDF-", 5)) /* ISO 32000-1 section 7.5.2 */
        return AULA_FILE_PDF;
    if (starts(d, len, "\x89PNG\r\n\x1a\n", 8)) /* RFC 2083 section 3.1 */
        return AULA_FILE_PNG;
    if (starts(d, len, "\xff\xd8\xff", 3)) /* JPEG SOI then a marker */
        return AULA_FILE_JPEG;
    if (starts(d, len, "GIF87a", 6) || starts(d, len, "GIF89a", 6))
        return AULA_FILE_GIF;
    if (len >= 16 && memcmp(d, "RIFF", 4) == 0 && memcmp(d + 8, "WEBPVP8", 7) == 0)
        return AULA_FILE_WEBP; /* RIFF container, WEBP form, a VP8/VP8L/VP8X chunk */
    return AULA_FILE_UNKNOWN;
}

/* OpenDocument (ODF 1.2 part 3, section 3.3): the first local entry is
 * "mimetype", stored uncompressed, holding the media type. */
static aula_file_kind sniff_odf(const uint8_t *d, size_t len)
{
    static const char name[] = "mimetype";
    if (len < ZIP_LFH_MIN || le32(d) != 0x04034b50)
        return AULA_FILE_UNKNOWN;
    uint16_t method = le16(d + 8);
    uint32_t csize = le32(d + 18);
    uint16_t nlen = le16(d + 26);
    uint16_t xlen = le16(d + 28);
    if (method != 0 || nlen != sizeof name - 1 || (size_t)ZIP_LFH_MIN + nlen + xlen > len ||
        memcmp(d + ZIP_LFH_MIN, name, nlen) != 0)
        return AULA_FILE_UNKNOWN;
    size_t at = (size_t)ZIP_LFH_MIN + nlen + xlen;
    if (csize > len - at)
        return AULA_FILE_UNKNOWN;
    for (aula_file_kind k = AULA_FILE_ODT; k <= AULA_FILE_ODP; k++) {
        size_t n = strlen(kinds[k].mime);
        if (csize == n && memcmp(d + at, kinds[k].mime, n) == 0)
            return k;
    }
    return AULA_FILE_UNKNOWN;
}

/* Finds the end of central directory record in the tail of a ZIP (the last
 * one whose comment reaches exactly to the end) and returns the
 * directory's place. 1 found, 0 not (or ZIP64, which is not read). */
static int zip_find_dir(const uint8_t *tail, size_t tail_len, uint64_t tail_off, uint64_t *dir_off,
                        uint32_t *dir_len)
{
    if (tail_len < ZIP_EOCD_MIN)
        return 0;
    for (size_t i = tail_len - ZIP_EOCD_MIN + 1; i-- > 0;) {
        const uint8_t *e = tail + i;
        if (le32(e) != 0x06054b50)
            continue;
        if ((size_t)le16(e + 20) != tail_len - i - ZIP_EOCD_MIN)
            continue;
        uint32_t len = le32(e + 12);
        uint32_t off = le32(e + 16);
        if (off == 0xffffffffu || len == 0xffffffffu)
            return 0;
        /* The directory ends where the end record begins. */
        if ((uint64_t)off + len != tail_off + i)
            return 0;
        *dir_off = off;
        *dir_len = len;
        return 1;
    }
    return 0;
}

static int name_has_prefix(const uint8_t *name, size_t n, const char *prefix)
{
    size_t p = strlen(prefix);
    return n >= p && memcmp(name, prefix, p) == 0;
}

/* Office Open XML (ECMA-376 part 2): [Content_Types].xml plus the parts of
 * exactly one application. */
static aula_file_kind sniff_ooxml(const uint8_t *d, size_t len)
{
    int content_types = 0, word = 0, xl = 0, ppt = 0;
    size_t at = 0;
    while (at + ZIP_CDH_MIN <= len) {
        const uint8_t *h = d + at;
        if (le32(h) != 0x02014b50)
            return AULA_FILE_UNKNOWN;
        size_t nlen = le16(h + 28);
        size_t rest = (size_t)le16(h + 30) + le16(h + 32);
        if (nlen + rest > len - at - ZIP_CDH_MIN)
            return AULA_FILE_UNKNOWN;
        const uint8_t *name = h + ZIP_CDH_MIN;
        if (nlen == 19 && memcmp(name, "[Content_Types].xml", 19) == 0)
            content_types = 1;
        word |= name_has_prefix(name, nlen, "word/");
        xl |= name_has_prefix(name, nlen, "xl/");
        ppt |= name_has_prefix(name, nlen, "ppt/");
        at += ZIP_CDH_MIN + nlen + rest;
    }
    if (at != len || !content_types || word + xl + ppt != 1)
        return AULA_FILE_UNKNOWN;
    return word ? AULA_FILE_DOCX : xl ? AULA_FILE_XLSX : AULA_FILE_PPTX;
}

static int sniff_zip(aula_sniff_read_fn read, void *ud, uint64_t size)
{
    size_t tail_len = size < ZIP_EOCD_MAX ? (size_t)size : ZIP_EOCD_MAX;
    uint8_t *buf = aula_malloc(tail_len);
    uint64_t dir_off = 0;
    uint32_t dir_len = 0;
    int rc = read_exact(read, ud, size - tail_len, buf, tail_len);
    if (rc == 1)
        rc = zip_find_dir(buf, tail_len, size - tail_len, &dir_off, &dir_len);
    aula_free(buf);
    if (rc != 1 || dir_len == 0 || dir_len > AULA_SNIFF_MAX_ZIP_DIR)
        return rc < 0 ? rc : AULA_FILE_UNKNOWN;
    buf = aula_malloc(dir_len);
    rc = read_exact(read, ud, dir_off, buf, dir_len);
    int kind = rc == 1 ? (int)sniff_ooxml(buf, dir_len) : rc < 0 ? rc : AULA_FILE_UNKNOWN;
    aula_free(buf);
    return kind;
}

/* A directory entry's UTF-16LE name equals the ASCII name. */
static int cfb_name_is(const uint8_t *entry, const char *name)
{
    size_t n = strlen(name);
    size_t bytes = le16(entry + 64); /* with the terminating NUL */
    if (bytes != 2 * (n + 1))
        return 0;
    for (size_t i = 0; i < n; i++)
        if (entry[2 * i] != (uint8_t)name[i] || entry[2 * i + 1] != 0)
            return 0;
    return 1;
}

/* Compound File Binary ([MS-CFB] 2.2): which application's main stream the
 * first directory sector holds. */
static int sniff_cfb(aula_sniff_read_fn read, void *ud, uint64_t size, const uint8_t *head)
{
    uint16_t shift = le16(head + 30);
    if (shift != 9 && shift != 12)
        return AULA_FILE_UNKNOWN;
    size_t sector = (size_t)1 << shift;
    uint64_t off = ((uint64_t)le32(head + 48) + 1) << shift;
    if (off >= size || sector > size - off)
        return AULA_FILE_CFB;
    uint8_t dir[CFB_MAX_SECTOR];
    int rc = read_exact(read, ud, off, dir, sector);
    if (rc != 1)
        return rc < 0 ? rc : AULA_FILE_CFB;
    for (size_t at = 0; at + 128 <= sector; at += 128) {
        const uint8_t *e = dir + at;
        if (e[66] != 2) /* streams only */
            continue;
        if (cfb_name_is(e, "WordDocument"))
            return AULA_FILE_DOC;
        if (cfb_name_is(e, "Workbook") || cfb_name_is(e, "Book"))
            return AULA_FILE_XLS;
        if (cfb_name_is(e, "PowerPoint Document"))
            return AULA_FILE_PPT;
    }
    return AULA_FILE_CFB;
}

int aula_sniff(aula_sniff_read_fn read, void *ud, uint64_t size)
{
    uint8_t head[HEAD_BYTES];
    size_t len = size < HEAD_BYTES ? (size_t)size : HEAD_BYTES;
    int rc = read_exact(read, ud, 0, head, len);
    if (rc != 1)
        return rc < 0 ? rc : AULA_FILE_UNKNOWN;
    aula_file_kind k = sniff_magic(head, len);
    if (k != AULA_FILE_UNKNOWN)
        return k;
    if (starts(head, len, "PK\x03\x04", 4)) {
        k = sniff_odf(head, len);
        return k != AULA_FILE_UNKNOWN ? (int)k : sniff_zip(read, ud, size);
    }
    if (len >= HEAD_BYTES && starts(head, len, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8))
        return sniff_cfb(read, ud, size, head);
    return AULA_FILE_UNKNOWN;
}

typedef struct mem_src {
    const uint8_t *data;
    size_t len;
} mem_src;

static int mem_read(void *ud, uint64_t off, void *buf, size_t len, size_t *got)
{
    const mem_src *m = ud;
    size_t n = off >= m->len ? 0 : m->len - (size_t)off;
    if (n > len)
        n = len;
    if (n)
        memcpy(buf, m->data + off, n);
    *got = n;
    return 0;
}

aula_file_kind aula_sniff_buffer(const void *data, size_t len)
{
    mem_src m = {data, len};
    int k = aula_sniff(mem_read, &m, len);
    return k < 0 ? AULA_FILE_UNKNOWN : (aula_file_kind)k;
}

int aula_sniff_prefix_plausible(const void *data, size_t len)
{
    static const char *const magics[] = {
        "%PDF-",        "\x89PNG\r\n\x1a\n",
        "\xff\xd8\xff", "GIF87a",
        "GIF89a",       "RIFF",
        "PK\x03\x04",   "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
    };
    for (size_t i = 0; i < sizeof magics / sizeof magics[0]; i++) {
        size_t n = strlen(magics[i]);
        size_t m = len < n ? len : n;
        if (memcmp(data, magics[i], m) == 0)
            return 1;
    }
    return 0;
}

const char *aula_file_kind_mime(aula_file_kind k)
{
    return k < AULA_FILE_KIND_COUNT_ ? kinds[k].mime : kinds[0].mime;
}

const char *aula_file_kind_ext(aula_file_kind k)
{
    return k < AULA_FILE_KIND_COUNT_ ? kinds[k].ext : "";
}

const char *aula_file_kind_label(aula_file_kind k)
{
    return k < AULA_FILE_KIND_COUNT_ ? kinds[k].label : kinds[0].label;
}

int aula_file_kind_from_mime(const char *mime)
{
    if (!mime)
        return -1;
    while (*mime == ' ' || *mime == '\t')
        mime++;
    size_t n = strcspn(mime, "; \t");
    if (n == 0 || (n == 24 && strncasecmp(mime, "application/octet-stream", n) == 0))
        return -1;
    for (aula_file_kind k = AULA_FILE_PDF; k < AULA_FILE_CFB; k++)
        if (strlen(kinds[k].mime) == n && strncasecmp(mime, kinds[k].mime, n) == 0)
            return k;
    if (n == 9 && strncasecmp(mime, "image/jpg", n) == 0) /* common, if wrong */
        return AULA_FILE_JPEG;
    return AULA_FILE_UNKNOWN;
}

int aula_file_kind_from_name(const char *name)
{
    const char *dot = name ? strrchr(name, '.') : NULL;
    if (!dot || dot == name || !dot[1] || strchr(dot, '/'))
        return -1;
    const char *ext = dot + 1;
    for (aula_file_kind k = AULA_FILE_PDF; k < AULA_FILE_CFB; k++)
        if (strcasecmp(ext, kinds[k].ext) == 0)
            return k;
    for (size_t i = 0; i < sizeof extra_exts / sizeof extra_exts[0]; i++)
        if (strcasecmp(ext, extra_exts[i].ext) == 0)
            return extra_exts[i].kind;
    return AULA_FILE_UNKNOWN;
}

int aula_file_kind_matches(aula_file_kind content, aula_file_kind declared)
{
    if (content == AULA_FILE_UNKNOWN)
        return 0;
    if (content == declared)
        return 1;
    return content == AULA_FILE_CFB &&
           (declared == AULA_FILE_DOC || declared == AULA_FILE_XLS || declared == AULA_FILE_PPT);
}
