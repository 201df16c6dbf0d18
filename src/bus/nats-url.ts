import type { ConnectionOptions } from '@nats-io/transport-node';

/**
 * Connection options for a NATS_URL. nats.js (v3) ignores credentials written in a server URL: a
 * `nats://user:password@host` would connect without them and be refused with "Authorization
 * Violation". They are taken out of the URL (so they never show in a server name either) and
 * passed as options: user and password, or a lone user part as a token (`nats://token@host`).
 */
export function natsConnectionOptions(url: string): Pick<ConnectionOptions, 'servers' | 'user' | 'pass' | 'token'> {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return { servers: url };
  }
  const user = decodeURIComponent(parsed.username);
  const pass = decodeURIComponent(parsed.password);
  if (!user && !pass) return { servers: url };
  parsed.username = '';
  parsed.password = '';
  const servers = parsed.toString().replace(/\/$/, '');
  return pass ? { servers, user, pass } : { servers, token: user };
}
