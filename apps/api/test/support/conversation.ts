import { ChatParticipant, ReceivedMessage } from './chat-participant';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Every message the participants sent, by `clientMessageId`, as the API finally answered each send. */
export type SentMessages = Record<string, ReceivedMessage>;

/**
 * Both sides talk without pause while `fault()` runs (each send retried with its `clientMessageId` until
 * answered), then each sends `after` more messages once it is over. Message ids are `<side>-<n>`.
 * @param pauseMs random pause between one side's sends, in ms (0 … pauseMs).
 */
export async function talkThrough(
  sides: ChatParticipant[],
  fault: () => Promise<void>,
  options: { after?: number; pauseMs?: number; random?: () => number } = {},
): Promise<SentMessages> {
  const { after = 5, pauseMs = 15, random = Math.random } = options;
  const sent: SentMessages = {};
  let faulting = true;
  const talk = async (side: ChatParticipant) => {
    let afterwards = 0;
    for (let i = 1; faulting || afterwards < after; i++) {
      if (!faulting) afterwards++;
      const id = `${side.name}-${i}`;
      sent[id] = await side.send(`${side.name} says ${i}`, id);
      await sleep(Math.floor(random() * pauseMs));
    }
  };
  const talking = Promise.all(sides.map(talk));
  try {
    await fault();
  } finally {
    faulting = false;
  }
  await talking;
  return sent;
}

/**
 * Waits until every participant has every message, then asserts exactly-once-in-order: each received
 * seq 1, 2, 3 … n (n the highest seq sent) with no problem recorded, all sides the same messages, and
 * every sent message once, as its sender's final answer says.
 * @param firstSeq when the participants subscribed with `afterSeq`, the first seq they expect.
 * @returns n
 */
export async function expectEveryoneGotEverything(sides: ChatParticipant[], sent: SentMessages, firstSeq = 1): Promise<number> {
  const lastSeq = Math.max(...Object.values(sent).map((m) => m.seq));
  await Promise.all(sides.map((side) => side.waitForSeq(lastSeq)));
  const seqs = Array.from({ length: lastSeq - firstSeq + 1 }, (_, i) => firstSeq + i);
  for (const side of sides) {
    expect({ side: side.name, problems: side.problems }).toEqual({ side: side.name, problems: [] });
    expect(side.received.map((m) => m.seq)).toEqual(seqs);
    expect(side.received).toEqual(sides[0].received);
  }
  for (const [id, message] of Object.entries(sent)) {
    expect(sides[0].received.filter((m) => m.clientMessageId === id)).toEqual([message]);
  }
  return lastSeq;
}
