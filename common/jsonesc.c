/*
 * common/jsonesc.c -- the one-pass JSON string escaper (see jsonesc.h).
 * Runs in: the broker; utf8_decode and json_unsafe_cp also in aksup-log
 * and in the supervisor's stdio relay. Privilege: none; pure.
 */
#include <stdlib.h>
#include <string.h>

#include "common/jsonesc.h"

size_t
utf8_decode(const unsigned char *s, size_t n, unsigned *cp)
{
	size_t len, i;
	unsigned c, min;

	if (n == 0)
		return 0;
	if (s[0] < 0x80) {
		*cp = s[0];
		return 1;
	} else if ((s[0] & 0xe0) == 0xc0) {
		len = 2; c = s[0] & 0x1f; min = 0x80;
	} else if ((s[0] & 0xf0) == 0xe0) {
		len = 3; c = s[0] & 0x0f; min = 0x800;
	} else if ((s[0] & 0xf8) == 0xf0) {
		len = 4; c = s[0] & 0x07; min = 0x10000;
	} else
		return 0;
	if (len > n)
		return 0;
	for (i = 1; i < len; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		c = (c << 6) | (s[i] & 0x3f);
	}
	if (c < min || c > 0x10ffff || (c >= 0xd800 && c <= 0xdfff))
		return 0;
	*cp = c;
	return len;
}

int
json_unsafe_cp(unsigned c)
{
	/* Invisible format characters (Cf) count too: a soft hyphen or a
	 * zero-width space hides text from the one who reads it. */
	return c < 0x20 || c == 0x7f || (c >= 0x80 && c <= 0x9f) ||
	    c == 0x00ad || c == 0x061c || c == 0x180e ||
	    (c >= 0x200b && c <= 0x200f) || c == 0x2028 || c == 0x2029 ||
	    (c >= 0x202a && c <= 0x202e) || (c >= 0x2060 && c <= 0x2064) ||
	    (c >= 0x2066 && c <= 0x2069) || c == 0xfeff ||
	    (c >= 0xe0000 && c <= 0xe007f);
}

/* \uXXXX, or a surrogate pair beyond U+FFFF: at most 12 bytes, never
 * more than 3 per byte of the 4-byte UTF-8 form it replaces. */
static char *
put_u4(char *o, unsigned cp)
{
	static const char digits[] = "0123456789abcdef";

	if (cp > 0xffff) {
		cp -= 0x10000;
		o = put_u4(o, 0xd800 | (cp >> 10));
		return put_u4(o, 0xdc00 | (cp & 0x3ff));
	}
	*o++ = '\\';
	*o++ = 'u';
	*o++ = digits[cp >> 12 & 0xf];
	*o++ = digits[cp >> 8 & 0xf];
	*o++ = digits[cp >> 4 & 0xf];
	*o++ = digits[cp & 0xf];
	return o;
}

char *
json_escape_unsafe(const char *json)
{
	const unsigned char *s = (const unsigned char *)json;
	size_t n = strlen(json), k;
	unsigned cp;
	char *out, *o;

	if ((out = malloc(6 * n + 1)) == NULL)
		return NULL;
	for (o = out; *s != '\0'; s += k) {
		k = 1;
		if (*s == 0x7f || (*s >= 0x80 &&
		    (k = utf8_decode(s, strlen((const char *)s), &cp)) > 0 &&
		    json_unsafe_cp(cp))) {
			o = put_u4(o, *s == 0x7f ? 0x7f : cp);
			continue;
		}
		if (k == 0)
			k = 1;
		memcpy(o, s, k);
		o += k;
	}
	*o = '\0';
	return out;
}

size_t
json_escape(char *out, const char *str, size_t n)
{
	static const char digits[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	const unsigned char *end = s + n, *run;
	char *o = out;
	unsigned cp;
	size_t k;

	*o++ = '"';
	while (s < end) {
		/* copy a run of plain ASCII at once */
		for (run = s; s < end && *s >= 0x20 && *s < 0x7f &&
		    *s != '"' && *s != '\\'; s++)
			;
		memcpy(o, run, (size_t)(s - run));
		o += s - run;
		if (s == end)
			break;
		if (*s >= 0x80) {
			if ((k = utf8_decode(s, (size_t)(end - s), &cp)) == 0)
				return 0;
			if (json_unsafe_cp(cp)) {	/* C1, bidi, U+2028/9 */
				o = put_u4(o, cp);
				s += k;
				continue;
			}
			memcpy(o, s, k);
			o += k;
			s += k;
			continue;
		}
		*o++ = '\\';
		switch (*s) {
		case '"': *o++ = '"'; break;
		case '\\': *o++ = '\\'; break;
		case '\b': *o++ = 'b'; break;
		case '\f': *o++ = 'f'; break;
		case '\n': *o++ = 'n'; break;
		case '\r': *o++ = 'r'; break;
		case '\t': *o++ = 't'; break;
		default:
			memcpy(o, "u00", 3);
			o[3] = digits[*s >> 4];
			o[4] = digits[*s & 0xf];
			o += 5;
		}
		s++;
	}
	*o++ = '"';
	return (size_t)(o - out);
}


int
utf8_prefix(const char *s, size_t max)
{
	size_t n = strlen(s);

	if (n <= max)
		return (int)n;
	n = max;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;	/* s[n] continues a character: cut before its start */
	return (int)n;
}
