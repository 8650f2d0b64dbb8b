import { transformFileSync } from '@swc/core';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';

/*
 * Whether Node's async hooks are on is the process's state, and jest runs every API test file in one process,
 * where other files' apps have run contexts already. So each case runs in a fresh Node process, with the
 * module compiled to CommonJS as the API's build has it, and reports what it saw as one JSON line.
 *
 * A promise gets own symbol-keyed fields (async id, trigger id, the stores) from Node's init hook only while
 * the hooks are on: `hooksOn()` below tells from a new promise.
 */
const run = promisify(execFile);
let dir: string;
let modulePath: string;

beforeAll(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'async-context-'));
  modulePath = path.join(dir, 'async-context-on-demand.js');
  const { code } = transformFileSync(path.join(__dirname, 'async-context-on-demand.ts'), {
    jsc: { parser: { syntax: 'typescript' }, target: 'es2022' },
    module: { type: 'commonjs' },
  });
  writeFileSync(modulePath, code);
});

afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Runs `body` (an async function's body) in a fresh process with the module installed; returns what it reports. */
async function inFreshProcess(body: string): Promise<Record<string, unknown>> {
  const script = `
    const { AsyncLocalStorage } = require('node:async_hooks');
    const http = require('node:http');
    const onDemand = require(${JSON.stringify(modulePath)});
    onDemand.asyncContextOnDemand();
    const hooksOn = () => Object.getOwnPropertySymbols(Promise.resolve()).length > 0;
    const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    const turns = async () => { await new Promise(setImmediate); await new Promise(setImmediate); };
    (async () => { ${body} })().then((report) => process.stdout.write(JSON.stringify(report)), (error) => {
      process.stderr.write(String(error && error.stack)); process.exit(1);
    });`;
  const { stdout } = await run(process.execPath, ['-e', script], { timeout: 10_000 });
  return JSON.parse(stdout) as Record<string, unknown>;
}

describe('asyncContextOnDemand (in a fresh Node process per case)', () => {
  it('turns the hooks off once the last context has settled, and on again for the next', async () => {
    const report = await inFreshProcess(`
      const storage = new AsyncLocalStorage();
      const before = hooksOn();
      const seen = await storage.run('first', async () => { await sleep(5); return { store: storage.getStore(), on: hooksOn() }; });
      await turns();
      const afterFirst = hooksOn();
      const again = await storage.run('second', async () => { await sleep(5); return storage.getStore(); });
      await turns();
      return { before, seen, afterFirst, again, afterSecond: hooksOn(), outside: storage.getStore() ?? null };
    `);
    expect(report).toEqual({
      before: false,
      seen: { store: 'first', on: true },
      afterFirst: false,
      again: 'second',
      afterSecond: false,
      outside: null,
    });
  });

  it("keeps a context's store across its awaits while other contexts end and the turn passes", async () => {
    const report = await inFreshProcess(`
      const storage = new AsyncLocalStorage();
      const other = new AsyncLocalStorage();
      const long = storage.run('long', async () => { await sleep(60); await null; return storage.getStore(); });
      await other.run('short', async () => { await sleep(5); });
      await turns();
      const meanwhile = hooksOn();
      const seen = await long;
      await turns();
      return { meanwhile, seen, after: hooksOn() };
    `);
    expect(report).toEqual({ meanwhile: true, seen: 'long', after: false });
  });

  it('hands a rejection to the caller and turns the hooks off after it', async () => {
    const report = await inFreshProcess(`
      const storage = new AsyncLocalStorage();
      const caught = await storage.run('failing', async () => { await sleep(5); throw new Error('refused'); }).catch((error) => error.message);
      await turns();
      return { caught, after: hooksOn() };
    `);
    expect(report).toEqual({ caught: 'refused', after: false });
  });

  it("keeps an HTTP request's context (a callback that returns at once) until its response closes", async () => {
    const report = await inFreshProcess(`
      const storage = new AsyncLocalStorage();
      const server = http.createServer((request, response) => {
        // As nestjs-pino's middleware: the context is entered with a callback that returns before the answer.
        storage.run(request.url, () => setTimeout(() => response.end(String(storage.getStore())), 30));
      });
      onDemand.holdAsyncContextDuringRequests(server, [storage]);
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const { port } = server.address();
      const get = (url) => new Promise((resolve, reject) => http.get({ port, host: '127.0.0.1', path: url, agent: false }, (response) => {
        let body = ''; response.on('data', (chunk) => (body += chunk)); response.on('end', () => resolve(body));
      }).on('error', reject));
      const bodies = await Promise.all([get('/one'), get('/two')]);
      await sleep(20);
      await turns();
      const after = hooksOn();
      server.close();
      return { bodies, after };
    `);
    expect(report).toEqual({ bodies: ['/one', '/two'], after: false });
  });

  it('takes no context but a request-scoped one to end with the requests, and none while no request is open', async () => {
    const script = (which: string): string => `
      const storage = new AsyncLocalStorage();
      const other = new AsyncLocalStorage();
      let release;
      const server = http.createServer((request, response) => { release = () => response.end('done'); });
      onDemand.holdAsyncContextDuringRequests(server, [storage]);
      await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
      const get = (path) => new Promise((resolve, reject) => http.get({ port: server.address().port, host: '127.0.0.1', path, agent: false }, (response) => {
        response.resume(); response.on('end', resolve);
      }).on('error', reject));
      ${which}
      await sleep(20);
      await turns();
      server.close();
      return { after: hooksOn() };`;
    // Another instance's context entered while a request is open: its end is not the request's.
    const otherDuringRequest = await inFreshProcess(
      script(`const answered = get('/open'); await sleep(20); other.run('job', () => {}); release(); await answered;`),
    );
    // The request-scoped instance's context entered after every request has closed.
    const scopedAfterRequests = await inFreshProcess(
      script(`const answered = get('/open'); await sleep(20); release(); await answered; await sleep(10); storage.run('late', () => {});`),
    );
    // The control: the request-scoped instance's context entered during the request.
    const scopedDuringRequest = await inFreshProcess(
      script(`const answered = get('/open'); await sleep(20); storage.run('request', () => {}); release(); await answered;`),
    );
    expect({ otherDuringRequest, scopedAfterRequests, scopedDuringRequest }).toEqual({
      otherDuringRequest: { after: true },
      scopedAfterRequests: { after: true },
      scopedDuringRequest: { after: false },
    });
  });

  it('keeps the hooks on for good after a context whose end it cannot know (outside requests, or enterWith)', async () => {
    const report = await inFreshProcess(`
      const storage = new AsyncLocalStorage();
      const later = new Promise((resolve) => storage.run('callback', () => setTimeout(() => resolve(storage.getStore()), 30)));
      await turns();
      const atOnce = { seen: await later, after: hooksOn() };
      return { atOnce };
    `);
    expect(report).toEqual({ atOnce: { seen: 'callback', after: true } });

    const thrown = await inFreshProcess(`
      const storage = new AsyncLocalStorage();
      const later = new Promise((resolve, reject) => {
        try { storage.run('throwing', () => { setTimeout(() => resolve(storage.getStore()), 30); throw new Error('at once'); }); }
        catch (error) { if (error.message !== 'at once') reject(error); }
      });
      return { seen: await later, after: (await turns(), hooksOn()) };
    `);
    expect(thrown).toEqual({ seen: 'throwing', after: true });

    const thenable = await inFreshProcess(`
      const storage = new AsyncLocalStorage();
      let called = 0;
      const result = storage.run('lazy', () => ({ then: () => { called += 1; } }));
      await turns();
      return { called, returned: typeof result.then, after: hooksOn() };
    `);
    expect(thenable).toEqual({ called: 0, returned: 'function', after: true });

    const entered = await inFreshProcess(`
      const storage = new AsyncLocalStorage();
      const other = new AsyncLocalStorage();
      await new Promise((resolve) => setTimeout(() => { storage.enterWith('entered'); resolve(); }, 5));
      await other.run('settled', async () => { await sleep(5); });
      await turns();
      return { after: hooksOn() };
    `);
    expect(entered).toEqual({ after: true });
  });

  it('installs once: a second call wraps nothing twice', async () => {
    const report = await inFreshProcess(`
      const run = AsyncLocalStorage.prototype.run;
      onDemand.asyncContextOnDemand();
      return { same: AsyncLocalStorage.prototype.run === run };
    `);
    expect(report).toEqual({ same: true });
  });
});
