/*
 * audit/rtype.c -- a record's "type" by value (enum audit_rtype), for
 * every reader of the log: the verifier, aksup log and the writer's look
 * at the log's tail. Its own file: the log line reader (and its fuzzer)
 * needs it without the writer's OpenSSL.
 *
 * Runs in: aksup-broker, aksup-log. Privilege: none; pure.
 */
#include <string.h>

#include "audit/audit.h"

static const char *const rtype_names[] = {
	[AUDIT_R_SESSION_START] = "session_start",
	[AUDIT_R_DECISION] = "decision", [AUDIT_R_OUTCOME] = "outcome",
	[AUDIT_R_SEAL] = "seal", [AUDIT_R_SESSION_END] = "session_end",
};

enum audit_rtype
audit_rtype_of(const char *type)
{
	size_t i;

	for (i = 1; type != NULL && i < sizeof(rtype_names) /
	    sizeof(rtype_names[0]); i++)
		if (strcmp(type, rtype_names[i]) == 0)
			return (enum audit_rtype)i;
	return AUDIT_R_OTHER;
}
