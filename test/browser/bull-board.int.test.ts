import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type BrowserContext } from 'playwright-core';
import { call, startSystem, type TestSystem } from '../http/support.ts';

const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = join(import.meta.dirname, '../../test-artifacts');
const TOKEN = 'browser-test-token';
const skip = existsSync(CHROMIUM) ? false : `${CHROMIUM} is missing (scripts/ensure-chromium.sh installs it where apt-get can run)`;

describe('Bull Board in a real browser (headless Chromium)', { skip }, () => {
  let system: TestSystem;
  let browser: BrowserContext;
  let profile: string;
  let commandId: string;
  const aggregateId = `order-${randomUUID()}`;

  before(async () => {
    // Server only: the command stays queued, and the board is behind the bearer token.
    system = await startSystem(['server'], { API_TOKEN: TOKEN });
    const sent = await call(system.baseUrl, 'POST', '/commands', {
      body: { type: 'CreateOrder', aggregateId, payload: { customerId: 'c-browser', total: 12 } },
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    assert.equal(sent.status, 202);
    commandId = sent.body.commandId;
    profile = await mkdtemp(join(tmpdir(), 'eventstore-chromium-'));
    browser = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      // What a person does: the board asks for credentials, the token is the password.
      httpCredentials: { username: 'operator', password: TOKEN },
      viewport: { width: 1400, height: 900 },
    });
  });
  after(async () => {
    await browser?.close();
    if (profile) await rm(profile, { recursive: true, force: true });
    await system?.close();
  });

  it('shows the commands queue and a command in it, and saves a screenshot', async () => {
    const page = await browser.newPage();
    const queueName = system.env.QUEUE_NAME!;
    await page.goto(`${system.baseUrl}/admin/queues`);
    await page.getByText(queueName).first().click({ timeout: 30_000 });
    // The queue's page lists its latest jobs: the command by its name (type and aggregate) and id.
    await page.getByText(`CreateOrder ${aggregateId}`).first().waitFor({ timeout: 30_000 });
    await page.getByText(commandId).first().waitFor({ timeout: 30_000 });
    await mkdir(ARTIFACTS, { recursive: true });
    const file = join(ARTIFACTS, 'bull-board.png');
    await page.screenshot({ path: file, fullPage: true });
    assert.ok(existsSync(file));
    assert.ok(!/retry all|promote all|clean all/i.test(await page.locator('body').innerText()), 'no bulk actions in read-only mode');
  });
});
