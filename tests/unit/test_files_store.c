/* Unit tests of file storage: blobs on disk by hash (src/files/blob.c) and
 * the file records of the store (src/store/store_files.c, SQLite). Real
 * files in a temporary folder. */
#include "files/blob.h"
#include "store/store.h"
#include "store/store_files.h"

#include "core/alloc.h"
#include "core/error.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

static char dir[64];
static char files_dir[128];

static int setup(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/aula-test-files-XXXXXX");
    assert_non_null(mkdtemp(dir));
    snprintf(files_dir, sizeof files_dir, "%s/files", dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    char cmd[128];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", dir);
    return system(cmd) == 0 ? 0 : -1;
}

static void put(const char *data, char hex[65], int *created)
{
    aula_blob_writer *w = NULL;
    assert_int_equal(aula_blob_begin(files_dir, &w), 0);
    /* In two pieces, as an upload arrives. */
    size_t half = strlen(data) / 2;
    assert_int_equal(aula_blob_write(w, data, half), 0);
    assert_int_equal(aula_blob_write(w, data + half, strlen(data) - half), 0);
    assert_int_equal(aula_blob_size(w), strlen(data));
    assert_int_equal(aula_blob_commit(w, hex, created), 0);
}

static void test_blob_by_hash(void **state)
{
    (void)state;
    assert_int_equal(aula_blob_dir_init(files_dir), 0);
    char hex[65];
    int created = -1;
    put("abc", hex, &created);
    /* FIPS 180-2 test vector: SHA-256("abc"). */
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assert_int_equal(created, 1);
    char path[256];
    snprintf(path, sizeof path, "%s/ba/%s", files_dir, hex + 2);
    struct stat st;
    assert_int_equal(stat(path, &st), 0);
    assert_int_equal(st.st_size, 3);

    /* The same content again: stored once. */
    char hex2[65];
    put("abc", hex2, &created);
    assert_string_equal(hex2, hex);
    assert_int_equal(created, 0);
    assert_int_equal(aula_blob_tmp_count(files_dir), 0);

    int fd = -1;
    uint64_t size = 0;
    assert_int_equal(aula_blob_open(files_dir, hex, &fd, &size), 0);
    assert_int_equal(size, 3);
    char buf[4] = {0};
    assert_int_equal(read(fd, buf, sizeof buf), 3);
    assert_string_equal(buf, "abc");
    close(fd);

    assert_int_equal(aula_blob_remove(files_dir, hex), 0);
    assert_int_equal(aula_blob_open(files_dir, hex, &fd, &size), AULA_ENOENT);
    assert_int_equal(aula_blob_remove(files_dir, hex), 0); /* gone already: fine */
    /* Names that are not hashes never reach the file system. */
    assert_int_equal(aula_blob_open(files_dir, "../../etc/passwd", &fd, &size), AULA_EINVAL);
    assert_int_equal(aula_blob_hash_valid(hex), 1);
    assert_int_equal(aula_blob_hash_valid("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF6"
                                          "1F20015AD"),
                     0);
}

static void test_blob_abort_and_leftovers(void **state)
{
    (void)state;
    assert_int_equal(aula_blob_dir_init(files_dir), 0);
    aula_blob_writer *w = NULL;
    assert_int_equal(aula_blob_begin(files_dir, &w), 0);
    assert_int_equal(aula_blob_write(w, "%PDF-1.4 partial", 16), 0);
    /* Read back while still open: what the sniffer sees. */
    char buf[8];
    size_t got = 0;
    assert_int_equal(aula_blob_read_at(w, 1, buf, sizeof buf, &got), 0);
    assert_int_equal(got, 8);
    assert_memory_equal(buf, "PDF-1.4 ", 8);
    assert_int_equal(aula_blob_read_at(w, 10, buf, sizeof buf, &got), 0);
    assert_int_equal(got, 6);
    assert_int_equal(aula_blob_tmp_count(files_dir), 1);
    aula_blob_abort(w);
    assert_int_equal(aula_blob_tmp_count(files_dir), 0);

    /* A crash mid-upload leaves a temporary file; the next start drops it. */
    assert_int_equal(aula_blob_begin(files_dir, &w), 0);
    assert_int_equal(aula_blob_write(w, "xyz", 3), 0);
    assert_int_equal(aula_blob_tmp_count(files_dir), 1);
    assert_int_equal(aula_blob_dir_init(files_dir), 0);
    assert_int_equal(aula_blob_tmp_count(files_dir), 0);
    aula_blob_abort(w); /* its file is gone already */
}

static aula_store *open_store(void)
{
    char path[256];
    snprintf(path, sizeof path, "%s/aula.db", dir);
    aula_store *s = NULL;
    assert_int_equal(aula_store_sqlite_open(path, &s), 0);
    return s;
}

static void add(aula_store *s, const char *id, const char *room, const char *sha, int64_t t,
                int want)
{
    aula_file_rec r = {
        .id = (char *)id,
        .room_id = (char *)room,
        .name = (char *)"Lesson 1.pdf",
        .type = (char *)"application/pdf",
        .sha256 = (char *)sha,
        .uploader_id = (char *)"0123456789abcdef",
        .uploader_name = (char *)"Ms Nowak",
        .size = 1234,
        .created_ms = t,
    };
    assert_int_equal(aula_store_file_add(s, &r), want);
}

static void test_file_records(void **state)
{
    (void)state;
    static const char sha_a[] = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    static const char sha_b[] = "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb";
    aula_store *s = open_store();
    aula_room_rec room = {.id = (char *)"room-one", .title = (char *)"Maths", .created_ms = 1};
    assert_int_equal(aula_store_room_create(s, &room), 0);
    room.id = (char *)"room-two";
    assert_int_equal(aula_store_room_create(s, &room), 0);

    add(s, "f1", "room-one", sha_a, 10, 0);
    add(s, "f2", "room-one", sha_b, 20, 0);
    add(s, "f3", "room-two", sha_a, 30, 0); /* same content, other room */
    add(s, "f1", "room-one", sha_a, 40, AULA_EEXIST);
    add(s, "f9", "no-such-room", sha_a, 40, AULA_ENOENT);

    aula_file_rec *list = NULL;
    size_t n = 0;
    assert_int_equal(aula_store_files_list(s, "room-one", &list, &n), 0);
    assert_int_equal(n, 2);
    assert_string_equal(list[0].id, "f1");
    assert_string_equal(list[1].id, "f2");
    assert_string_equal(list[0].name, "Lesson 1.pdf");
    assert_string_equal(list[0].uploader_name, "Ms Nowak");
    assert_int_equal(list[0].size, 1234);
    aula_file_recs_free(list, n);
    assert_int_equal(aula_store_files_list(s, "nowhere", &list, &n), 0);
    assert_int_equal(n, 0);
    assert_null(list);

    aula_file_rec r;
    assert_int_equal(aula_store_file_get(s, "room-two", "f3", &r), 0);
    assert_string_equal(r.sha256, sha_a);
    aula_file_rec_deinit(&r);
    /* A file is only found through its own room. */
    assert_int_equal(aula_store_file_get(s, "room-two", "f1", &r), AULA_ENOENT);

    /* Deleting f1 leaves sha_a used by f3; deleting f3 frees it. */
    char sha[65];
    int unused = -1;
    assert_int_equal(aula_store_file_delete(s, "room-two", "f1", sha, &unused), AULA_ENOENT);
    assert_int_equal(aula_store_file_delete(s, "room-one", "f1", sha, &unused), 0);
    assert_string_equal(sha, sha_a);
    assert_int_equal(unused, 0);
    aula_store_close(s);

    /* After a restart the rows are there. */
    s = open_store();
    assert_int_equal(aula_store_files_list(s, "room-one", &list, &n), 0);
    assert_int_equal(n, 1);
    assert_string_equal(list[0].id, "f2");
    aula_file_recs_free(list, n);
    assert_int_equal(aula_store_file_delete(s, "room-two", "f3", sha, &unused), 0);
    assert_int_equal(unused, 1);
    aula_store_close(s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_blob_by_hash, setup, teardown),
        cmocka_unit_test_setup_teardown(test_blob_abort_and_leftovers, setup, teardown),
        cmocka_unit_test_setup_teardown(test_file_records, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
