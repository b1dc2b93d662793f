#!/usr/bin/env node
// rpc.mjs: drive an MCP server over stdio with hand-written JSON-RPC lines.
//
//   node rpc.mjs [--timeout SEC] [--cut N] -- COMMAND [ARG...] < script
//
// Each non-empty line of the script that does not start with '#' is one
// JSON-RPC message, written to the server's stdin as one line (the stdio
// transport is newline-delimited JSON). A request (a line with an "id") is
// sent and its answer awaited before the next line is sent; a notification is
// sent at once. Every line the server writes to stdout is printed as
// "<- LINE"; what is sent is printed as "-> LINE"; the server's stderr is
// printed as "[stderr] LINE". A tools/list answer is followed by a
// "   tools: NAME..." summary line.
//
// A request from the server (roots/list, ping, ...) is answered: ping with
// {}, anything else with -32601, and both are printed.
//
// Exits 0 when every request got an answer, 1 on a timeout (--timeout, per
// request, default 10 s) or when the server exits or breaks stdout with a
// request unanswered or writes a line that is not JSON. Lines longer than
// --cut N characters are shortened on output (0, the default, keeps them).
// When the script is done, stdin is closed and the server is given 2 s to
// exit, then SIGTERM.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { readFileSync } from 'node:fs';

let timeoutSec = 10;
let cut = 0;
const argv = process.argv.slice(2);
while (argv.length && argv[0] !== '--') {
    const a = argv.shift();
    if (a === '--timeout') timeoutSec = Number(argv.shift());
    else if (a === '--cut') cut = Number(argv.shift());
    else {
        console.error(`rpc.mjs: unknown option ${a}`);
        process.exit(2);
    }
}
argv.shift();
if (argv.length === 0) {
    console.error('usage: node rpc.mjs [--timeout SEC] [--cut N] -- COMMAND [ARG...] < script');
    process.exit(2);
}

const show = (prefix, line) => {
    const s = cut > 0 && line.length > cut ? `${line.slice(0, cut)}... (${line.length} chars)` : line;
    process.stdout.write(`${prefix} ${s}\n`);
};

const script = readFileSync(0, 'utf8')
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '' && !l.startsWith('#'));

const child = spawn(argv[0], argv.slice(1), { stdio: ['pipe', 'pipe', 'pipe'] });
let exited = null;
let failed = false;
const waiting = new Map(); // id -> resolve
const methods = new Map(); // id -> method

child.on('error', (e) => {
    console.error(`rpc.mjs: cannot run ${argv[0]}: ${e.message}`);
    process.exit(1);
});
child.on('close', (code, signal) => {
    exited = signal ?? code;
    for (const [id, resolve] of waiting) {
        show('!!', `server exited (${exited}) before answering id ${JSON.stringify(id)}`);
        failed = true;
        resolve();
    }
    waiting.clear();
});
createInterface({ input: child.stderr }).on('line', (l) => show('[stderr]', l));
createInterface({ input: child.stdout }).on('line', (line) => {
    show('<-', line);
    let msg;
    try {
        msg = JSON.parse(line);
    } catch {
        show('!!', 'server wrote a line that is not JSON on stdout');
        failed = true;
        return;
    }
    if (msg.method !== undefined && msg.id !== undefined) {
        const reply = msg.method === 'ping' ? { jsonrpc: '2.0', id: msg.id, result: {} } : { jsonrpc: '2.0', id: msg.id, error: { code: -32601, message: 'Method not found (rpc.mjs)' } };
        send(reply);
        return;
    }
    if (msg.id !== undefined && waiting.has(msg.id)) {
        if (methods.get(msg.id) === 'tools/list' && Array.isArray(msg.result?.tools)) {
            process.stdout.write(`   tools: ${msg.result.tools.map((t) => t.name).join(' ')}\n`);
        }
        const resolve = waiting.get(msg.id);
        waiting.delete(msg.id);
        resolve();
    }
});

function send(obj) {
    const line = typeof obj === 'string' ? obj : JSON.stringify(obj);
    show('->', line);
    child.stdin.write(`${line}\n`);
}

for (const line of script) {
    if (exited !== null) break;
    let msg;
    try {
        msg = JSON.parse(line);
    } catch {
        console.error(`rpc.mjs: script line is not JSON: ${line}`);
        process.exit(2);
    }
    if (msg.id === undefined) {
        send(line);
        continue;
    }
    methods.set(msg.id, msg.method);
    const answered = new Promise((resolve) => waiting.set(msg.id, resolve));
    let timer;
    const timedOut = new Promise((resolve) => {
        timer = setTimeout(() => resolve('timeout'), timeoutSec * 1000);
    });
    send(line);
    if ((await Promise.race([answered, timedOut])) === 'timeout') {
        show('!!', `no answer to id ${JSON.stringify(msg.id)} (${msg.method}) within ${timeoutSec}s`);
        waiting.delete(msg.id);
        failed = true;
    }
    clearTimeout(timer);
}

child.stdin.end();
if (exited === null) {
    const killer = setTimeout(() => child.kill('SIGTERM'), 2000);
    await new Promise((resolve) => child.once('close', resolve));
    clearTimeout(killer);
}
process.exit(failed ? 1 : 0);
