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
 * \u00XX, and the other json_unsafe_cp() code points as \uXXXX; copies
 * other valid UTF-8 as is. Returns the bytes written, or 0 when
 * s is not valid UTF-8 (overlong forms, surrogates, > U+10FFFF).
 */
size_t json_escape(char *out, const char *s, size_t n);

/* Code points that are escaped (\uXXXX) in records, in --json, in
 * the table view and in the agent's output relayed to a terminal: C0 controls, DEL, C1 controls (U+0080-U+009F), the
 * line and paragraph separators U+2028/U+2029, the bidi controls
 * (U+061C, U+200E/F, U+202A-U+202E, U+2066-U+2069) and the other
 * invisible format characters (U+00AD, U+180E, U+200B-U+200D,
 * U+2060-U+2064, U+FEFF, the tags U+E0000-U+E007F). */
int json_unsafe_cp(unsigned cp);

/* JSON text (UTF-8) with every unsafe code point escaped as \uXXXX,
 * malloc'd; they can only be inside strings, so the text stays the same
 * JSON value. NULL when out of memory. */
char *json_escape_unsafe(const char *json);

/* Decode the UTF-8 character at s (n bytes available) into *cp. Returns
 * its length (1 to 4), or 0 when it is not valid UTF-8. */
size_t utf8_decode(const unsigned char *s, size_t n, unsigned *cp);

/* Bytes of the NUL-terminated s to keep so that at most max bytes end on
 * a UTF-8 character boundary (a key quoted in a reason that goes into
 * JSON answers and records). */
int utf8_prefix(const char *s, size_t max);


#endif
