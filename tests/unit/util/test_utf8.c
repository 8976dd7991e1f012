/* test_utf8.c - strict UTF-8 checking: mc_utf8_check finds the first bad
 * byte wherever it falls relative to its eight-byte ASCII steps, and
 * accepts every well-formed sequence that straddles a step. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "util/utf8.h"

/* Each bad sequence at every offset of a 40-byte ASCII text: the check
 * stops exactly there. */
static void test_bad_byte_every_offset(void **state)
{
    (void)state;
    static const char *const bad[] = {
        "\x80", "\xC0\xAF", "\xC1\xBF", "\xE0\x80\xAF", "\xED\xA0\x80", "\xF5\x80\x80\x80",
        "\xF4\x90\x80\x80", "\xFF", "\xC3", "\xE2\x82",
    };
    for (size_t b = 0; b < sizeof bad / sizeof *bad; b++) {
        size_t bl = strlen(bad[b]);
        for (size_t at = 0; at + bl <= 40; at++) {
            char text[41];
            memset(text, 'a', 40);
            text[40] = '\0';
            memcpy(text + at, bad[b], bl);
            /* a truncated sequence is bad only where nothing good follows:
             * 'a' is no continuation byte, so it is bad here too */
            assert_int_equal(mc_utf8_check(text, 40), at);
        }
    }
}

/* Well-formed sequences of every length across every step boundary. */
static void test_good_sequences_every_offset(void **state)
{
    (void)state;
    static const char *const good[] = {"\xC3\xA9", "\xE2\x82\xAC", "\xF0\x9F\x98\x80",
                                       "\xEF\xBF\xBF", "\xF4\x8F\xBF\xBF"};
    for (size_t g = 0; g < sizeof good / sizeof *good; g++) {
        size_t gl = strlen(good[g]);
        for (size_t at = 0; at + gl <= 40; at++) {
            char text[40];
            memset(text, 'z', sizeof text);
            memcpy(text + at, good[g], gl);
            assert_int_equal(mc_utf8_check(text, sizeof text), sizeof text);
            /* cut inside the sequence: bad at its lead byte */
            if (gl > 1)
                assert_int_equal(mc_utf8_check(text, at + gl - 1), at);
        }
    }
    assert_int_equal(mc_utf8_check("", 0), 0);
    assert_int_equal(mc_utf8_check("plain ascii, longer than a word", 31), 31);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_bad_byte_every_offset),
        cmocka_unit_test(test_good_sequences_every_offset),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
