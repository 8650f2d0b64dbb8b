/**
 * The widget's live events while the API cannot reach Redis. An open `sessionEvents` subscription outlives
 * a Redis outage on the server (ioredis subscribes again by itself), but one the widget starts during it —
 * after its socket reconnected (a network blip, an instance restarting) — is refused `SERVICE_UNAVAILABLE`
 * (`retryable: true`) on a socket that stays open. The widget then says it is reconnecting and subscribes
 * again with backoff from the last seq it has; once Redis is back, the operator's next message reaches it
 * without a reload. (Before, nothing subscribed again until the socket itself reconnected: maybe never.)
 *
 * The API runs on a Redis of this test's own, killed and started again; the machine's Redis is never
 * touched. A TCP proxy between the browser and the API cuts the visitor's socket for the blip.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import type { Browser, BrowserContext } from 'playwright-core';
import { freePort } from '../support/api-process';
import { launchBrowser, screenshotPath } from '../support/browser';
import { eventually, OperatorDriver } from './support/operator';
import { startTcpProxy, type TcpProxy } from '../support/tcp-proxy';
import { startWidgetApi, type WidgetApi } from './support/widget-api';
import { refusedOperations, waitForText, waitHidden, WidgetOnPage } from './support/widget-page';

/** A `redis-server` of this test's own on a free port, without persistence (it comes back empty, like a crash). */
interface PrivateRedis {
  url: string;
  /** SIGKILL; resolves once it has exited. */
  kill(): Promise<void>;
  /** Starts it again on the same port; resolves once it accepts connections. */
  start(): Promise<void>;
}

async function startPrivateRedis(): Promise<PrivateRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    let output = '';
    const current = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'], { stdio: ['ignore', 'pipe', 'pipe'] });
    child = current;
    current.stdout.on('data', (d: Buffer) => (output += d.toString()));
    current.stderr.on('data', (d: Buffer) => (output += d.toString()));
    await eventually(() => {
      if (current.exitCode !== null) throw new Error(`redis-server exited: ${output}`);
      return /Ready to accept connections/.test(output);
    }, 'the private Redis to start', 10_000);
  };
  const kill = async () => {
    const current = child;
    child = undefined;
    if (!current || current.exitCode !== null || current.signalCode !== null) return;
    await new Promise((resolve) => current.once('exit', resolve).kill('SIGKILL'));
  };
  process.once('exit', () => child?.kill('SIGKILL'));
  await start();
  return { url: `redis://127.0.0.1:${port}`, kill, start };
}

let redis: PrivateRedis;
let server: WidgetApi;
let browser: Browser;
let context: BrowserContext;
let operator: OperatorDriver;
let proxy: TcpProxy;

beforeAll(async () => {
  redis = await startPrivateRedis();
  server = await startWidgetApi({ REDIS_URL: redis.url });
  browser = await launchBrowser();
  operator = await OperatorDriver.start(server.api, 'Rita Ops');
  await operator.setPresence('ONLINE');
  proxy = await startTcpProxy(server.api.port);
});

afterAll(async () => {
  await proxy?.close();
  await context?.close();
  await operator?.dispose();
  await browser?.close();
  await server?.stop();
  await redis?.kill();
});

it('Redis stopped: the refused events subscription is retried with a notice; Redis back: the operator’s next message arrives without a reload', async () => {
  context = await browser.newContext({ viewport: { width: 420, height: 720 } });
  const page = await context.newPage();
  // The visitor's socket as the browser sees it: every sessionEvents subscription the API refuses SERVICE_UNAVAILABLE.
  const refusals = refusedOperations(page, 'sessionEvents(');
  await page.goto(`${proxy.url}/demo`);
  const w = new WidgetOnPage(page);
  await w.open();
  await w.prechat();
  await w.send('Is the shop open on Sunday?');
  const session = await operator.waitForWaiting('Is the shop open on Sunday?');
  await operator.accept(session.id);
  await operator.send(session.id, 'Let me check.');
  await w.waitForLines(['Is the shop open on Sunday?', 'Rita Ops joined the chat', 'Let me check.']);

  await redis.kill();
  // A blip on the visitor's side: the widget reconnects and subscribes again, which the API cannot serve.
  proxy.cut();
  await waitForText(w.notice, 'Connection lost. Reconnecting…');
  proxy.restore();
  await eventually(() => refusals.length > 0, 'the API to refuse the widget’s sessionEvents subscription', 20_000);
  const firstRefusals = new Set(refusals).size;
  // The socket is up again, and still the visitor is told that news is not coming in for now.
  await waitForText(w.notice, 'Connection lost. Reconnecting…');
  expect(await w.notice.getAttribute('role')).toBe('status');
  await page.screenshot({ path: screenshotPath('widget-redis-outage.png') });
  // And the widget keeps trying (about 1 s, then 2 s …): another subscription, refused too, on the same socket.
  await eventually(() => new Set(refusals).size > firstRefusals, 'a second attempt', 20_000);

  await redis.start();
  // The operator's own requests may need a moment for the API to find Redis again.
  await eventually(async () => (await operator.send(session.id, 'Yes, 10:00 to 16:00.')).seq > 0, 'the operator to send with Redis back', 20_000);
  await w.line('Yes, 10:00 to 16:00.').waitFor({ timeout: 45_000 }); // the next attempt: at most 30 s after the last
  await waitHidden(w.notice);
  await w.waitForLines(['Is the shop open on Sunday?', 'Rita Ops joined the chat', 'Let me check.', 'Yes, 10:00 to 16:00.']);

  // Live again, and the visitor's own messages still go through.
  await w.send('Great, thanks!');
  await waitForText(w.status('Great, thanks!'), 'Sent');
  await operator.send(session.id, 'You are welcome.');
  await w.waitForLines(['Is the shop open on Sunday?', 'Rita Ops joined the chat', 'Let me check.', 'Yes, 10:00 to 16:00.', 'Great, thanks!', 'You are welcome.']);
}, 150_000);
