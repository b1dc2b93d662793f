/*
 * workers/http/curlenv.c -- libcurl made ready for a confined worker,
 * once, before its sandbox closes: everything that reads a file or
 * makes a non-TCP socket done while it still may (OpenSSL's
 * configuration, glibc's NSS modules, the resolver's options, curl's
 * IPv6 probe), then the files Landlock keeps readable registered (the
 * CA bundle and the resolver's). Shared by the http and llm workers,
 * which run under the same seccomp list (sc_worker_http) and Landlock
 * kind (LLK_CA_FILES).
 *
 * Runs in: aksup-worker-http, aksup-worker-llm, before sandbox_enter.
 * Privilege: the worker's own uid; reads only the files named here.
 */
#include <curl/curl.h>
#include <malloc.h>
#include <netdb.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#include "common/log.h"
#include "common/sandbox.h"
#include "common/util.h"
#include "workers/http/curlenv.h"

/* Never a socket: the warm-up's open-socket callback. */
static curl_socket_t
no_socket(void *p, curlsocktype purpose, struct curl_sockaddr *a)
{
	(void)p;
	(void)purpose;
	(void)a;
	return CURL_SOCKET_BAD;
}

/*
 * libcurl asks once per multi handle whether IPv6 works, by making a UDP
 * socket (which the filter will refuse: it would then look up IPv4
 * only). One transfer to "localhost" through the worker's multi handle
 * now, while it still may, that connects nowhere.
 */
static void
curl_warm(CURLM *multi)
{
	uint64_t end = now_ns() + 2000000000ull;
	int running = 1;
	CURL *e;

	if ((e = curl_easy_init()) == NULL)
		fatalx("curl_easy_init");
	/* IPv6 asked for: libcurl probes before it answers "localhost"
	 * itself (no resolver thread, nothing looked up) */
	(void)curl_easy_setopt(e, CURLOPT_URL, "http://localhost:1/");
	(void)curl_easy_setopt(e, CURLOPT_IPRESOLVE, (long)CURL_IPRESOLVE_V6);
	(void)curl_easy_setopt(e, CURLOPT_OPENSOCKETFUNCTION, no_socket);
	(void)curl_easy_setopt(e, CURLOPT_PROXY, "");
	(void)curl_easy_setopt(e, CURLOPT_CONNECT_ONLY, 1L);
	(void)curl_easy_setopt(e, CURLOPT_TIMEOUT_MS, 2000L);
	(void)curl_easy_setopt(e, CURLOPT_NOSIGNAL, 1L);
	if (curl_multi_add_handle(multi, e) != CURLM_OK)
		fatalx("curl_multi_add_handle");
	while (running > 0 && now_ns() < end &&
	    curl_multi_perform(multi, &running) == CURLM_OK)
		if (running > 0)
			(void)curl_multi_poll(multi, NULL, 0, 50, NULL);
	curl_multi_remove_handle(multi, e);
	curl_easy_cleanup(e);
}

/*
 * Everything that reads a file or makes a non-TCP socket, done while it
 * still may: OpenSSL's configuration (curl_global_init), glibc's NSS
 * modules and gai.conf (one lookup of "localhost", in /etc/hosts), the
 * resolver's options for its threads (RES_OPTIONS), curl's wakeup pair
 * and its IPv6 probe (the multi handle). Then only the files Landlock
 * keeps readable.
 */
CURLM *
curlenv_prepare(const char *ca_file)
{
	static const char *const ro[] = {
		"/etc/hosts", "/etc/resolv.conf", "/etc/nsswitch.conf",
		"/etc/host.conf", "/etc/gai.conf",
	};
	struct addrinfo hints, *res = NULL;
	CURLM *multi;
	size_t i;

	tzset();		/* /etc/localtime, once (curl's and OpenSSL's
				 * times are UTC; local time is only read) */
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		fatalx("curl_global_init");
	/* The resolver's options for every thread that looks a name up
	 * (glibc's resolver state is per thread; each reads this when it
	 * starts): DNS over TCP only (the filter admits no UDP socket);
	 * timeout and attempts bound its UDP path only, not TCP's. */
	if (setenv("RES_OPTIONS", "use-vc timeout:2 attempts:1", 1) < 0)
		fatal("setenv");
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo("localhost", NULL, &hints, &res) == 0)
		freeaddrinfo(res);
	/* every resolver thread alive holds a malloc arena of its own;
	 * past eight glibc asks sched_getaffinity how many CPUs there are:
	 * two arenas, asked nothing (a sanitizer's allocator has no arenas
	 * and refuses the option: nothing to bound then) */
	(void)mallopt(M_ARENA_MAX, 2);
	if ((multi = curl_multi_init()) == NULL)
		fatalx("curl_multi_init");
	curl_warm(multi);
	if (sandbox_ro_file(ca_file) < 0)
		fatalx("sandbox_ro_file");
	for (i = 0; i < sizeof(ro) / sizeof(ro[0]); i++)
		if (sandbox_ro_file(ro[i]) < 0)
			fatalx("sandbox_ro_file");
	return multi;
}
