// tests/mcp/linger-server.mjs -- an MCP server (2025 era, node's stdlib
// only) that does not go when it is told to: at EOF on its stdin it
// writes "linger: stdin closed" to stderr and stays; at SIGTERM it
// writes "linger: SIGTERM" and stays. Only SIGKILL ends it. The test of
// the mcp worker's stop at the session's end (tests/integration/mcp.sh
// stop): stdin closed, then SIGTERM, then SIGKILL, each seen in order.
// One tool: echo {message}.
import process from 'node:process';

const tools = [{
    name: 'echo', description: 'Echoes the message.',
    inputSchema: { type: 'object', properties: { message: { type: 'string' } },
        required: ['message'] },
}];

function send(msg) { process.stdout.write(JSON.stringify(msg) + '\n'); }

function handle(m) {
    if (m.id === undefined) return;
    if (m.method === 'initialize')
        send({ jsonrpc: '2.0', id: m.id, result: { protocolVersion: '2025-11-25',
            capabilities: { tools: {} }, serverInfo: { name: 'linger', version: '1' } } });
    else if (m.method === 'tools/list')
        send({ jsonrpc: '2.0', id: m.id, result: { tools } });
    else if (m.method === 'tools/call')
        send({ jsonrpc: '2.0', id: m.id, result: { content: [{ type: 'text',
            text: String((m.params.arguments || {}).message) }] } });
    else
        send({ jsonrpc: '2.0', id: m.id, error: { code: -32601, message: 'no such method' } });
}

let buf = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (c) => {
    buf += c;
    let i;
    while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try { handle(JSON.parse(line)); } catch (e) { /* not a message */ }
    }
});
process.stdin.on('end', () => process.stderr.write('linger: stdin closed\n'));
process.on('SIGTERM', () => process.stderr.write('linger: SIGTERM\n'));
setInterval(() => {}, 1000);	// stays
