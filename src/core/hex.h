/* Hexadecimal digits, for the parsers that read them (percent escapes,
 * chunk sizes, fingerprints, key files). Thread: any; pure. */
#ifndef AULA_CORE_HEX_H
#define AULA_CORE_HEX_H

/* The value of one hexadecimal digit of either case, or -1. */
static inline int aula_hex_digit(int c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

#endif
