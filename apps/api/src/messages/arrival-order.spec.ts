import { parse } from 'graphql';
import { ArrivalOrder, sendsMessage } from './arrival-order';

/** Lets every promise callback queued so far run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ArrivalOrder', () => {
  /** Takes turns for `ids`, has those in `waiting` (all by default) wait for theirs, and records when each wait ends. */
  function arriving(order: ArrivalOrder, ids: string[], waiting = ids) {
    const through: string[] = [];
    for (const id of ids) order.arrive(id);
    const waits = waiting.map((id) => {
      const reached = order.turnOf(id)!.reached();
      if (reached === null) through.push(id);
      else void reached.then(() => through.push(id));
      return reached;
    });
    return { through, waits };
  }

  it('lets the oldest turn through at once, without a promise, and each later one once all before it passed', async () => {
    const order = new ArrivalOrder();
    // 3 is refused before it waits for its turn (a guard); 2 and 4 wait.
    const { through, waits } = arriving(order, ['1', '2', '3', '4'], ['1', '2', '4']);
    expect(waits[0]).toBeNull();
    expect(through).toEqual(['1']);

    order.turnOf('3')!.pass(); // a later one passing first frees nobody before it
    await settle();
    expect(through).toEqual(['1']);

    order.turnOf('1')!.pass();
    await settle();
    expect(through).toEqual(['1', '2']);
    order.turnOf('2')!.pass();
    await settle();
    expect(through).toEqual(['1', '2', '4']);
  });

  it('passes a turn when its operation ends, once, and answers null to a turn that passed (a second sendMessage field)', async () => {
    const order = new ArrivalOrder();
    const { through } = arriving(order, ['a', 'b']);
    order.leave('a');
    order.leave('a');
    await settle();
    expect(through).toEqual(['a', 'b']);
    const b = order.turnOf('b')!;
    b.pass();
    expect(b.reached()).toBeNull();
    order.leave('b');
    expect(order.turnOf('b')).toBeUndefined();
  });

  it('lets every waiting turn go when the connection closes', async () => {
    const order = new ArrivalOrder();
    const { through } = arriving(order, ['1', '2', '3']);
    order.leaveAll();
    await settle();
    expect(through).toEqual(['1', '2', '3']);
    order.arrive('4');
    expect(order.turnOf('4')!.reached()).toBeNull();
  });
});

describe('sendsMessage', () => {
  it('tells a mutation with a root sendMessage field, directly, aliased or in fragments, from every other operation', () => {
    const document = parse(`
      mutation Direct { sendMessage(input: { sessionId: "s", content: "c", clientMessageId: "m" }) { id } }
      mutation Aliased { sent: sendMessage(input: { sessionId: "s", content: "c", clientMessageId: "m" }) { id } }
      mutation Inline { ... on Mutation { sendMessage(input: { sessionId: "s", content: "c", clientMessageId: "m" }) { id } } }
      mutation Spread { ...Sends }
      fragment Sends on Mutation { sendMessage(input: { sessionId: "s", content: "c", clientMessageId: "m" }) { id } }
      mutation Other { closeSession(sessionId: "s") { id } }
      query Read { session(id: "s") { id } }
    `);
    const answers = ['Direct', 'Aliased', 'Inline', 'Spread', 'Other', 'Read', 'Missing'].map((name) => sendsMessage(document, name));
    expect(answers).toEqual([true, true, true, true, false, false, false]);
    expect(sendsMessage(parse('mutation { sendMessage(input: $input) { id } }'))).toBe(true);
  });
});
