import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { after, before, describe, it } from 'node:test';
import { promisify } from 'node:util';
import { startTestServer, type TestServer } from '../http/support.ts';

const run = promisify(execFile);
const TOKEN = 'cli-flag-token-1';

/** `eventstore <args>` with no EVENTSTORE_URL or API_TOKEN in its environment: only the flags say where. */
async function cli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const env = { ...process.env, EVENTSTORE_URL: undefined, API_TOKEN: undefined, API_AUTH: undefined, PORT: '1' };
  try {
    const { stdout, stderr } = await run(process.execPath, ['bin/eventstore.mjs', ...args], { env });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const failed = error as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe('--url and --token', { timeout: 60_000 }, () => {
  let server: TestServer;
  before(async () => (server = await startTestServer({ apiToken: TOKEN })));
  after(() => server.close());

  it('send reaches the server the flags name, with the token they give', async () => {
    const sent = await cli(['send', 'CreateOrder', 'order-cli-1', '{"customerId":"c","total":1}', '--url', server.baseUrl, '--token', TOKEN]);
    assert.equal(sent.code, 0, sent.stderr);
    assert.equal(JSON.parse(sent.stdout).status, 'queued');
  });

  it('uses the token of the flag, not a missing API_TOKEN', async () => {
    const refused = await cli(['status', '--json', '--url', server.baseUrl, '--token', 'wrong-token']);
    assert.equal(refused.code, 1);
    assert.match(refused.stderr, /401/);
  });

  it('refuses a --url that is not http(s), as a usage error', async () => {
    const refused = await cli(['status', '--url', 'ftp://example.com', '--token', TOKEN]);
    assert.equal(refused.code, 2);
    assert.match(refused.stderr, /--url must be an http\(s\) URL, got "ftp:\/\/example.com"/);
  });
});
