/* Unit tests of content sniffing (src/files/sniff.c): bytes in, a kind
 * out. Containers (ZIP, CFB) are built here byte by byte, so each test
 * says exactly which structure makes a file what it is. */
#include "files/sniff.h"

#include "core/alloc.h"
#include "core/buf.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

/* ---- a tiny ZIP writer: stored entries, APPNOTE 4.3 ---- */

typedef struct zip {
    aula_buf out;
    aula_buf dir;
    uint16_t n;
} zip;

static void put16(aula_buf *b, uint16_t v)
{
    uint8_t p[2] = {(uint8_t)v, (uint8_t)(v >> 8)};
    aula_buf_append(b, p, 2);
}

static void put32(aula_buf *b, uint32_t v)
{
    uint8_t p[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};
    aula_buf_append(b, p, 4);
}

static void zip_add(zip *z, const char *name, const char *data)
{
    uint32_t off = (uint32_t)z->out.len;
    uint32_t len = (uint32_t)strlen(data);
    uint16_t nlen = (uint16_t)strlen(name);
    put32(&z->out, 0x04034b50);
    put16(&z->out, 10);
    put16(&z->out, 0);
    put16(&z->out, 0); /* stored */
    put32(&z->out, 0); /* time, date */
    put32(&z->out, 0); /* crc (not checked by the sniffer) */
    put32(&z->out, len);
    put32(&z->out, len);
    put16(&z->out, nlen);
    put16(&z->out, 0);
    aula_buf_append_str(&z->out, name);
    aula_buf_append_str(&z->out, data);

    put32(&z->dir, 0x02014b50);
    put16(&z->dir, 20);
    put16(&z->dir, 10);
    put16(&z->dir, 0);
    put16(&z->dir, 0);
    put32(&z->dir, 0);
    put32(&z->dir, 0);
    put32(&z->dir, len);
    put32(&z->dir, len);
    put16(&z->dir, nlen);
    put16(&z->dir, 0);
    put16(&z->dir, 0);
    put16(&z->dir, 0);
    put16(&z->dir, 0);
    put32(&z->dir, 0);
    put32(&z->dir, off);
    aula_buf_append_str(&z->dir, name);
    z->n++;
}

/* Appends the directory and the end record; z->out then holds the file. */
static void zip_finish(zip *z, const char *comment)
{
    uint32_t dir_off = (uint32_t)z->out.len;
    aula_buf_append(&z->out, z->dir.data, z->dir.len);
    put32(&z->out, 0x06054b50);
    put16(&z->out, 0);
    put16(&z->out, 0);
    put16(&z->out, z->n);
    put16(&z->out, z->n);
    put32(&z->out, (uint32_t)z->dir.len);
    put32(&z->out, dir_off);
    put16(&z->out, (uint16_t)strlen(comment));
    aula_buf_append_str(&z->out, comment);
    aula_buf_deinit(&z->dir);
}

static aula_file_kind sniff_zip(const char *const *names, size_t n, const char *comment)
{
    zip z = {0};
    aula_buf_init(&z.out);
    aula_buf_init(&z.dir);
    for (size_t i = 0; i < n; i++)
        zip_add(&z, names[i], "<x/>");
    zip_finish(&z, comment);
    aula_file_kind k = aula_sniff_buffer(z.out.data, z.out.len);
    aula_buf_deinit(&z.out);
    return k;
}

static aula_file_kind sniff_str(const char *s, size_t len)
{
    return aula_sniff_buffer(s, len);
}

/* ---- tests ---- */

static void test_simple_magic(void **state)
{
    (void)state;
    static const char pdf[] = "%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<<>>\nendobj\n%%EOF\n";
    assert_int_equal(sniff_str(pdf, sizeof pdf - 1), AULA_FILE_PDF);
    static const char png[] = "\x89PNG\r\n\x1a\n\0\0\0\rIHDR";
    assert_int_equal(sniff_str(png, sizeof png - 1), AULA_FILE_PNG);
    assert_int_equal(sniff_str("\xff\xd8\xff\xe0\0\x10JFIF", 10), AULA_FILE_JPEG);
    assert_int_equal(sniff_str("GIF89a\x01\0\x01\0", 10), AULA_FILE_GIF);
    assert_int_equal(sniff_str("GIF87a\x01\0\x01\0", 10), AULA_FILE_GIF);
    assert_int_equal(sniff_str("RIFF\x24\0\0\0WEBPVP8 \x18\0\0\0", 20), AULA_FILE_WEBP);

    /* Close but not the same: nothing accepted. */
    assert_int_equal(sniff_str("RIFF\x24\0\0\0WAVEfmt ", 16), AULA_FILE_UNKNOWN); /* audio */
    assert_int_equal(sniff_str("MZ\x90\0\x03\0\0\0", 8), AULA_FILE_UNKNOWN);      /* a program */
    assert_int_equal(sniff_str("hello, world\n", 13), AULA_FILE_UNKNOWN);
    assert_int_equal(sniff_str("%PD", 3), AULA_FILE_UNKNOWN);
    assert_int_equal(sniff_str("GIF90a", 6), AULA_FILE_UNKNOWN);
    assert_int_equal(sniff_str("", 0), AULA_FILE_UNKNOWN);
    /* The magic must be at the start. */
    assert_int_equal(sniff_str(" %PDF-1.4\n", 10), AULA_FILE_UNKNOWN);
}

static void test_ooxml(void **state)
{
    (void)state;
    const char *docx[] = {"[Content_Types].xml", "_rels/.rels", "word/document.xml",
                          "word/_rels/document.xml.rels"};
    assert_int_equal(sniff_zip(docx, 4, ""), AULA_FILE_DOCX);
    const char *xlsx[] = {"[Content_Types].xml", "xl/workbook.xml", "xl/worksheets/sheet1.xml"};
    assert_int_equal(sniff_zip(xlsx, 3, ""), AULA_FILE_XLSX);
    const char *pptx[] = {"_rels/.rels", "ppt/presentation.xml", "[Content_Types].xml"};
    /* Order does not matter, and a comment after the end record is fine. */
    assert_int_equal(sniff_zip(pptx, 3, "made by a test"), AULA_FILE_PPTX);

    /* A ZIP that is not an Office file. */
    const char *plain[] = {"readme.txt", "word/notes.txt"};
    assert_int_equal(sniff_zip(plain, 2, ""), AULA_FILE_UNKNOWN);
    /* Two applications at once is no known document. */
    const char *both[] = {"[Content_Types].xml", "word/document.xml", "xl/workbook.xml"};
    assert_int_equal(sniff_zip(both, 3, ""), AULA_FILE_UNKNOWN);
    /* "words/" is not "word/". */
    const char *near[] = {"[Content_Types].xml", "words/document.xml"};
    assert_int_equal(sniff_zip(near, 2, ""), AULA_FILE_UNKNOWN);
}

static void test_ooxml_damaged(void **state)
{
    (void)state;
    zip z = {0};
    aula_buf_init(&z.out);
    aula_buf_init(&z.dir);
    zip_add(&z, "[Content_Types].xml", "<Types/>");
    zip_add(&z, "word/document.xml", "<w:document/>");
    zip_finish(&z, "");
    assert_int_equal(aula_sniff_buffer(z.out.data, z.out.len), AULA_FILE_DOCX);
    /* Cut anywhere: the end record is gone or points elsewhere. */
    for (size_t cut = 1; cut < 40; cut++)
        assert_int_equal(aula_sniff_buffer(z.out.data, z.out.len - cut), AULA_FILE_UNKNOWN);
    /* A directory entry with a broken signature. */
    char *bad = aula_malloc(z.out.len);
    memcpy(bad, z.out.data, z.out.len);
    char *cd = memmem(bad, z.out.len, "PK\x01\x02", 4);
    assert_non_null(cd);
    cd[3] = 9;
    assert_int_equal(aula_sniff_buffer(bad, z.out.len), AULA_FILE_UNKNOWN);
    aula_free(bad);
    aula_buf_deinit(&z.out);
}

static aula_file_kind sniff_odf(const char *mimetype, const char *first_name)
{
    zip z = {0};
    aula_buf_init(&z.out);
    aula_buf_init(&z.dir);
    zip_add(&z, first_name, mimetype);
    zip_add(&z, "content.xml", "<office:document-content/>");
    zip_add(&z, "META-INF/manifest.xml", "<manifest/>");
    zip_finish(&z, "");
    aula_file_kind k = aula_sniff_buffer(z.out.data, z.out.len);
    aula_buf_deinit(&z.out);
    return k;
}

static void test_odf(void **state)
{
    (void)state;
    assert_int_equal(sniff_odf("application/vnd.oasis.opendocument.text", "mimetype"),
                     AULA_FILE_ODT);
    assert_int_equal(sniff_odf("application/vnd.oasis.opendocument.spreadsheet", "mimetype"),
                     AULA_FILE_ODS);
    assert_int_equal(sniff_odf("application/vnd.oasis.opendocument.presentation", "mimetype"),
                     AULA_FILE_ODP);
    /* Another OpenDocument kind (a drawing), a prefix of a known type, or
     * the right type under another name: not accepted. */
    assert_int_equal(sniff_odf("application/vnd.oasis.opendocument.graphics", "mimetype"),
                     AULA_FILE_UNKNOWN);
    assert_int_equal(sniff_odf("application/vnd.oasis.opendocument.tex", "mimetype"),
                     AULA_FILE_UNKNOWN);
    assert_int_equal(sniff_odf("application/vnd.oasis.opendocument.text", "mimetypes"),
                     AULA_FILE_UNKNOWN);
}

/* A CFB file: 512-byte header, FAT sector 0, directory in sector 1. */
static aula_file_kind sniff_cfb(const char *stream_name)
{
    uint8_t f[512 * 3];
    memset(f, 0, sizeof f);
    memcpy(f, "\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8);
    f[30] = 9; /* sector shift: 512 */
    f[48] = 1; /* first directory sector */
    uint8_t *dir = f + 512 * 2;
    const char *names[2] = {"Root Entry", stream_name};
    for (int e = 0; e < 2; e++) {
        uint8_t *d = dir + 128 * e;
        size_t n = strlen(names[e]);
        for (size_t i = 0; i < n; i++)
            d[2 * i] = (uint8_t)names[e][i];
        d[64] = (uint8_t)(2 * (n + 1));
        d[66] = e == 0 ? 5 : 2;
    }
    return aula_sniff_buffer(f, sizeof f);
}

static void test_cfb(void **state)
{
    (void)state;
    assert_int_equal(sniff_cfb("WordDocument"), AULA_FILE_DOC);
    assert_int_equal(sniff_cfb("Workbook"), AULA_FILE_XLS);
    assert_int_equal(sniff_cfb("PowerPoint Document"), AULA_FILE_PPT);
    /* Some other OLE file (an MSI installer, say): only "Office 97-2003". */
    assert_int_equal(sniff_cfb("SummaryInformation"), AULA_FILE_CFB);
    assert_true(aula_file_kind_matches(AULA_FILE_CFB, AULA_FILE_DOC));
    assert_false(aula_file_kind_matches(AULA_FILE_CFB, AULA_FILE_PDF));
    /* Just the signature, without a header: not accepted. */
    assert_int_equal(sniff_str("\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8), AULA_FILE_UNKNOWN);
}

static void test_declared_types(void **state)
{
    (void)state;
    assert_int_equal(aula_file_kind_from_mime("application/pdf"), AULA_FILE_PDF);
    assert_int_equal(aula_file_kind_from_mime("Application/PDF; name=x"), AULA_FILE_PDF);
    assert_int_equal(aula_file_kind_from_mime("image/jpg"), AULA_FILE_JPEG);
    assert_int_equal(aula_file_kind_from_mime("application/octet-stream"), -1);
    assert_int_equal(aula_file_kind_from_mime(""), -1);
    assert_int_equal(aula_file_kind_from_mime(NULL), -1);
    assert_int_equal(aula_file_kind_from_mime("application/x-msdownload"), AULA_FILE_UNKNOWN);
    assert_int_equal(aula_file_kind_from_mime("application/x-ole-storage"), AULA_FILE_UNKNOWN);

    assert_int_equal(aula_file_kind_from_name("Lesson 1.PDF"), AULA_FILE_PDF);
    assert_int_equal(aula_file_kind_from_name("photo.jpeg"), AULA_FILE_JPEG);
    assert_int_equal(aula_file_kind_from_name("slides.pptx"), AULA_FILE_PPTX);
    assert_int_equal(aula_file_kind_from_name("notes"), -1);
    assert_int_equal(aula_file_kind_from_name(".pdf"), -1);
    assert_int_equal(aula_file_kind_from_name("setup.exe"), AULA_FILE_UNKNOWN);
    assert_int_equal(aula_file_kind_from_name("a.pdf.exe"), AULA_FILE_UNKNOWN);

    assert_string_equal(aula_file_kind_mime(AULA_FILE_PNG), "image/png");
    assert_string_equal(aula_file_kind_ext(AULA_FILE_DOCX), "docx");
    assert_string_equal(aula_file_kind_label(AULA_FILE_PDF), "a PDF document");
    assert_false(aula_file_kind_matches(AULA_FILE_PNG, AULA_FILE_PDF));
    assert_false(aula_file_kind_matches(AULA_FILE_UNKNOWN, AULA_FILE_UNKNOWN));
}

static void test_prefix_plausible(void **state)
{
    (void)state;
    assert_true(aula_sniff_prefix_plausible("%PDF-1.7", 8));
    assert_true(aula_sniff_prefix_plausible("%P", 2)); /* too short to tell yet */
    assert_true(aula_sniff_prefix_plausible("PK\x03\x04\x14\0\0\0", 8));
    assert_false(aula_sniff_prefix_plausible("MZ\x90\0\x03\0\0\0", 8));
    assert_false(aula_sniff_prefix_plausible("#!/bin/sh\n", 10));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_simple_magic),
        cmocka_unit_test(test_ooxml),
        cmocka_unit_test(test_ooxml_damaged),
        cmocka_unit_test(test_odf),
        cmocka_unit_test(test_cfb),
        cmocka_unit_test(test_declared_types),
        cmocka_unit_test(test_prefix_plausible),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
