/*
 * workers/http/addr.c -- the classes of addresses the http worker
 * refuses to connect to unless the deciding rule names the host
 * (HTTP_F_PRIVATE_OK; docs/POLICY.md §4): loopback, private,
 * link-local, CGNAT, multicast, unspecified, broadcast. An IPv6
 * address that carries an IPv4 one (mapped, compatible, NAT64) is
 * judged by it, so ::ffff:127.0.0.1 is loopback. Pure.
 *
 * Runs in: aksup-worker-http (confined). Privilege: none needed.
 * Input: an address getaddrinfo gave for a name the agent chose (a
 * name anyone can point anywhere: this is the check that matters).
 */
#include <string.h>
#include <sys/socket.h>

#include "workers/http/http.h"

static enum addr_class
classify4(const unsigned char *a)
{
	if (a[0] == 127)
		return ADDR_LOOPBACK;
	if (a[0] == 10 || (a[0] == 172 && (a[1] & 0xf0) == 16) ||
	    (a[0] == 192 && a[1] == 168))
		return ADDR_PRIVATE;
	if (a[0] == 169 && a[1] == 254)
		return ADDR_LINKLOCAL;
	if (a[0] == 100 && (a[1] & 0xc0) == 64)
		return ADDR_CGNAT;
	if ((a[0] & 0xf0) == 224)
		return ADDR_MULTICAST;
	if (a[0] == 0)
		return ADDR_UNSPECIFIED;
	if (a[0] == 255 && a[1] == 255 && a[2] == 255 && a[3] == 255)
		return ADDR_BROADCAST;
	/* 198.18/15 (benchmarking, RFC 2544), 240/4 (reserved) */
	if ((a[0] == 198 && (a[1] & 0xfe) == 18) || (a[0] & 0xf0) == 240)
		return ADDR_RESERVED;
	return ADDR_PUBLIC;
}

static int
zeros(const unsigned char *a, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (a[i] != 0)
			return 0;
	return 1;
}

static enum addr_class
classify6(const unsigned char *a)
{
	static const unsigned char nat64[12] = { 0x00, 0x64, 0xff, 0x9b };
	static const unsigned char nat64l[6] = { 0x00, 0x64, 0xff, 0x9b,
	    0x00, 0x01 };

	if (zeros(a, 15))
		return a[15] == 1 ? ADDR_LOOPBACK : a[15] == 0 ?
		    ADDR_UNSPECIFIED : classify4(a + 12);
	/* ::ffff:a.b.c.d (mapped), ::a.b.c.d (compatible, above),
	 * 64:ff9b::a.b.c.d (NAT64: the gateway reaches the v4 address) */
	if ((zeros(a, 10) && a[10] == 0xff && a[11] == 0xff) ||
	    zeros(a, 12) || memcmp(a, nat64, sizeof(nat64)) == 0)
		return classify4(a + 12);
	/* 64:ff9b:1::/48 (local-use NAT64, RFC 8215): its v4 address is
	 * the last four bytes; 2002::/16 (6to4): bytes 2-5 */
	if (memcmp(a, nat64l, sizeof(nat64l)) == 0)
		return classify4(a + 12);
	if (a[0] == 0x20 && a[1] == 0x02)
		return classify4(a + 2);
	if (a[0] == 0xff)
		return ADDR_MULTICAST;
	if ((a[0] & 0xfe) == 0xfc)
		return ADDR_PRIVATE;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0x80)
		return ADDR_LINKLOCAL;
	if (a[0] == 0xfe && (a[1] & 0xc0) == 0xc0)
		return ADDR_PRIVATE;
	return ADDR_PUBLIC;
}

enum addr_class
addr_classify(int family, const unsigned char *a)
{
	if (family == AF_INET)
		return classify4(a);
	if (family == AF_INET6)
		return classify6(a);
	return ADDR_UNSPECIFIED;
}

const char *
addr_class_name(enum addr_class c)
{
	switch (c) {
	case ADDR_LOOPBACK:
		return "a loopback address";
	case ADDR_PRIVATE:
		return "a private address";
	case ADDR_LINKLOCAL:
		return "a link-local address";
	case ADDR_CGNAT:
		return "a shared (CGNAT) address";
	case ADDR_MULTICAST:
		return "a multicast address";
	case ADDR_UNSPECIFIED:
		return "an unspecified address";
	case ADDR_BROADCAST:
		return "the broadcast address";
	case ADDR_RESERVED:
		return "a reserved address";
	case ADDR_PUBLIC:
		break;
	}
	return "a public address";
}
