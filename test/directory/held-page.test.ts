// A page's messages are held as they arrive and taken in when the page is complete (after its
// successor was asked for), in arrival order, a turn at a time so that other work runs in
// between; beyond a byte limit, what is held is taken in at once.
// Messages arrive in a buffer that is reused for the next chunk, so the page must keep copies.
import { describe, expect, it } from 'vitest';
import { HeldPage } from '../../src/directory/connection.ts';
import { SEARCH_RESULT_ENTRY, readEnvelope, type Envelope } from '../../src/directory/wire.ts';
import { ldapMessage, octets, searchEntry, tlv } from '../support/ber.ts';

const entry = (id: number, dn: string, size = 0): Buffer => ldapMessage(id, searchEntry(dn, [['description', ['x'.repeat(size)]]]));
const reference = (id: number, uri: string): Buffer => ldapMessage(id, tlv(0x73, octets(uri)));

/** An intake that keeps a copy of each message it is given, as the reader's would decode it then. */
function recordingIntake() {
  const taken: Buffer[] = [];
  return {
    taken,
    take(envelope: Envelope): boolean {
      taken.push(Buffer.from(envelope.cursor.buf.subarray(envelope.start, envelope.end)));
      return envelope.op === SEARCH_RESULT_ENTRY;
    },
  };
}

/** Hands `message` to the page the way the socket does: in a chunk buffer that is overwritten right after. */
function arrive(page: HeldPage, message: Buffer): void {
  const chunk = Buffer.alloc(message.length + 7, 0xee);
  message.copy(chunk, 3);
  page.add(readEnvelope(chunk, 3, 3 + message.length));
  chunk.fill(0x55);
}

describe('HeldPage', () => {
  it('takes nothing in until the page is finished, then every message in arrival order, from its own copies', async () => {
    const intake = recordingIntake();
    const page = new HeldPage(intake);
    const messages = [entry(5, 'uid=a,dc=t'), reference(5, 'ldap://other/dc=t'), entry(5, 'uid=b,dc=t', 3000), entry(5, 'uid=c,dc=t')];
    for (const message of messages) arrive(page, message);
    expect(intake.taken).toHaveLength(0);
    expect(page.size).toBe(4);
    expect(await page.finish()).toBe(3);
    expect(intake.taken).toEqual(messages);
  });

  it('starts afresh after finish: the next page counts and delivers only its own messages', async () => {
    const intake = recordingIntake();
    const page = new HeldPage(intake);
    arrive(page, entry(1, 'uid=a,dc=t'));
    await page.finish();
    expect(page.size).toBe(0);
    const next = [entry(2, 'uid=b,dc=t'), entry(2, 'uid=c,dc=t')];
    for (const message of next) arrive(page, message);
    expect(page.size).toBe(2);
    expect(await page.finish()).toBe(2);
    expect(intake.taken.slice(1)).toEqual(next);
    expect(await page.finish()).toBe(0);
    expect(intake.taken).toHaveLength(3);
  });

  it('grows past its first room for many and large messages, losing none', async () => {
    const intake = recordingIntake();
    const page = new HeldPage(intake);
    // More bounds than its first 512 messages, more bytes than its first 64 KiB, one message larger than both.
    const messages = Array.from({ length: 1500 }, (_, i) => entry(9, `uid=user${i},dc=t`, i === 700 ? 200_000 : i % 50));
    for (const message of messages) arrive(page, message);
    expect(await page.finish()).toBe(1500);
    expect(intake.taken).toEqual(messages);
  });

  it('beyond its limit, takes in what it holds at once, and the rest at the end, in order', async () => {
    const intake = recordingIntake();
    const page = new HeldPage(intake, 1000);
    const messages = Array.from({ length: 10 }, (_, i) => entry(3, `uid=u${i},dc=t`, 300));
    arrive(page, messages[0]!);
    arrive(page, messages[1]!);
    expect(intake.taken).toHaveLength(0);
    arrive(page, messages[2]!); // about 1,000 bytes held now
    expect(intake.taken).toEqual(messages.slice(0, 3));
    for (const message of messages.slice(3)) arrive(page, message);
    // Taken in each time about 1,000 bytes were held again; what came after the last time is still held.
    let held = 0;
    let early = 0;
    messages.forEach((message, i) => {
      held += message.length;
      if (held >= 1000) [held, early] = [0, i + 1];
    });
    expect(early).toBeLessThan(10);
    expect(intake.taken).toEqual(messages.slice(0, early));
    expect(page.size).toBe(10);
    expect(await page.finish()).toBe(10);
    expect(intake.taken).toEqual(messages);
  });

  it('passes on an error of the intake and keeps nothing of the page it failed in', async () => {
    let calls = 0;
    const page = new HeldPage({
      take: () => {
        calls++;
        throw new Error('bad entry');
      },
    });
    arrive(page, entry(1, 'uid=a,dc=t'));
    arrive(page, entry(1, 'uid=b,dc=t'));
    await expect(page.finish()).rejects.toThrow('bad entry');
    expect(calls).toBe(1);
    expect(page.size).toBe(0);
    calls = 0;
    expect(await page.finish()).toBe(0);
    expect(calls).toBe(0);
  });

  it('takes a complete page in a turn at a time, letting other work run between turns', async () => {
    const intake = recordingIntake();
    const page = new HeldPage(intake, 1 << 20, 1000);
    const messages = Array.from({ length: 9 }, (_, i) => entry(4, `uid=u${i},dc=t`, 300));
    for (const message of messages) arrive(page, message);
    // Other work: a callback that runs on every turn of the event loop, and notes how far the page is.
    const between: number[] = [];
    let done = false;
    const other = (): void => {
      between.push(intake.taken.length);
      if (!done) setImmediate(other);
    };
    setImmediate(other);
    const finishing = page.finish();
    // The first turn at once: about 1,000 bytes, three messages of about 340.
    expect(intake.taken).toEqual(messages.slice(0, 3));
    expect(await finishing).toBe(9);
    done = true;
    expect(intake.taken).toEqual(messages);
    expect(between).toEqual([3, 6]);
  });

  it('holds the next page past its limit while the page before is being taken in, so entries keep their order', async () => {
    const intake = recordingIntake();
    const takingIn = { busy: false };
    const first = new HeldPage(intake, 1 << 20, 1000, takingIn);
    const second = new HeldPage(intake, 1000, 1000, takingIn);
    const page1 = Array.from({ length: 9 }, (_, i) => entry(4, `uid=a${i},dc=t`, 300));
    const page2 = Array.from({ length: 6 }, (_, i) => entry(5, `uid=b${i},dc=t`, 300));
    for (const message of page1) arrive(first, message);
    const finishing = first.finish();
    // While the first page is taken in a turn at a time, the second arrives, well past its limit.
    await new Promise((resolve) => setImmediate(resolve));
    for (const message of page2) arrive(second, message);
    expect(intake.taken.length).toBeGreaterThan(0);
    expect(intake.taken.length).toBeLessThan(9);
    expect(intake.taken).toEqual(page1.slice(0, intake.taken.length));
    expect(await finishing).toBe(9);
    expect(await second.finish()).toBe(6);
    expect(intake.taken).toEqual([...page1, ...page2]);
    // Once nothing is being taken in, a page past its limit is taken in at once again.
    arrive(second, page2[0]!);
    arrive(second, page2[1]!);
    arrive(second, page2[2]!);
    expect(intake.taken).toHaveLength(18);
    expect(await second.finish()).toBe(3);
  });

  it('stops taking a page in when the check between turns throws, and keeps nothing of it', async () => {
    const intake = recordingIntake();
    const page = new HeldPage(intake, 1 << 20, 1000);
    const messages = Array.from({ length: 9 }, (_, i) => entry(4, `uid=u${i},dc=t`, 300));
    for (const message of messages) arrive(page, message);
    await expect(
      page.finish(() => {
        throw new Error('read aborted');
      }),
    ).rejects.toThrow('read aborted');
    expect(intake.taken).toEqual(messages.slice(0, 3));
    expect(page.size).toBe(0);
    expect(await page.finish()).toBe(0);
    expect(intake.taken).toHaveLength(3);
  });
});
