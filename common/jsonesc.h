/*
 * common/jsonesc.h -- one JSON string escaper for the hot paths (the
 * broker's answers and the audit writer's records).
 *
 * Runs in: the broker. Privilege: none; pure.
 *
 * jansson encodes strings one code point at a time through a callback;
 * for a 2.5 KB file that was most of the broker's time per request
 * (docs/PERFORMANCE.md). This does the same job in one pass.
 */
#ifndef AKSUP_JSONESC_H
#define AKSUP_JSONESC_H

#include <stddef.h>

/* Room json_escape() may need for n input bytes (quotes included). */
#define JSON_ESCAPE_MAX(n)	(6 * (n) + 2)

/*
 * Write s[0..n) as a quoted JSON string into out (JSON_ESCAPE_MAX(n)
 * bytes). Escapes \" \\ \b \f \n \r \t and other controls (NUL too) as
 * \u00XX; copies valid UTF-8 as is. Returns the bytes written, or 0 when
 * s is not valid UTF-8 (overlong forms, surrogates, > U+10FFFF).
 */
size_t json_escape(char *out, const char *s, size_t n);

/* Decode the UTF-8 character at s (n bytes available) into *cp. Returns
 * its length (1 to 4), or 0 when it is not valid UTF-8. */
size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp);

/* Code points that must not reach a terminal as they are (aksup log's
 * rows, the agent's output relayed to a terminal): C0 controls, DEL, C1
 * controls, and the bidirectional formatting characters. 1 or 0. */
int tty_unsafe_cp(unsigned cp);

#endif
