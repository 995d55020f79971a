// What the tenant tells the outside world: the CloudEvents Qlik Cloud would publish for group and
// user changes (shapes from seeds/group-events.txt), and a membership log with one line per
// membership added or removed, so a checker can prove no membership was removed that should not be.
import { eventId, isoNow } from './ids.ts';
import type { ProviderType } from './records.ts';

export type EventType =
  | 'com.qlik.v1.group.created'
  | 'com.qlik.v1.group.updated'
  | 'com.qlik.v1.group.deleted'
  | 'com.qlik.v1.group.users.modified'
  | 'com.qlik.v1.user.created'
  | 'com.qlik.v1.user.deleted';

export interface CloudEvent {
  id: string;
  time: string;
  type: EventType;
  source: string;
  specversion: '1.0';
  datacontenttype: 'application/json';
  userid: string;
  tenantid: string;
  data: Record<string, unknown>;
}

/** Sources as in the seed examples: `com.qlik/groups` for group.deleted, identities otherwise. */
const SOURCES: Record<EventType, string> = {
  'com.qlik.v1.group.created': 'com.qlik/identities',
  'com.qlik.v1.group.updated': 'com.qlik/identities',
  'com.qlik.v1.group.deleted': 'com.qlik/groups',
  'com.qlik.v1.group.users.modified': 'com.qlik/identities',
  'com.qlik.v1.user.created': 'com.qlik/users',
  'com.qlik.v1.user.deleted': 'com.qlik/users',
};

export class EventLog {
  #events: CloudEvent[] = [];

  emit(type: EventType, actorId: string, tenantId: string, data: Record<string, unknown>): CloudEvent {
    const event: CloudEvent = {
      id: eventId(),
      time: isoNow(),
      type,
      source: SOURCES[type],
      specversion: '1.0',
      datacontenttype: 'application/json',
      userid: actorId,
      tenantid: tenantId,
      data,
    };
    this.#events.push(event);
    return event;
  }

  /** Events from index `since` (0-based position in the log), oldest first. */
  since(index = 0): CloudEvent[] {
    return this.#events.slice(Math.max(0, index));
  }

  get length(): number {
    return this.#events.length;
  }

  clear(): void {
    this.#events = [];
  }
}

/** Why a membership changed. */
export type MembershipCause = 'patch' | 'login' | 'user-deleted' | 'group-deleted' | 'import';

export interface MembershipLogEntry {
  seq: number;
  time: string;
  userId: string;
  groupId: string;
  groupName: string;
  op: 'add' | 'remove';
  providerType: ProviderType;
  cause: MembershipCause;
  /** The credential's user id that made the change. */
  actorId: string;
}

export class MembershipLog {
  #entries: MembershipLogEntry[] = [];
  #seq = 0;

  record(entry: Omit<MembershipLogEntry, 'seq' | 'time'>): void {
    this.#entries.push({ seq: ++this.#seq, time: isoNow(), ...entry });
  }

  /** Entries with seq > `afterSeq`. */
  since(afterSeq = 0): MembershipLogEntry[] {
    if (afterSeq <= 0) return this.#entries.slice();
    // seq is dense and increasing from 1 unless cleared: find the first entry after afterSeq.
    let lo = 0;
    let hi = this.#entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#entries[mid]!.seq <= afterSeq) lo = mid + 1;
      else hi = mid;
    }
    return this.#entries.slice(lo);
  }

  clear(): void {
    this.#entries = [];
  }
}
