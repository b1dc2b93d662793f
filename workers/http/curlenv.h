/*
 * workers/http/curlenv.h -- libcurl made ready for a confined worker
 * (workers/http/curlenv.c): the http and llm workers.
 *
 * Runs in: aksup-worker-http, aksup-worker-llm, before sandbox_enter.
 * Privilege: the worker's own.
 */
#ifndef AKSUP_WORKERS_HTTP_CURLENV_H
#define AKSUP_WORKERS_HTTP_CURLENV_H

#include <curl/curl.h>

/* The system's CA bundle (Debian's ca-certificates). */
#define CURLENV_SYSTEM_CA	"/etc/ssl/certs/ca-certificates.crt"

/* Initialize libcurl and the resolver, make the worker's multi handle
 * (its IPv6 probe done), register ca_file and the resolver's files with
 * Landlock (sandbox_ro_file). Fatal on failure. */
CURLM *curlenv_prepare(const char *ca_file);

#endif
