/* File contents on disk, named by their SHA-256: <dir>/ab/cdef... where
 * "abcdef..." is the 64-hex-character hash. One blob per content, however
 * many uploads carry it.
 *
 * An upload is written to a fresh temporary file in <dir>/tmp while it is
 * hashed, then made durable: fsync of the file, rename to its hash name,
 * fsync of the folders that changed. Only after that may a caller record
 * it and acknowledge it; a crash before leaves at most a temporary file,
 * removed by aula_blob_dir_init() at the next start.
 *
 * Blocking file I/O on the caller's thread (the control loop): each call
 * writes at most one piece of an upload (64 KiB) or syncs once per upload.
 * Thread: any one at a time per writer. */
#ifndef AULA_FILES_BLOB_H
#define AULA_FILES_BLOB_H

#include <stddef.h>
#include <stdint.h>

#define AULA_SHA256_HEX_LEN 64

typedef struct aula_blob_writer aula_blob_writer;

/* Creates <dir> and <dir>/tmp if needed and removes temporary files left
 * by an earlier run. Returns 0 or a negative AULA_E* code (logged). */
int aula_blob_dir_init(const char *dir);

/* Starts an upload: a new temporary file in <dir>/tmp. Returns 0 and
 * *out, or a negative code (logged). */
int aula_blob_begin(const char *dir, aula_blob_writer **out);

/* Appends len bytes (written and hashed). Returns 0 or a negative code. */
int aula_blob_write(aula_blob_writer *w, const void *data, size_t len);

/* Bytes written so far. */
uint64_t aula_blob_size(const aula_blob_writer *w);

/* Reads back what was written (for content sniffing): up to len bytes at
 * off, *got fewer only at the end. Matches aula_sniff_read_fn. */
int aula_blob_read_at(void *w, uint64_t off, void *buf, size_t len, size_t *got);

/* Makes the upload durable under its hash (see above) and frees w. hex
 * receives the hash (65 bytes with NUL); *created is 1 when this content
 * was new, 0 when the same blob existed (the temporary file is then
 * dropped). Returns 0, or a negative code with the temporary file removed. */
int aula_blob_commit(aula_blob_writer *w, char hex[AULA_SHA256_HEX_LEN + 1], int *created);

/* Drops an upload: removes the temporary file and frees w. NULL: no-op. */
void aula_blob_abort(aula_blob_writer *w);

/* 1 when hex is 64 lowercase hexadecimal characters. */
int aula_blob_hash_valid(const char *hex);

/* Opens a blob for reading (O_RDONLY|O_CLOEXEC). Returns the descriptor
 * and its size, AULA_ENOENT, or another negative code. */
int aula_blob_open(const char *dir, const char *hex, int *fd, uint64_t *size);

/* Removes a blob and syncs its folder. A missing blob is not an error. */
int aula_blob_remove(const char *dir, const char *hex);

/* Number of entries in <dir>/tmp (tests check that nothing is left). */
int aula_blob_tmp_count(const char *dir);

#endif
