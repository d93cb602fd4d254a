/* E-mail composition: addresses, encodings, exact messages, injection. */
#include "event/mime.h"

#include "core/error.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

/* 2026-11-28 10:20:34 UTC, a Saturday. */
#define DATE_MS 1795861234000LL

static void validates_addresses(void **state)
{
    (void)state;
    assert_true(aula_mail_addr_valid("jan@example.org"));
    assert_true(aula_mail_addr_valid("jan.kowalski+aula@mail.example.org"));
    assert_true(aula_mail_addr_valid("aula@localhost"));
    assert_false(aula_mail_addr_valid("jan"));
    assert_false(aula_mail_addr_valid("@example.org"));
    assert_false(aula_mail_addr_valid("jan@"));
    assert_false(aula_mail_addr_valid("jan@example"));
    assert_false(aula_mail_addr_valid(".jan@example.org"));
    assert_false(aula_mail_addr_valid("ja..n@example.org"));
    assert_false(aula_mail_addr_valid("jan@exa_mple.org"));
    assert_false(aula_mail_addr_valid("jan@example..org"));
    assert_false(aula_mail_addr_valid("jan doe@example.org"));
    assert_false(aula_mail_addr_valid("jan@example.org\r\nRCPT TO:<x@y.org>"));
    assert_false(aula_mail_addr_valid("jan@example.org>"));
    assert_false(aula_mail_addr_valid("\"jan\"@example.org"));
}

static void parses_named_addresses(void **state)
{
    (void)state;
    char name[AULA_MAIL_NAME_MAX], addr[AULA_MAIL_ADDR_MAX + 1];
    assert_int_equal(
        aula_mail_addr_parse("aula <aula@localhost>", name, sizeof name, addr, sizeof addr), 0);
    assert_string_equal(name, "aula");
    assert_string_equal(addr, "aula@localhost");
    assert_int_equal(aula_mail_addr_parse("\"Nowak, Ania \\\"A\\\"\" <ania@example.org>", name,
                                          sizeof name, addr, sizeof addr),
                     0);
    assert_string_equal(name, "Nowak, Ania \"A\"");
    assert_int_equal(aula_mail_addr_parse("jan@example.org", name, sizeof name, addr, sizeof addr),
                     0);
    assert_string_equal(name, "");
    assert_string_equal(addr, "jan@example.org");
    assert_int_equal(
        aula_mail_addr_parse("Zażółć <z@example.org>", name, sizeof name, addr, sizeof addr), 0);
    assert_string_equal(name, "Zażółć");
    assert_int_equal(
        aula_mail_addr_parse("x <jan@example.org", name, sizeof name, addr, sizeof addr),
        AULA_EINVAL);
    assert_int_equal(aula_mail_addr_parse("x\r\nBcc: a@b.org <jan@example.org>", name, sizeof name,
                                          addr, sizeof addr),
                     AULA_EINVAL);
}

static void checks_text(void **state)
{
    (void)state;
    assert_int_equal(aula_mail_text_check("Zażółć gęślą jaźń 🎉", 0), 0);
    assert_int_equal(aula_mail_text_check("a\nb", 0), AULA_EINVAL);
    assert_int_equal(aula_mail_text_check("a\r\nb\tc", 1), 0);
    assert_int_equal(aula_mail_text_check("a\x01", 1), AULA_EINVAL);
    assert_int_equal(aula_mail_text_check("\xC0\xAF", 0), AULA_EUTF8);     /* overlong */
    assert_int_equal(aula_mail_text_check("\xED\xA0\x80", 0), AULA_EUTF8); /* surrogate */
    assert_int_equal(aula_mail_text_check("\xC2\x85", 0), AULA_EINVAL);    /* C1 NEL */
}

static void base64_vectors(void **state)
{
    (void)state;
    /* RFC 4648 section 10. */
    const char *in[] = {"", "f", "fo", "foo", "foob", "fooba", "foobar"};
    const char *want[] = {
        "", "Zg==\r\n", "Zm8=\r\n", "Zm9v\r\n", "Zm9vYg==\r\n", "Zm9vYmE=\r\n", "Zm9vYmFy\r\n"};
    for (size_t i = 0; i < 7; i++) {
        aula_buf b;
        aula_buf_init(&b);
        aula_mail_base64(&b, in[i], strlen(in[i]));
        assert_string_equal(b.len ? b.data : "", want[i]);
        aula_buf_deinit(&b);
    }
    /* 57 bytes make exactly one 76-character line. */
    char x[58];
    memset(x, 'x', sizeof x);
    aula_buf b;
    aula_buf_init(&b);
    aula_mail_base64(&b, x, 58);
    assert_int_equal(b.len, 76 + 2 + 4 + 2);
    assert_memory_equal(b.data + 76, "\r\neA==\r\n", 8);
    aula_buf_deinit(&b);
}

static void quoted_printable(void **state)
{
    (void)state;
    aula_buf b;
    aula_buf_init(&b);
    aula_mail_qp(&b, "Zażółć = 1 \n.hidden\r\nend\t");
    assert_string_equal(b.data, "Za=C5=BC=C3=B3=C5=82=C4=87 =3D 1=20\r\n=2Ehidden\r\nend=09\r\n");
    aula_buf_reset(&b);
    /* 100 letters: 75 on the first line, a soft break, the rest. */
    char line[101];
    memset(line, 'a', 100);
    line[100] = '\0';
    aula_mail_qp(&b, line);
    assert_int_equal(b.len, 75 + 3 + 25 + 2);
    assert_memory_equal(b.data + 75, "=\r\n", 3);
    aula_buf_reset(&b);
    /* An escape is never split by a soft break. */
    memset(line, 'a', 74);
    strcpy(line + 74, "ż");
    aula_mail_qp(&b, line);
    assert_memory_equal(b.data + 74, "=\r\n=C5=BC\r\n", 11);
    aula_buf_deinit(&b);
}

static size_t b64_decode(const char *in, size_t len, char *out)
{
    static const char tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    unsigned v = 0;
    int bits = 0;
    size_t n = 0;
    for (size_t i = 0; i < len && in[i] != '='; i++) {
        v = (v << 6) | (unsigned)(strchr(tab, in[i]) - tab);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out[n++] = (char)((v >> bits) & 0xFF);
        }
    }
    return n;
}

static void encodes_subjects(void **state)
{
    (void)state;
    aula_buf b;
    aula_buf_init(&b);
    aula_mail_header_text(&b, "Plain subject", 9);
    assert_string_equal(b.data, "Plain subject");
    aula_buf_reset(&b);
    aula_mail_header_text(&b, "Zaproszenie: ułamki", 9);
    assert_string_equal(b.data, "=?UTF-8?B?WmFwcm9zemVuaWU6IHXFgmFta2k=?=");
    aula_buf_reset(&b);
    /* Long: several words, each at most 75 characters, lines at most 78,
     * no word ending inside a UTF-8 sequence (each decodes on its own). */
    char s[400] = "";
    for (int i = 0; i < 30; i++)
        strcat(s, "żółw ");
    aula_mail_header_text(&b, s, 9);
    size_t col = 9;
    for (size_t i = 0; i < b.len; i++) {
        if (b.data[i] == '\r') {
            assert_true(col <= 78);
            col = 0;
            continue;
        }
        col++;
    }
    assert_true(col <= 78);
    int words = 0;
    char joined[400] = "";
    for (char *p = b.data; (p = strstr(p, "=?UTF-8?B?")) != NULL; p += 10) {
        char *end = strstr(p, "?=");
        assert_non_null(end);
        assert_true(end + 2 - p <= 75);
        char piece[100];
        size_t n = b64_decode(p + 10, (size_t)(end - p - 10), piece);
        piece[n] = '\0';
        assert_int_equal(aula_mail_text_check(piece, 0), 0); /* whole characters only */
        strcat(joined, piece);
        words++;
    }
    assert_string_equal(joined, s);
    assert_true(words >= 3);
    aula_buf_reset(&b);
    /* ASCII that looks like an encoded-word is encoded itself. */
    aula_mail_header_text(&b, "=?x?=", 9);
    assert_string_equal(b.data, "=?UTF-8?B?PT94Pz0=?=");
    aula_buf_deinit(&b);
}

static void composes_a_plain_message_exactly(void **state)
{
    (void)state;
    aula_mail_msg m = {
        .from = "aula <aula@meet.example.org>",
        .to = "Jan Kowalski <jan@example.org>",
        .subject = "Your link",
        .text = "Hello,\njoin here: https://meet.example.org/r/kfp-mqzx-tbw\n",
        .date_ms = DATE_MS,
        .unique = "t1",
    };
    aula_buf b;
    aula_buf_init(&b);
    char why[128];
    assert_int_equal(aula_mail_compose(&m, &b, why, sizeof why), 0);
    assert_string_equal(b.data, "From: \"aula\" <aula@meet.example.org>\r\n"
                                "To: \"Jan Kowalski\" <jan@example.org>\r\n"
                                "Subject: Your link\r\n"
                                "Date: Sat, 28 Nov 2026 10:20:34 +0000\r\n"
                                "Message-ID: <t1.aula@meet.example.org>\r\n"
                                "MIME-Version: 1.0\r\n"
                                "Auto-Submitted: auto-generated\r\n"
                                "Content-Type: text/plain; charset=UTF-8\r\n"
                                "Content-Transfer-Encoding: quoted-printable\r\n"
                                "\r\n"
                                "Hello,\r\n"
                                "join here: https://meet.example.org/r/kfp-mqzx-tbw\r\n");
    aula_buf_deinit(&b);
}

static void composes_html_and_an_attachment(void **state)
{
    (void)state;
    const char ics[] = "BEGIN:VCALENDAR\r\nEND:VCALENDAR\r\n";
    aula_mail_attachment att = {"text/calendar; charset=UTF-8; method=REQUEST", "invite.ics", ics,
                                sizeof ics - 1};
    aula_mail_msg m = {
        .from = "aula@localhost",
        .to = "Łucja <lucja@example.org>",
        .subject = "Zaproszenie",
        .text = "Cześć",
        .html = "<p>Cześć</p>",
        .attachments = &att,
        .n_attachments = 1,
        .date_ms = DATE_MS,
        .unique = "u2",
    };
    aula_buf b;
    aula_buf_init(&b);
    char why[128];
    assert_int_equal(aula_mail_compose(&m, &b, why, sizeof why), 0);
    const char *want_tail =
        "From: aula@localhost\r\n"
        "To: =?UTF-8?B?xYF1Y2ph?= <lucja@example.org>\r\n"
        "Subject: Zaproszenie\r\n"
        "Date: Sat, 28 Nov 2026 10:20:34 +0000\r\n"
        "Message-ID: <u2.aula@localhost>\r\n"
        "MIME-Version: 1.0\r\n"
        "Auto-Submitted: auto-generated\r\n"
        "Content-Type: multipart/mixed;\r\n"
        " boundary=\"=_aula_u2_mix\"\r\n"
        "\r\n"
        "--=_aula_u2_mix\r\n"
        "Content-Type: multipart/alternative;\r\n"
        " boundary=\"=_aula_u2_alt\"\r\n"
        "\r\n"
        "--=_aula_u2_alt\r\n"
        "Content-Type: text/plain; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "Cze=C5=9B=C4=87\r\n"
        "--=_aula_u2_alt\r\n"
        "Content-Type: text/html; charset=UTF-8\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n"
        "\r\n"
        "<p>Cze=C5=9B=C4=87</p>\r\n"
        "--=_aula_u2_alt--\r\n"
        "--=_aula_u2_mix\r\n"
        "Content-Type: text/calendar; charset=UTF-8; method=REQUEST; name=\"invite.ics\"\r\n"
        "Content-Disposition: attachment; filename=\"invite.ics\"\r\n"
        "Content-Transfer-Encoding: base64\r\n"
        "\r\n"
        "QkVHSU46VkNBTEVOREFSDQpFTkQ6VkNBTEVOREFSDQo=\r\n"
        "--=_aula_u2_mix--\r\n";
    assert_string_equal(b.data, want_tail);
    aula_buf_deinit(&b);
}

static void refuses_header_injection(void **state)
{
    (void)state;
    aula_mail_msg ok = {
        .from = "aula@localhost",
        .to = "jan@example.org",
        .subject = "Hi",
        .text = "x",
        .date_ms = DATE_MS,
        .unique = "u3",
    };
    aula_buf b;
    aula_buf_init(&b);
    char why[128];
    aula_mail_msg m = ok;
    m.subject = "Hi\r\nBcc: everyone@example.org";
    assert_int_equal(aula_mail_compose(&m, &b, why, sizeof why), AULA_EINVAL);
    assert_string_equal(why, "the subject must be non-empty UTF-8 text on one line");
    m = ok;
    m.subject = "Hi\nBcc: everyone@example.org";
    assert_int_equal(aula_mail_compose(&m, &b, why, sizeof why), AULA_EINVAL);
    m = ok;
    m.to = "jan@example.org\r\nBcc: everyone@example.org";
    assert_int_equal(aula_mail_compose(&m, &b, why, sizeof why), AULA_EINVAL);
    assert_string_equal(why, "the recipient is not a valid address");
    m = ok;
    m.to = "Jan\n <jan@example.org>";
    assert_int_equal(aula_mail_compose(&m, &b, why, sizeof why), AULA_EINVAL);
    m = ok;
    m.from = "not an address";
    assert_int_equal(aula_mail_compose(&m, &b, why, sizeof why), AULA_EINVAL);
    m = ok;
    aula_mail_attachment att = {"text/plain\r\nX: y", "a.txt", "x", 1};
    m.attachments = &att;
    m.n_attachments = 1;
    assert_int_equal(aula_mail_compose(&m, &b, why, sizeof why), AULA_EINVAL);
    aula_mail_attachment att2 = {"text/plain", "../a\".txt", "x", 1};
    m.attachments = &att2;
    assert_int_equal(aula_mail_compose(&m, &b, why, sizeof why), AULA_EINVAL);
    assert_int_equal(b.len, 0);
    aula_buf_deinit(&b);
}

static void random_unique_differs(void **state)
{
    (void)state;
    aula_mail_msg m = {
        .from = "aula@localhost",
        .to = "jan@example.org",
        .subject = "Hi",
        .text = "x",
        .date_ms = DATE_MS,
    };
    aula_buf a, b;
    aula_buf_init(&a);
    aula_buf_init(&b);
    char why[128];
    assert_int_equal(aula_mail_compose(&m, &a, why, sizeof why), 0);
    assert_int_equal(aula_mail_compose(&m, &b, why, sizeof why), 0);
    assert_string_not_equal(strstr(a.data, "Message-ID:"), strstr(b.data, "Message-ID:"));
    aula_buf_deinit(&a);
    aula_buf_deinit(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(validates_addresses),
        cmocka_unit_test(parses_named_addresses),
        cmocka_unit_test(checks_text),
        cmocka_unit_test(base64_vectors),
        cmocka_unit_test(quoted_printable),
        cmocka_unit_test(encodes_subjects),
        cmocka_unit_test(composes_a_plain_message_exactly),
        cmocka_unit_test(composes_html_and_an_attachment),
        cmocka_unit_test(refuses_header_injection),
        cmocka_unit_test(random_unique_differs),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
