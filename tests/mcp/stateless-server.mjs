#!/usr/bin/env node
// stateless-server.mjs: a small MCP server for aksup's mcp.call tests, written on
// @modelcontextprotocol/server 2.x and opted into the 2026-07-28 ("modern",
// stateless) protocol era over stdio (newline-delimited JSON-RPC).
//
// The SDK does the era work (see README.md): serveStdio() reads the opening
// message, answers `server/discover`, validates the `_meta` envelope that every
// 2026-07-28 request carries (io.modelcontextprotocol/protocolVersion,
// /clientInfo, /clientCapabilities), and with `legacy: 'reject'` refuses the
// 2025-era `initialize` handshake with -32022 UnsupportedProtocolVersion.
//
// Tools: echo {message}, add {a, b}, ask {question?} (its first round always
// returns the MRTR shape `resultType: "input_required"`, which a client that
// does not do multi-round-trip must refuse), whoami {} (reports the protocol
// version, client info and client capabilities this request's `_meta` carried).
//
// Flags:
//   --legacy-serve   also serve 2025-era clients (initialize handshake) from
//                    the same tool set, instead of refusing them.
//   --faults         add three misbehaving tools: crash (the process exits 3
//                    without answering), hang (never answers; a
//                    notifications/cancelled ends it) and stdout-garbage
//                    (writes a line that is not JSON on stdout, then answers).
// Diagnostics go to stderr only; stdout carries nothing but JSON-RPC.
import { McpServer, fromJsonSchema, inputRequired } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';

const args = process.argv.slice(2);
for (const a of args) {
    if (a !== '--legacy-serve' && a !== '--faults') {
        process.stderr.write(`stateless-server: unknown argument ${a}\nusage: stateless-server.mjs [--legacy-serve] [--faults]\n`);
        process.exit(2);
    }
}
const legacy = args.includes('--legacy-serve') ? 'serve' : 'reject';
const faults = args.includes('--faults');
const noArgs = () => fromJsonSchema({ type: 'object', properties: {}, additionalProperties: false });

const text = (t) => ({ content: [{ type: 'text', text: t }] });

function makeServer({ era } = {}) {
    const server = new McpServer(
        { name: 'aksup-stateless-test-server', version: '1.0.0' },
        {
            capabilities: { tools: {} },
            instructions: 'Test peer for aksup: echo, add, ask (input_required), whoami.'
        }
    );

    server.registerTool(
        'echo',
        {
            description: 'Echoes back the message',
            inputSchema: fromJsonSchema({
                type: 'object',
                properties: { message: { type: 'string', description: 'Message to echo' } },
                required: ['message'],
                additionalProperties: false
            })
        },
        async ({ message }) => text(`Echo: ${message}`)
    );

    server.registerTool(
        'add',
        {
            description: 'Adds two numbers',
            inputSchema: fromJsonSchema({
                type: 'object',
                properties: { a: { type: 'number' }, b: { type: 'number' } },
                required: ['a', 'b'],
                additionalProperties: false
            }),
            outputSchema: fromJsonSchema({
                type: 'object',
                properties: { sum: { type: 'number' } },
                required: ['sum']
            })
        },
        async ({ a, b }) => ({ ...text(String(a + b)), structuredContent: { sum: a + b } })
    );

    server.registerTool(
        'ask',
        {
            description:
                'Asks the user a question. The first round always answers resultType "input_required" (multi-round-trip): ' +
                'with an embedded elicitation/create request when the client declared the elicitation capability, ' +
                'otherwise with requestState only. A retry that echoes requestState (and, if asked, an accepted answer) completes.',
            inputSchema: fromJsonSchema({
                type: 'object',
                properties: { question: { type: 'string' } },
                additionalProperties: false
            })
        },
        async ({ question }, ctx) => {
            const state = ctx.mcpReq.requestState();
            const answer = ctx.mcpReq.inputResponses?.answer;
            if (state === 'ask-round-1' && (answer === undefined || answer?.action === 'accept')) {
                return text(`Answer: ${JSON.stringify(answer?.content ?? null)}`);
            }
            const caps = ctx.mcpReq.envelope?.['io.modelcontextprotocol/clientCapabilities'] ?? {};
            if (caps.elicitation) {
                return inputRequired({
                    inputRequests: {
                        answer: inputRequired.elicit({
                            message: question ?? 'Proceed?',
                            requestedSchema: {
                                type: 'object',
                                properties: { reply: { type: 'string' } },
                                required: ['reply']
                            }
                        })
                    },
                    requestState: 'ask-round-1'
                });
            }
            return inputRequired({ requestState: 'ask-round-1' });
        }
    );

    server.registerTool(
        'whoami',
        {
            description: "Reports what this request's _meta envelope carried (protocol version, client info, client capabilities) and the era",
            inputSchema: noArgs()
        },
        async (_args, ctx) => {
            const info = { era: era ?? 'unknown', envelope: ctx.mcpReq.envelope ?? null, meta: ctx.mcpReq._meta ?? null };
            return { ...text(JSON.stringify(info)), structuredContent: info };
        }
    );

    if (faults) {
        server.registerTool('crash', { description: 'Exits the server process with status 3 without answering', inputSchema: noArgs() }, async () => {
            process.stderr.write('stateless-server: crash tool called, exiting 3\n');
            process.exit(3);
        });
        server.registerTool('hang', { description: 'Never answers (until cancelled)', inputSchema: noArgs() }, async (_args, ctx) => {
            await new Promise((_resolve, reject) => {
                ctx.mcpReq.signal.addEventListener('abort', () => reject(new Error('cancelled')));
            });
        });
        server.registerTool(
            'stdout-garbage',
            { description: 'Writes a line that is not JSON-RPC on stdout, then answers', inputSchema: noArgs() },
            async () => {
                process.stdout.write('this is not JSON\n');
                return text('wrote garbage');
            }
        );
    }

    return server;
}

serveStdio(makeServer, {
    legacy,
    onerror: (e) => process.stderr.write(`stateless-server: ${e?.message ?? e}\n`)
});
