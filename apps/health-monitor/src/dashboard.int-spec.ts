import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { HealthReportDto } from '@airis/contracts';
import { type RunningService, startService } from '@airis/service';
import { type TestContext, createTestContext, pollUntil } from '@airis/testing';
import { type Browser, chromium } from 'playwright-core';
import { healthMonitorService } from './service';
import { Heartbeat, alert, delivery, sendReport } from './testing/heartbeats';

/*
 * The dashboard in headless Chromium against the running app on the real broker: it shows a
 * silent component as down and an open alert, and follows a status change live (server-sent
 * events) without a reload. Screenshots (light and dark) go to test-output/.
 */
const OUT = join(__dirname, '../../../test-output');

describe('health dashboard in a browser', () => {
  let ctx: TestContext;
  let service: RunningService;
  let browser: Browser;
  const beats: Heartbeat[] = [];
  const firing = alert({
    name: 'ModelLatencyHigh',
    description: 'fraud-detector p95 latency 812 ms > 500 ms for 5m',
    source: 'tensorflow-serving',
  });

  beforeAll(async () => {
    ctx = createTestContext('health-dashboard');
    // Creation is idempotent; the shared broker sometimes answers a metadata request before
    // the new partitions are hosted, so it is retried until it goes through.
    await ctx.createTopics();
    service = await startService(
      healthMonitorService(
        ctx.serviceEnv({
          HEALTH_MISSED_INTERVALS: '3',
          HEALTH_EVALUATE_INTERVAL_MS: '200',
          HEALTH_STREAM_THROTTLE_MS: '150',
          HEALTH_LAG_POLL_INTERVAL_MS: '2000',
        }),
      ),
    );
    for (const name of ['ingest-gateway', 'event-router', 'notifier', 'connector-mlops']) {
      beats.push(new Heartbeat(ctx, name, 300).start());
    }
    // An hour of check results, so the sparklines have something to draw.
    const now = Date.now();
    const checks: HealthReportDto[] = [];
    for (let m = 59; m >= 0; m--) {
      const t = now - m * 60_000;
      checks.push(
        {
          component: 'mlflow-prod',
          kind: 'integration',
          status: m % 17 === 3 ? 'down' : 'healthy',
          latency_ms: Math.round(80 + 40 * Math.sin(m / 6) + (m % 11 === 0 ? 160 : 0)),
          items: 12,
          interval_ms: 60_000,
          ...(m === 0 ? { message: '12 experiments, 3 registered models' } : {}),
          timestamp: t,
        },
        {
          component: 'openai',
          kind: 'integration',
          status: m < 5 ? 'degraded' : 'healthy',
          latency_ms: Math.round(420 + 90 * Math.cos(m / 5) + (m < 5 ? 900 : 0)),
          interval_ms: 60_000,
          ...(m < 5 ? { message: 'rate limited: 429 on 4 of 20 requests' } : {}),
          timestamp: t,
        },
      );
    }
    // One produce call, in time order (per key, the order of a real checker).
    await ctx.produce(
      'health',
      checks.map((r) => ({ key: r.component, value: JSON.stringify(r) })),
    );
    await sendReport(ctx, {
      component: 'github',
      kind: 'integration',
      status: 'healthy',
      latency_ms: 210,
      items: 4,
      interval_ms: 60_000,
      message: 'webhooks verified, 4 workflow runs',
      timestamp: Date.now(),
    });
    await ctx.produce('alerts', [{ key: firing.fingerprint, value: JSON.stringify(firing) }]);
    const attempts = [
      delivery({ channel: 'slack', target: '#ml-oncall' }),
      delivery({ channel: 'pagerduty', target: 'service P1X2Y3', latency_ms: 340, http_status: 202 }),
      delivery({
        channel: 'webhook',
        target: 'https://hooks.example.com/airis',
        outcome: 'retry_scheduled',
        http_status: 503,
        error: 'HTTP 503',
      }),
      delivery({ channel: 'email', target: 'oncall@example.com', latency_ms: 80 }),
    ];
    await ctx.produce(
      'deliveries',
      attempts.map((d) => ({ key: d.notification_id, value: JSON.stringify(d) })),
    );
    browser = await chromium.launch({
      executablePath: '/usr/bin/chromium',
      args: ['--headless', '--no-sandbox', '--disable-gpu'],
    });
  });

  afterAll(async () => {
    for (const hb of beats) hb.stop();
    await browser?.close();
    await service?.close();
    await ctx.cleanup();
  });

  it('shows the down component and the open alert, and follows a recovery live', async () => {
    const mlops = beats.find((b) => b.component === 'connector-mlops')!;
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'light' });
    const pageErrors: string[] = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    await page.goto(`${service.url}/dashboard`);
    await page.waitForSelector('[data-component="notifier"][data-status="healthy"]');
    await page.waitForSelector('[data-component="mlflow-prod"] canvas');

    mlops.stop();
    const card = page.locator('[data-component="connector-mlops"]');
    await page.waitForSelector('[data-component="connector-mlops"][data-status="down"]', { timeout: 15_000 });
    expect(await card.locator('.pill').textContent()).toBe('down');
    expect(await card.locator('.message').textContent()).toMatch(/no heartbeat for/);
    await page.waitForSelector('#overall[data-status="degraded"]');

    const openAlert = page.locator(`.alert[data-fingerprint="${firing.fingerprint}"]`);
    await openAlert.waitFor();
    expect(await openAlert.locator('.title').textContent()).toBe('ModelLatencyHigh');
    expect(await page.locator('#alert-count').textContent()).toBe('1');
    await page.waitForSelector('#deliveries tr[data-delivery]');
    expect(await page.locator('#deliveries tr').count()).toBe(4);

    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'dashboard.png'), fullPage: true });

    // The page follows the change without a reload: a marker set on this document survives.
    await page.evaluate(() => {
      (globalThis as unknown as { marker: string }).marker = 'same document';
    });
    mlops.start();
    await page.waitForSelector('[data-component="connector-mlops"][data-status="healthy"]', { timeout: 15_000 });
    expect(await page.evaluate(() => (globalThis as unknown as { marker?: string }).marker)).toBe('same document');
    expect(await page.locator('#connection').textContent()).toBe('live');
    expect(pageErrors).toEqual([]);
    await page.close();
  });

  it('is readable in dark mode', async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 }, colorScheme: 'dark' });
    await page.goto(`${service.url}/dashboard`);
    await page.waitForSelector('[data-component="openai"][data-status="degraded"]');
    const colors = await page.evaluate(() => {
      const browser = globalThis as unknown as {
        document: { body: object };
        getComputedStyle(element: object): { backgroundColor: string; color: string };
      };
      const style = browser.getComputedStyle(browser.document.body);
      return { bg: style.backgroundColor, fg: style.color };
    });
    expect(colors).toEqual({ bg: 'rgb(18, 22, 28)', fg: 'rgb(227, 232, 239)' });
    mkdirSync(OUT, { recursive: true });
    await page.screenshot({ path: join(OUT, 'dashboard-dark.png'), fullPage: true });
    await page.close();
  });

  it('serves only its own assets', async () => {
    expect((await fetch(`${service.url}/dashboard/assets/uPlot.iife.min.js`)).status).toBe(200);
    const missing = await fetch(`${service.url}/dashboard/assets/..%2Fhealth-tracker.service.ts`);
    expect(missing.status).toBe(404);
    await pollUntil(
      async () => (await fetch(`${service.url}/dashboard`)).headers.get('content-type')?.startsWith('text/html'),
      {
        description: 'dashboard served as HTML',
      },
    );
  });

  it('ends open event streams when the app shuts down', async () => {
    const res = await fetch(`${service.url}/api/v1/health/stream`);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const reader = res.body!.getReader();
    const decoder = new TextDecoder();
    let text = '';
    while (!/event: snapshot\ndata: .+\n\n/.test(text))
      text += decoder.decode((await reader.read()).value as Uint8Array);
    expect(text).toMatch(/^retry: 2000\n\n/);
    const data = /event: snapshot\ndata: (.+)\n\n/.exec(text)![1]!;
    const snapshot = JSON.parse(data) as { report: { overall_status: string; integrations: object } };
    expect(Object.keys(snapshot.report.integrations)).toEqual(expect.arrayContaining(['mlflow-prod', 'notifier']));
    await service.close(); // would wait for the stream forever if the app did not end it
    service = undefined as unknown as RunningService;
    for (;;) {
      const { done } = await reader.read();
      if (done) break;
    }
  });
});
