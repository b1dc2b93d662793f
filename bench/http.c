/*
 * bench/http.c -- aksup-bench's net.http benchmark: a small HTTP server
 * on 127.0.0.1 answering every GET with 1 KiB; the agent side, 500
 * lock-step net.http GETs of it through a session; and the reference,
 * the Python project's HttpProvider re-created in bench/http_ref.py
 * (urllib, a new connection per request), run against the same server.
 *
 * Runs in: aksup-bench. http_inner in the agent seat of a session
 * (confined; it speaks only the agent channel); the server and the
 * reference outside any session, with the operator's privilege. The
 * server binds 127.0.0.1 only, on a port the kernel picks; its sockets
 * are close-on-exec, so no session or reference inherits them. It reads
 * anyone's bytes on that port: every request is bounded (HTTP_REQ_MAX,
 * HTTP_CONNS connections at once), its only answer is the fixed 1 KiB.
 * Nothing here asserts: figures are printed.
 */
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench/bench.h"

#define HTTP_REQ_MAX	8192	/* a request's head, bytes */
#define HTTP_CONNS	64	/* connections served at once */
#define HTTP_IDLE_S	30	/* a kept-alive connection's idle limit */

/* ---- the server ------------------------------------------------------ */

static int srv_fd = -1;
static pthread_t srv_thread;
static pthread_mutex_t srv_mu = PTHREAD_MUTEX_INITIALIZER;
static int srv_conns;
static char body[HTTP_BODY];

/* 1 when the head asks for the connection to be closed: a Connection
 * header naming close, or HTTP/1.0 without keep-alive. */
static int
wants_close(const char *head)
{
	const char *line = strstr(head, "\n"), *eol;
	int v10 = strstr(head, " HTTP/1.0\r") != NULL, keep = 0;
	char val[128];
	size_t n;

	while (line != NULL && line[1] != '\0') {
		line++;
		eol = strchr(line, '\n');
		if (eol == NULL)
			break;
		if (strncasecmp(line, "connection:", 11) == 0) {
			n = (size_t)(eol - line - 11);
			if (n >= sizeof(val))
				n = sizeof(val) - 1;
			memcpy(val, line + 11, n);
			val[n] = '\0';
			if (strcasestr(val, "close") != NULL)
				return 1;
			keep |= strcasestr(val, "keep-alive") != NULL;
		}
		line = eol;
	}
	return v10 && !keep;
}

/* The head's end (past its blank line) in buf[0..len), or NULL. */
static char *
head_end(char *buf, size_t len)
{
	char *p;

	buf[len] = '\0';
	if ((p = strstr(buf, "\r\n\r\n")) != NULL)
		return p + 4;
	if ((p = strstr(buf, "\n\n")) != NULL)
		return p + 2;
	return NULL;
}

static int
answer(int fd, int close_after)
{
	char head[160];
	struct iovec iov[2];
	struct msghdr mh;
	ssize_t k, want;
	int n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 200 OK\r\nContent-Length: "
	    "%d\r\nContent-Type: text/plain\r\n%s\r\n", HTTP_BODY,
	    close_after ? "Connection: close\r\n" : "");
	iov[0].iov_base = head;
	iov[0].iov_len = (size_t)n;
	iov[1].iov_base = body;
	iov[1].iov_len = sizeof(body);
	want = n + (ssize_t)sizeof(body);
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 2;
	while (want > 0) {
		if ((k = sendmsg(fd, &mh, MSG_NOSIGNAL)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		want -= k;
		while (k > 0 && mh.msg_iovlen > 0) {	/* a partial send */
			if ((size_t)k >= mh.msg_iov->iov_len) {
				k -= (ssize_t)mh.msg_iov->iov_len;
				mh.msg_iov++;
				mh.msg_iovlen--;
			} else {
				mh.msg_iov->iov_base = (char *)mh.msg_iov->iov_base + k;
				mh.msg_iov->iov_len -= (size_t)k;
				k = 0;
			}
		}
	}
	return 0;
}

/* One connection: its requests one after another (pipelined ones too),
 * until the client closes, asks to, or sends a head too long. */
static void *
serve(void *arg)
{
	int fd = (int)(intptr_t)arg, done = 0;
	char buf[HTTP_REQ_MAX + 1], *end;
	size_t len = 0;
	ssize_t k;

	while (!done) {
		while ((end = head_end(buf, len)) == NULL) {
			if (len == HTTP_REQ_MAX)
				goto out;	/* bounded: no answer */
			k = recv(fd, buf + len, HTTP_REQ_MAX - len, 0);
			if (k < 0 && errno == EINTR)
				continue;
			if (k <= 0)
				goto out;
			len += (size_t)k;
		}
		/* a request with a body is not one of ours: answered, closed */
		end[-1] = '\0';
		done = wants_close(buf) || strcasestr(buf, "\ncontent-length:") ||
		    strcasestr(buf, "\ntransfer-encoding:");
		if (answer(fd, done) < 0)
			break;
		len -= (size_t)(end - buf);
		memmove(buf, end, len);
	}
out:
	close(fd);
	pthread_mutex_lock(&srv_mu);
	srv_conns--;
	pthread_mutex_unlock(&srv_mu);
	return NULL;
}

static void
start_conn(int fd)
{
	struct timeval tv = { .tv_sec = HTTP_IDLE_S };
	pthread_attr_t at;
	pthread_t t;
	int one = 1, ok;

	pthread_mutex_lock(&srv_mu);
	ok = srv_conns < HTTP_CONNS;
	srv_conns += ok;
	pthread_mutex_unlock(&srv_mu);
	if (!ok) {
		close(fd);
		return;
	}
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	pthread_attr_init(&at);
	pthread_attr_setdetachstate(&at, PTHREAD_CREATE_DETACHED);
	pthread_attr_setstacksize(&at, 64 * 1024);
	if (pthread_create(&t, &at, serve, (void *)(intptr_t)fd) != 0) {
		close(fd);
		pthread_mutex_lock(&srv_mu);
		srv_conns--;
		pthread_mutex_unlock(&srv_mu);
	}
	pthread_attr_destroy(&at);
}

/* Accepts until http_server_stop shuts the socket down. */
static void *
acceptor(void *arg)
{
	int fd;

	(void)arg;
	for (;;) {
		fd = accept4(srv_fd, NULL, NULL, SOCK_CLOEXEC);
		if (fd >= 0)
			start_conn(fd);
		else if (errno != EINTR && errno != ECONNABORTED &&
		    errno != EMFILE && errno != ENFILE && errno != ENOBUFS &&
		    errno != ENOMEM)
			break;
	}
	return NULL;
}

int
http_server_start(int *port, char *why, size_t len)
{
	struct sockaddr_in a;
	socklen_t al = sizeof(a);
	int one = 1, e;

	memset(body, 'x', sizeof(body));
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	srv_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (srv_fd < 0 ||
	    setsockopt(srv_fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) < 0 ||
	    bind(srv_fd, (struct sockaddr *)&a, sizeof(a)) < 0 ||
	    listen(srv_fd, 128) < 0 ||
	    getsockname(srv_fd, (struct sockaddr *)&a, &al) < 0)
		goto fail;
	if ((e = pthread_create(&srv_thread, NULL, acceptor, NULL)) != 0) {
		errno = e;
		goto fail;
	}
	*port = ntohs(a.sin_port);
	return 0;
fail:
	snprintf(why, len, "127.0.0.1: %s", strerror(errno));
	if (srv_fd >= 0)
		close(srv_fd);
	srv_fd = -1;
	return -1;
}

/* Stops accepting; connections still open end with the process. */
void
http_server_stop(void)
{
	if (srv_fd < 0)
		return;
	shutdown(srv_fd, SHUT_RDWR);
	pthread_join(srv_thread, NULL);
	close(srv_fd);
	srv_fd = -1;
}

/* ---- inner: net.http through the session ----------------------------- */

/* 1 when an answer is OK with "status_code":200 */
static int
ok_200(const char *buf)
{
	const char *p;

	if (strstr(buf, "\"status\":\"OK\"") == NULL ||
	    (p = strstr(buf, "\"status_code\":200")) == NULL)
		return 0;
	p += strlen("\"status_code\":200");
	return *p == ',' || *p == '}';
}

void
http_inner(struct result *r, const char *url)
{
	char *buf = malloc(MSGBUF), req[512];
	double lat[HTTP_N], t0, t;
	ssize_t n;
	int i;

	if (buf == NULL)
		exit(2);
	t0 = now_s();
	for (i = 0; i < HTTP_N; i++) {
		snprintf(req, sizeof(req), "{\"id\":%d,\"action\":\"net.http\","
		    "\"target\":\"%s\",\"params\":{}}", i, url);
		t = now_s();
		if (aksup_send(chan_fd, req, strlen(req)) < 0 ||
		    (n = aksup_recv(chan_fd, buf, MSGBUF)) <= 0) {
			r->errors += HTTP_N - i;
			lat[i] = now_s() - t;
			stats(r, lat, i + 1, now_s() - t0);
			free(buf);
			return;
		}
		lat[i] = now_s() - t;
		if (!ok_200(buf) && r->errors++ == 0)
			fprintf(stderr, "aksup-bench: http: unexpected answer: "
			    "%.300s\n", buf);
	}
	stats(r, lat, HTTP_N, now_s() - t0);
	free(buf);
}

/* ---- outer: the reference (bench/http_ref.py) ------------------------ */

/* In the reference's child: loopback never through a proxy of the
 * environment (the server is on this host). */
static void
no_proxy_loopback(void)
{
	char np[4096];
	const char *old = getenv("no_proxy");

	snprintf(np, sizeof(np), "127.0.0.1%s%s", old && *old ? "," : "",
	    old ? old : "");
	setenv("no_proxy", np, 1);
	setenv("NO_PROXY", np, 1);
}

void
http_ref(struct result *r, const char *url, char *why, size_t len)
{
	py_ref(r, "http-ref", "http_ref.py", url, HTTP_N, no_proxy_loopback,
	    why, len);
}
