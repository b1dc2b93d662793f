#!/usr/bin/env node
// fault-server.mjs: a small MCP server for the mcp.call tests (issue 17),
// speaking the 2025 (legacy) era over stdio, with tools that misbehave on
// purpose. Node's standard library only (no npm imports), so it runs from
// any directory: node tests/mcp/fault-server.mjs [OPTION...]
//
// Protocol: newline-delimited JSON-RPC 2.0 on stdin/stdout, one line per
// message. `initialize` echoes the client's protocolVersion when it is one
// of SUPPORTED, else offers 2025-11-25; capabilities {tools: {}}. `ping`
// is answered {}; `server/discover` (and any other unknown method) gets
// -32601; notifications and answers nobody waits for are ignored. Ids may be
// numbers or strings: each answer carries the id as received.
//
// Tools (tools/list is paged, PAGE tools a page, with nextCursor):
//   echo {message}      text: the message
//   add {a, b}          text: the sum, and structuredContent {sum}
//   fail                isError: true, text "it failed on purpose"
//   hang                never answered
//   crash               exit(3) after reading the request, before answering
//   flood {bytes}       that many bytes to stderr in 64 KiB chunks
//                       (fs.writeSync(2, ...): it blocks while nobody
//                       drains stderr), then text "flooded N"
//   sleep {ms}          answered after ms: text "slept N"
//   env                 text: JSON of process.env
//   read {path}         text: the file's content; isError on failure
//   write {path, text}  writes the file: text "wrote N bytes"; isError on failure
//   net {host, port}    a TCP connect: text "connected" or "refused: CODE"
//   roots               sends roots/list to the client; text: JSON of the
//                       result it got, or {"error": ...}
//   sample              sends sampling/createMessage; text: the error code
//                       it got back ("-32601"), or "result: JSON" if answered
// Bad arguments get a tool result with isError (as SDK 1.x servers do); an
// unknown tool name gets the JSON-RPC error -32602.
//
// Options:
//   --desc-file PATH    echo's description is PATH's content, read at start
//                       (one trailing newline dropped): change the file
//                       between sessions for a "rug pull"
//   --extra-tool NAME   one more tool NAME, echo-like (may be repeated)
//   --garbage           before every answer, a line that is not JSON and a
//                       JSON line that is no JSON-RPC message
//   --stderr-chatty     a line on stderr for every message received
//   --slow-list MS      each tools/list page is answered MS ms late (a
//                       start that is slow page by page)
//
// Exits 0 on EOF on stdin, 2 on a bad option.
import fs from 'node:fs';
import net from 'node:net';

const SUPPORTED = ['2025-11-25', '2025-06-18', '2025-03-26', '2024-11-05'];
const LATEST = SUPPORTED[0];
const PAGE = 2;
const CHUNK = 64 * 1024;
const ASK_TIMEOUT_MS = 10000; // roots/sample: how long the client may take

// ---- options ----
let echoDesc = 'Echoes back the message.';
const extraTools = [];
let garbage = false;
let chatty = false;

const usage = (why) => {
    writeAll(2, `fault-server.mjs: ${why}\nusage: node fault-server.mjs [--desc-file PATH] [--extra-tool NAME]... [--garbage] [--stderr-chatty]\n`);
    process.exit(2);
};

// ---- output: whole writes to fd 1 or 2, blocking or not ----
// The fds may be non-blocking (a pipe or socket shared with stdin, which
// node puts in non-blocking mode), so EAGAIN is waited out here: every
// write is synchronous and whole, and answers never interleave.
const pause = new Int32Array(new SharedArrayBuffer(4));
function writeAll(fd, data) {
    const buf = typeof data === 'string' ? Buffer.from(data) : data;
    let off = 0;
    while (off < buf.length) {
        try {
            off += fs.writeSync(fd, buf, off, buf.length - off);
        } catch (e) {
            if (e.code === 'EAGAIN') {
                Atomics.wait(pause, 0, 0, 1); // 1 ms
                continue;
            }
            if (e.code === 'EPIPE' && fd === 1) process.exit(0); // the client is gone
            throw e;
        }
    }
}

let slowList = 0;
const argv = process.argv.slice(2);
while (argv.length) {
    const a = argv.shift();
    if (a === '--desc-file') {
        const p = argv.shift();
        if (p === undefined) usage('--desc-file needs a PATH');
        try {
            echoDesc = fs.readFileSync(p, 'utf8').replace(/\n$/, '');
        } catch (e) {
            usage(`--desc-file ${p}: ${e.message}`);
        }
    } else if (a === '--extra-tool') {
        const n = argv.shift();
        if (n === undefined || n === '') usage('--extra-tool needs a NAME');
        extraTools.push(n);
    } else if (a === '--garbage') garbage = true;
    else if (a === '--stderr-chatty') chatty = true;
    else if (a === '--slow-list') {
        slowList = Number(argv.shift());
        if (!Number.isInteger(slowList) || slowList < 0) usage('--slow-list needs MS');
    }
    else usage(`unknown option ${a}`);
}

function send(msg) {
    if (garbage && (msg.result !== undefined || msg.error !== undefined)) {
        writeAll(1, 'this is not JSON, fault-server --garbage\n');
        writeAll(1, '{"fault-server":"a JSON line that is no message","n":[1,2,3]}\n');
    }
    writeAll(1, `${JSON.stringify(msg)}\n`);
}
const answer = (id, result) => send({ jsonrpc: '2.0', id, result });
const fail = (id, code, message) => send({ jsonrpc: '2.0', id, error: { code, message } });
const text = (s, extra = {}) => ({ content: [{ type: 'text', text: s }], ...extra });
const toolError = (s) => ({ content: [{ type: 'text', text: s }], isError: true });

// ---- the tools ----
const obj = (properties, required = []) => ({ type: 'object', properties, required });
const STR = { type: 'string' };
const NUM = { type: 'number' };
const UINT = { type: 'integer', minimum: 0 };

const tools = [
    { name: 'echo', description: echoDesc, inputSchema: obj({ message: STR }, ['message']) },
    {
        name: 'add',
        description: 'Adds two numbers.',
        inputSchema: obj({ a: NUM, b: NUM }, ['a', 'b']),
        outputSchema: obj({ sum: NUM }, ['sum']),
    },
    { name: 'fail', description: 'Always fails (isError).', inputSchema: obj({}) },
    { name: 'hang', description: 'Never answers.', inputSchema: obj({}) },
    { name: 'crash', description: 'Exits 3 mid-call, without answering.', inputSchema: obj({}) },
    { name: 'flood', description: 'Writes bytes to stderr, then answers.', inputSchema: obj({ bytes: UINT }, ['bytes']) },
    { name: 'sleep', description: 'Answers after ms milliseconds.', inputSchema: obj({ ms: UINT }, ['ms']) },
    { name: 'env', description: 'Its environment, as JSON.', inputSchema: obj({}) },
    { name: 'read', description: 'Reads a file.', inputSchema: obj({ path: STR }, ['path']) },
    { name: 'write', description: 'Writes a file.', inputSchema: obj({ path: STR, text: STR }, ['path', 'text']) },
    {
        name: 'net',
        description: 'Tries a TCP connection.',
        inputSchema: obj({ host: STR, port: { type: 'integer', minimum: 1, maximum: 65535 } }, ['host', 'port']),
    },
    { name: 'roots', description: 'Asks the client for roots/list.', inputSchema: obj({}) },
    { name: 'sample', description: 'Asks the client for sampling/createMessage.', inputSchema: obj({}) },
    ...extraTools.map((name) => ({
        name,
        description: `Echoes back the message (extra tool ${name}).`,
        inputSchema: obj({ message: STR }, ['message']),
    })),
];
const byName = new Map(tools.map((t) => [t.name, t]));

// ---- server -> client requests ----
let askSeq = 0;
const asked = new Map(); // our request id -> resolve(answer message)
function ask(method, params) {
    const id = `fault-server-${++askSeq}`;
    return new Promise((resolve) => {
        const timer = setTimeout(() => {
            asked.delete(id);
            resolve({ error: { code: 'timeout', message: `no answer to ${method} within ${ASK_TIMEOUT_MS} ms` } });
        }, ASK_TIMEOUT_MS);
        asked.set(id, (msg) => {
            clearTimeout(timer);
            resolve(msg);
        });
        send({ jsonrpc: '2.0', id, method, params });
    });
}

const isStr = (v) => typeof v === 'string';
const isNum = (v) => typeof v === 'number' && Number.isFinite(v);
const isUint = (v) => Number.isInteger(v) && v >= 0;

// The result of a call, or undefined when it is never answered.
async function call(name, args) {
    switch (name) {
    case 'echo':
        return isStr(args.message) ? text(args.message) : toolError('invalid arguments: message must be a string');
    case 'add': {
        if (!isNum(args.a) || !isNum(args.b)) return toolError('invalid arguments: a and b must be numbers');
        const sum = args.a + args.b;
        return text(String(sum), { structuredContent: { sum } });
    }
    case 'fail':
        return toolError('it failed on purpose');
    case 'hang':
        return new Promise(() => {});
    case 'crash':
        process.exit(3);
        break;
    case 'flood': {
        if (!isUint(args.bytes)) return toolError('invalid arguments: bytes must be an integer >= 0');
        const chunk = Buffer.alloc(CHUNK, 'x');
        for (let left = args.bytes; left > 0; left -= CHUNK) writeAll(2, left >= CHUNK ? chunk : chunk.subarray(0, left));
        return text(`flooded ${args.bytes}`);
    }
    case 'sleep':
        if (!isUint(args.ms)) return toolError('invalid arguments: ms must be an integer >= 0');
        await new Promise((r) => setTimeout(r, args.ms));
        return text(`slept ${args.ms}`);
    case 'env':
        return text(JSON.stringify(process.env));
    case 'read':
        if (!isStr(args.path)) return toolError('invalid arguments: path must be a string');
        try {
            return text(fs.readFileSync(args.path, 'utf8'));
        } catch (e) {
            return toolError(e.message);
        }
    case 'write':
        if (!isStr(args.path) || !isStr(args.text)) return toolError('invalid arguments: path and text must be strings');
        try {
            fs.writeFileSync(args.path, args.text);
            return text(`wrote ${Buffer.byteLength(args.text)} bytes`);
        } catch (e) {
            return toolError(e.message);
        }
    case 'net':
        if (!isStr(args.host) || !Number.isInteger(args.port) || args.port < 1 || args.port > 65535)
            return toolError('invalid arguments: host must be a string, port an integer 1-65535');
        return new Promise((resolve) => {
            const s = net.connect({ host: args.host, port: args.port });
            const done = (r) => {
                s.destroy();
                resolve(text(r));
            };
            s.setTimeout(5000, () => done('refused: ETIMEDOUT'));
            s.once('connect', () => done('connected'));
            s.once('error', (e) => done(`refused: ${e.code ?? e.message}`));
        });
    case 'roots': {
        const r = await ask('roots/list', {});
        return text(JSON.stringify(r.result !== undefined ? r.result : { error: r.error }));
    }
    case 'sample': {
        const r = await ask('sampling/createMessage', {
            messages: [{ role: 'user', content: { type: 'text', text: 'Say hi.' } }],
            maxTokens: 16,
        });
        return text(r.error !== undefined ? String(r.error?.code) : `result: ${JSON.stringify(r.result)}`);
    }
    default: // an extra tool
        return isStr(args.message) ? text(args.message) : toolError('invalid arguments: message must be a string');
    }
}

async function request(msg) {
    const { id, method } = msg;
    const params = msg.params && typeof msg.params === 'object' ? msg.params : {};
    switch (method) {
    case 'initialize': {
        const v = SUPPORTED.includes(params.protocolVersion) ? params.protocolVersion : LATEST;
        answer(id, { protocolVersion: v, capabilities: { tools: {} }, serverInfo: { name: 'fault-server', version: '1' } });
        return;
    }
    case 'ping':
        answer(id, {});
        return;
    case 'tools/list': {
        let start = 0;
        if (params.cursor !== undefined) {
            const m = isStr(params.cursor) ? /^page-(\d+)$/.exec(params.cursor) : null;
            if (m === null || Number(m[1]) <= 0 || Number(m[1]) >= tools.length) {
                fail(id, -32602, `invalid cursor ${JSON.stringify(params.cursor)}`);
                return;
            }
            start = Number(m[1]);
        }
        const result = { tools: tools.slice(start, start + PAGE) };
        if (start + PAGE < tools.length) result.nextCursor = `page-${start + PAGE}`;
        if (slowList > 0) setTimeout(() => answer(id, result), slowList);
        else answer(id, result);
        return;
    }
    case 'tools/call': {
        if (!isStr(params.name) || !byName.has(params.name)) {
            fail(id, -32602, `Unknown tool: ${JSON.stringify(params.name)}`);
            return;
        }
        const args = params.arguments && typeof params.arguments === 'object' && !Array.isArray(params.arguments) ? params.arguments : {};
        const result = await call(params.name, args);
        if (result !== undefined) answer(id, result);
        return;
    }
    default: // server/discover, and everything else
        fail(id, -32601, `Method not found: ${method}`);
    }
}

function received(line) {
    if (chatty) writeAll(2, `fault-server: received ${line.length} bytes: ${line.slice(0, 200)}\n`);
    let msg;
    try {
        msg = JSON.parse(line);
    } catch {
        return; // not JSON: ignored
    }
    if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) return;
    const hasId = typeof msg.id === 'number' || typeof msg.id === 'string';
    if (isStr(msg.method)) {
        if (hasId) request(msg).catch((e) => fail(msg.id, -32603, `internal error: ${e.message}`));
        return; // a notification: ignored
    }
    if (hasId && asked.has(msg.id)) { // an answer to our roots/list or sampling request
        const resolve = asked.get(msg.id);
        asked.delete(msg.id);
        resolve(msg);
    }
}

// ---- input: lines on stdin; EOF ends the server ----
let pending = '';
process.stdin.setEncoding('utf8'); // a character split between reads stays whole
process.stdin.on('data', (chunk) => {
    pending += chunk;
    let nl;
    while ((nl = pending.indexOf('\n')) >= 0) {
        const line = pending.slice(0, nl).replace(/\r$/, '');
        pending = pending.slice(nl + 1);
        if (line.trim() !== '') received(line);
    }
});
process.stdin.on('end', () => process.exit(0));
process.stdin.on('error', () => process.exit(0));
