/* What a file really is, from its bytes (magic numbers and container
 * structure), and whether that agrees with what the uploader said it is.
 *
 * Accepted: PDF, PNG, JPEG, GIF, WebP, Office Open XML (docx, xlsx, pptx:
 * a ZIP whose central directory holds [Content_Types].xml and the part
 * folder word/, xl/ or ppt/), OpenDocument (odt, ods, odp: a ZIP whose
 * first entry is an uncompressed "mimetype" holding the type), and legacy
 * Microsoft Office (doc, xls, ppt: a Compound File Binary whose first
 * directory sector names the WordDocument, Workbook or PowerPoint Document
 * stream; when it names none of them the file is still accepted as "an
 * Office 97-2003 document" matching any of the three declared types).
 *
 * The sniffer reads through a callback, so the same code looks at a file
 * on disk and at a buffer (tests, the fuzz target). It reads at most a few
 * small pieces: the head, the ZIP end record and a central directory of at
 * most AULA_SNIFF_MAX_ZIP_DIR bytes. No allocation beyond that directory,
 * no clock. Thread: any. */
#ifndef AULA_FILES_SNIFF_H
#define AULA_FILES_SNIFF_H

#include <stddef.h>
#include <stdint.h>

typedef enum aula_file_kind {
    AULA_FILE_UNKNOWN = 0,
    AULA_FILE_PDF,
    AULA_FILE_PNG,
    AULA_FILE_JPEG,
    AULA_FILE_GIF,
    AULA_FILE_WEBP,
    AULA_FILE_DOCX,
    AULA_FILE_XLSX,
    AULA_FILE_PPTX,
    AULA_FILE_ODT,
    AULA_FILE_ODS,
    AULA_FILE_ODP,
    AULA_FILE_DOC,
    AULA_FILE_XLS,
    AULA_FILE_PPT,
    AULA_FILE_CFB, /* an Office 97-2003 file whose application was not found */
    AULA_FILE_KIND_COUNT_
} aula_file_kind;

/* Central directories larger than this are not read (a ZIP of thousands of
 * entries is no slide deck); the file is then unknown. */
#define AULA_SNIFF_MAX_ZIP_DIR (1024 * 1024)

/* Reads up to len bytes at off into buf; *got < len only at the end of the
 * data. Returns 0 or a negative AULA_E* code. */
typedef int (*aula_sniff_read_fn)(void *ud, uint64_t off, void *buf, size_t len, size_t *got);

/* Identifies data of size bytes. Returns the kind (AULA_FILE_UNKNOWN for
 * anything not accepted, including truncated or inconsistent containers)
 * or a negative code from read. */
int aula_sniff(aula_sniff_read_fn read, void *ud, uint64_t size);

/* aula_sniff over a buffer. */
aula_file_kind aula_sniff_buffer(const void *data, size_t len);

/* The early check on a file's first bytes (at least 8 when the file has
 * them): 1 when they may begin an accepted file, 0 when they cannot. Lets
 * an upload be refused before the rest of it arrives. */
int aula_sniff_prefix_plausible(const void *data, size_t len);

/* The canonical MIME type ("application/pdf"), the usual file extension
 * without the dot ("pdf"), and a phrase for messages ("a PDF document").
 * For AULA_FILE_CFB the type is application/x-ole-storage, extension "". */
const char *aula_file_kind_mime(aula_file_kind k);
const char *aula_file_kind_ext(aula_file_kind k);
const char *aula_file_kind_label(aula_file_kind k);

/* What a declared MIME type (parameters and case ignored) or file name
 * extension says. AULA_FILE_UNKNOWN when the type or extension names no
 * accepted kind. aula_file_kind_from_mime gives -1 for a type that says
 * nothing (NULL, "", application/octet-stream); aula_file_kind_from_name
 * gives -1 for a name without an extension. */
int aula_file_kind_from_mime(const char *mime);
int aula_file_kind_from_name(const char *name);

/* 1 when the content's kind satisfies the declared kind: the same, or
 * content AULA_FILE_CFB against a declared doc, xls or ppt. */
int aula_file_kind_matches(aula_file_kind content, aula_file_kind declared);

#endif
