import { loadConfig } from '../config/env.ts';
import { EventStoreError } from '../errors.ts';

/** The server answered with an error: its code and message, as the API gives them. */
export class ApiError extends EventStoreError {
  override readonly code: string;
  constructor(readonly status: number, code: string, message: string) {
    super(`${status} ${code}: ${message}`);
    this.code = code;
  }
}

/** Where the API is and how to authenticate, from the command line (--url, --token). */
export interface ApiTarget {
  url?: string;
  token?: string;
}

/**
 * Talks to a running server's HTTP API: --url, else EVENTSTORE_URL, else http://HOST:PORT of the
 * local configuration; --token, else API_TOKEN as the bearer token. So the same commands work
 * against a remote deployment.
 */
export class ApiClient {
  constructor(readonly baseUrl: string, private readonly token: string | undefined) {}

  static fromEnv(env: Record<string, string | undefined> = process.env, target: ApiTarget = {}): ApiClient {
    const explicitUrl = target.url ?? (env.EVENTSTORE_URL || undefined);
    // The local configuration is read only for what the flags and EVENTSTORE_URL leave open, so a
    // remote call does not trip over local settings it does not use.
    const config = explicitUrl === undefined || target.token === undefined ? loadConfig(env) : undefined;
    const token = target.token ?? config?.http.apiToken;
    if (explicitUrl !== undefined) return new ApiClient(explicitUrl.replace(/\/+$/, ''), token);
    const host = config!.http.host === '0.0.0.0' || config!.http.host === '::' ? '127.0.0.1' : config!.http.host;
    return new ApiClient(`http://${host.includes(':') ? `[${host}]` : host}:${config!.http.port}`, token);
  }

  /** Resolves with the status and body of 2xx answers, and also of `accept`ed statuses (e.g. 409). */
  async request<T>(method: string, path: string, body?: unknown, accept: number[] = []): Promise<{ status: number; body: T }> {
    let response: Response;
    try {
      response = await fetch(this.baseUrl + path, {
        method,
        headers: {
          ...(this.token ? { authorization: `Bearer ${this.token}` } : {}),
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    } catch (cause) {
      throw new EventStoreError(`cannot reach the server at ${this.baseUrl} (is it running? pass --url or set EVENTSTORE_URL)`, { cause });
    }
    const text = await response.text();
    const parsed = text ? (JSON.parse(text) as T & { error?: string; message?: string }) : ({} as T & { error?: string; message?: string });
    if (response.ok || accept.includes(response.status)) return { status: response.status, body: parsed };
    throw new ApiError(response.status, parsed.error ?? 'error', parsed.message ?? response.statusText);
  }
}
