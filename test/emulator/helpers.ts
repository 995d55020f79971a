// Shared by the emulator tests: a started emulator per test file (reset between tests, which is
// much faster than a new server), a small fetch client over real HTTP that returns status, headers
// and the parsed body, and the assertion that an answer is the documented error body.
import { afterAll, beforeAll, beforeEach, expect } from 'vitest';
import { startEmulator, type EmulatorHandle, type EmulatorOptions } from '../../src/emulator/index.ts';

export interface Answer<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

export class Client {
  readonly base: string;
  readonly token: string | undefined;

  constructor(base: string, token: string | undefined) {
    this.base = base;
    this.token = token;
  }

  async call<T = any>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<Answer<T>> {
    const init: RequestInit = { method, headers: { ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...headers } };
    if (body !== undefined) {
      init.body = typeof body === 'string' ? body : body instanceof Uint8Array ? Buffer.from(body) : JSON.stringify(body);
      (init.headers as Record<string, string>)['content-type'] ??= 'application/json';
    }
    const response = await fetch(path.startsWith('http') ? path : this.base + path, init);
    const text = await response.text();
    let parsed: unknown;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = text;
    }
    return { status: response.status, headers: response.headers, body: parsed as T, text };
  }

  get<T = any>(path: string): Promise<Answer<T>> {
    return this.call<T>('GET', path);
  }
  post<T = any>(path: string, body?: unknown): Promise<Answer<T>> {
    return this.call<T>('POST', path, body);
  }
  patch<T = any>(path: string, body: unknown): Promise<Answer<T>> {
    return this.call<T>('PATCH', path, body);
  }
  put<T = any>(path: string, body: unknown): Promise<Answer<T>> {
    return this.call<T>('PUT', path, body);
  }
  delete<T = any>(path: string): Promise<Answer<T>> {
    return this.call<T>('DELETE', path);
  }

  /** Creates a group and returns its id (asserting the 201). */
  async group(name: string, providerType: 'idp' | 'custom' = 'custom', extra: Record<string, unknown> = {}): Promise<string> {
    const answer = await this.post('/api/v1/groups', { name, providerType, ...extra });
    expect(answer.status, answer.text).toBe(201);
    return answer.body.id as string;
  }

  /** Creates a user and returns its id (asserting the 201). */
  async user(subject: string, extra: Record<string, unknown> = {}): Promise<string> {
    const answer = await this.post('/api/v1/users', { subject, email: `${subject}@example.com`, name: subject, ...extra });
    expect(answer.status, answer.text).toBe(201);
    return answer.body.id as string;
  }

  async addTo(userId: string, ...groupIds: string[]): Promise<void> {
    const answer = await this.patch(`/api/v1/users/${userId}`, groupIds.map((value) => ({ op: 'add', path: '/assignedGroups/-', value })));
    expect(answer.status, answer.text).toBe(204);
  }

  async groupIdsOf(userId: string): Promise<string[]> {
    const answer = await this.get(`/api/v1/users/${userId}`);
    expect(answer.status, answer.text).toBe(200);
    return (answer.body.assignedGroups as { id: string }[]).map((g) => g.id);
  }
}

/** The documented error body: {errors:[{code,title,status,...}],traceId}, with the status given. */
export function expectError(answer: Answer, status: number, code = `HTTP-${status}`): void {
  expect(answer.status, answer.text).toBe(status);
  expect(answer.headers.get('content-type')).toMatch(/^application\/json/);
  expect(answer.body).toMatchObject({ errors: [{ code, title: expect.any(String), status }], traceId: expect.stringMatching(/^[0-9a-f]{32}$/) });
  expect(answer.body.errors).toHaveLength(1);
}

/** One emulator for the whole test file; the tenant, faults and stats are reset before each test. */
export function useEmulator(options: EmulatorOptions = {}): { readonly handle: EmulatorHandle; readonly client: Client } {
  const state: { handle?: EmulatorHandle; client?: Client } = {};
  beforeAll(async () => {
    state.handle = await startEmulator(options);
    state.client = new Client(state.handle.url, state.handle.apiKey);
  });
  afterAll(async () => {
    await state.handle?.close();
  });
  beforeEach(() => {
    state.handle!.reset();
    state.handle!.resetStats();
    state.handle!.setRateLimits(options.rateLimits ?? 'off');
  });
  return {
    get handle() {
      return state.handle!;
    },
    get client() {
      return state.client!;
    },
  };
}

export const ID = /^[0-9a-f]{24}$/;
export const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
