// Who is logged in to the desk page, and who is trying passwords too fast. Both live in the server's memory: a
// restart logs everyone out (they log in again), which is the safe direction for an intranet page.
import { randomBytes } from 'node:crypto';
import type { Language } from '../../labels.ts';

export interface Session {
  user: string;
  lastSeen: number;
  /** One message for the next page (the outcome of the last form), then gone. */
  flash: { kind: 'ok' | 'error'; text: string } | null;
}

export class SessionStore {
  private readonly sessions = new Map<string, Session>();

  constructor(private readonly idleMs: number) {}

  create(user: string, now: number): string {
    const id = randomBytes(32).toString('base64url');
    this.sessions.set(id, { user, lastSeen: now, flash: null });
    return id;
  }

  /** The session, touched; null when unknown or idle longer than allowed (then forgotten). */
  get(id: string | undefined, now: number): Session | null {
    if (!id) return null;
    const session = this.sessions.get(id);
    if (!session) return null;
    if (now - session.lastSeen > this.idleMs) {
      this.sessions.delete(id);
      return null;
    }
    session.lastSeen = now;
    return session;
  }

  end(id: string | undefined): void {
    if (id) this.sessions.delete(id);
  }
}

/**
 * Wrong passwords counted per client address and per user name over the last minute: at the limit, further
 * attempts get 429 without a password check, until the oldest failure is a minute old.
 */
export class LoginThrottle {
  private readonly failures = new Map<string, number[]>();

  constructor(
    private readonly limit = 10,
    private readonly windowMs = 60_000,
  ) {}

  /** Seconds until another attempt is taken, or 0 when it may be tried now. */
  retryAfter(keys: string[], now: number): number {
    let wait = 0;
    for (const key of keys) {
      const recent = this.recent(key, now);
      if (recent.length >= this.limit) wait = Math.max(wait, Math.ceil((recent[0] + this.windowMs - now) / 1000));
    }
    return wait;
  }

  fail(keys: string[], now: number): void {
    for (const key of keys) this.failures.set(key, [...this.recent(key, now), now]);
  }

  private recent(key: string, now: number): number[] {
    const recent = (this.failures.get(key) ?? []).filter((at) => now - at < this.windowMs);
    if (recent.length === 0) this.failures.delete(key);
    else this.failures.set(key, recent);
    return recent;
  }
}

export function isLanguage(value: string | undefined): value is Language {
  return value === 'zh' || value === 'en';
}
