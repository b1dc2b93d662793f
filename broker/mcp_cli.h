/*
 * broker/mcp_cli.h -- the broker binary's operator modes for `aksup mcp`
 * (broker/mcp_cli.c): the policy's MCP servers, their tools in the pin
 * file and what awaits the operator's approval.
 *
 * Runs in: aksup-broker --mcp-servers / --mcp-tools / --mcp-pin,
 * confined as the policy tool (ROLE_POLICY_TOOL). Privilege: none.
 */
#ifndef AKSUP_BROKER_MCP_CLI_H
#define AKSUP_BROKER_MCP_CLI_H

#include "policy/policy.h"

/* getopt_long codes of the three modes (broker/main.c) */
#define MCP_CLI_SERVERS		0x2001
#define MCP_CLI_TOOLS		0x2002
#define MCP_CLI_PIN		0x2003

/* Before sandbox_enter: what the filter forbids later (jansson's hash
 * seed, OpenSSL's configuration and SHA-256 fetch for the tools'
 * digests). */
void mcp_cli_prepare(void);

/*
 * Run one mode on the loaded policy p (policy_name for messages), with
 * its arguments (argv[0..argc), what follows the options):
 *   MCP_CLI_SERVERS: none. Prints the servers' names, one a line, in
 *     file order.
 *   MCP_CLI_TOOLS PINS-NAME: the pin file on fd 0 (at most
 *     PINS_FILE_MAX bytes; empty: no pins). Prints each server of the
 *     policy with its tools' pin states, then the pinned tools of
 *     servers the policy does not declare.
 *   MCP_CLI_PIN PINS-NAME [SERVER[/TOOL]]: the pin file on fd 0. Prints,
 *     for each tool of the policy's servers awaiting approval (or the
 *     server's, or that tool), how its announced definition differs from
 *     its pin, and writes the "pin" line that approves it to
 *     BROKER_FD_SUP (one write a line; the supervisor appends them once
 *     the operator agrees). Nothing awaiting: says so.
 * Returns the exit status: 0, 1 error (the pin file too large, out of
 * memory, a write failed), 2 usage (bad arguments, a server the policy
 * does not declare).
 */
int mcp_cli(const struct policy *p, int mode, const char *policy_name,
    int argc, char **argv);

#endif
