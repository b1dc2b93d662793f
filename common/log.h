/*
 * common/log.h -- the one logging API of every aksup process.
 *
 * Runs in: every process. Privilege: none. Each message is formatted into
 * a stack buffer and written to stderr with one write(2), so lines of
 * different processes never interleave; nothing here is called from a
 * signal handler (T9: signals are read from a signalfd).
 */
#ifndef AKSUP_LOG_H
#define AKSUP_LOG_H

#include <stdnoreturn.h>

void log_init(const char *role);	/* prefix of every line, e.g. "aksup-broker" */
void log_set_verbose(int v);
void log_debug(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* log_warn appends strerror(errno); log_warnx does not. */
void log_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void log_warnx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* fatal/fatalx: log, then exit(1). */
noreturn void fatal(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
noreturn void fatalx(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

#endif
