/*
 * audit/rtype.c -- a record's "type" and a request record's "status" by
 * value (enum audit_rtype, enum audit_status) and by name, for the writer
 * and every reader of the log: the verifier, aksup log and the writer's
 * look at the log's tail. Its own file: the log line reader (and its fuzzer)
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

const char *
audit_rtype_name(enum audit_rtype t)
{
	return t > AUDIT_R_OTHER && (size_t)t < sizeof(rtype_names) /
	    sizeof(rtype_names[0]) ? rtype_names[t] : NULL;
}

static const char *const status_names[AUDIT_S_N] = {
	[AUDIT_S_ALLOWED] = "ALLOWED", [AUDIT_S_DENIED] = "DENIED",
	[AUDIT_S_INVALID] = "INVALID", [AUDIT_S_NO_PROVIDER] = "NO_PROVIDER",
	[AUDIT_S_OK] = "OK", [AUDIT_S_FAILED] = "FAILED",
};

int
audit_status_of(const char *s)
{
	int i;

	for (i = 0; s != NULL && i < AUDIT_S_N; i++)
		if (strcmp(s, status_names[i]) == 0)
			return i;
	return -1;
}

const char *
audit_status_name(enum audit_status st)
{
	return (unsigned)st < AUDIT_S_N ? status_names[st] : NULL;
}
