/*
 * common/exits.h -- the exit statuses one of our processes gives and
 * another reads: the broker's, which the supervisor turns into the
 * message the operator sees (supervisor/watch.c watch_report_broker).
 *
 * Runs in: the broker (exits with them) and aksup (reads them).
 * Privilege: n/a (constants).
 */
#ifndef AKSUP_COMMON_EXITS_H
#define AKSUP_COMMON_EXITS_H

#define BROKER_EXIT_OK		0
#define BROKER_EXIT_SETUP	1	/* fatal()/fatalx(): at start, or a trusted peer broke the protocol */
#define BROKER_EXIT_AGENT	2	/* the agent broke framing */
#define BROKER_EXIT_WORKER	3	/* a worker died or broke the protocol
					   (every request it held recorded) */
#define BROKER_EXIT_AUDIT	4	/* the audit log cannot be written */
#define BROKER_EXIT_BUDGET	5	/* the session's audit budget ran out */

#endif
