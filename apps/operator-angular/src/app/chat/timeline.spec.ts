import { givenMessage } from '../testing/fakes';
import { GROUP_GAP_MS, type OutgoingMessage, buildTimeline, countUnread, mergeMessages } from './timeline';

describe('mergeMessages', () => {
  it('appends live messages in order', () => {
    const merged = mergeMessages([givenMessage(1), givenMessage(2)], [givenMessage(3)]);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3]);
  });

  it('keeps one message per seq when a replay repeats them, and returns the same array when nothing is new', () => {
    const current = [givenMessage(1), givenMessage(2), givenMessage(3)];
    const replayed = mergeMessages(current, [givenMessage(2), givenMessage(3)]);
    expect(replayed).toBe(current);
    const merged = mergeMessages(current, [givenMessage(3), givenMessage(4)]);
    expect(merged.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
  });

  it('puts an older page and an out-of-order message in seq order', () => {
    const merged = mergeMessages([givenMessage(5), givenMessage(7)], [givenMessage(6), givenMessage(3), givenMessage(4)]);
    expect(merged.map((m) => m.seq)).toEqual([3, 4, 5, 6, 7]);
  });
});

describe('buildTimeline', () => {
  const at = (seconds: number) => new Date(Date.UTC(2026, 10, 29, 10, 0, 0) + seconds * 1000).toISOString();

  it('groups consecutive messages of one sender under one header and keeps system lines apart', () => {
    const items = buildTimeline(
      [
        givenMessage(1, { sentAt: at(0) }),
        givenMessage(2, { sentAt: at(10) }),
        givenMessage(3, { senderRole: 'SYSTEM', content: 'Olga joined the chat', sentAt: at(20) }),
        givenMessage(4, { senderRole: 'OPERATOR', senderName: 'Olga', sentAt: at(30) }),
        givenMessage(5, { senderRole: 'OPERATOR', senderName: 'Olga', sentAt: at(40) }),
        givenMessage(6, { sentAt: at(50) }),
      ],
      [],
      'Olga',
    );
    expect(items.map((i) => (i.kind === 'group' ? `${i.role}:${i.entries.length}` : i.kind))).toEqual(['day', 'VISITOR:2', 'system', 'OPERATOR:2', 'VISITOR:1']);
  });

  it('starts a new group after a long pause', () => {
    const items = buildTimeline([givenMessage(1, { sentAt: at(0) }), givenMessage(2, { sentAt: at(GROUP_GAP_MS / 1000 + 1) })], [], 'Olga');
    expect(items.filter((i) => i.kind === 'group')).toHaveLength(2);
  });

  it("adds the operator's unconfirmed messages to the operator's last group", () => {
    const outgoing: OutgoingMessage = { clientMessageId: 'c1', content: 'on my way', state: 'sending', error: null, retryable: true, createdAt: at(35) };
    const items = buildTimeline([givenMessage(4, { senderRole: 'OPERATOR', senderName: 'Olga', sentAt: at(30) })], [outgoing], 'Olga');
    const group = items.find((i) => i.kind === 'group');
    expect(group?.kind === 'group' && group.entries.map((e) => e.kind)).toEqual(['sent', 'outgoing']);
  });
});

describe('countUnread', () => {
  it('counts visitor messages after the last read seq only', () => {
    const messages = [givenMessage(1), givenMessage(2, { senderRole: 'OPERATOR' }), givenMessage(3), givenMessage(4, { senderRole: 'SYSTEM' }), givenMessage(5)];
    expect(countUnread(messages, 0)).toBe(3);
    expect(countUnread(messages, 3)).toBe(1);
    expect(countUnread(messages, 5)).toBe(0);
  });
});
