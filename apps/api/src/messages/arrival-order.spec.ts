import { parse } from 'graphql';
import { ArrivalOrder, MutationShape, mutationShape } from './arrival-order';

/** Lets every promise callback queued so far run. */
const settle = () => new Promise((resolve) => setImmediate(resolve));

describe('ArrivalOrder', () => {
  /** `n` sendMessage fields, or (0) one other root field, or the shape as given. */
  const shapeOf = (fields: number | MutationShape): MutationShape =>
    typeof fields !== 'number' ? fields : fields > 0 ? { messages: fields, others: 0 } : { messages: 0, others: 1 };

  /** Takes turns for `[id, sendMessage fields or shape]` in order and records which may start, and when. */
  function arriving(order: ArrivalOrder, mutations: Array<[string, number | MutationShape]>) {
    const started: string[] = [];
    const waits = mutations.map(([id, fields]) => {
      const waiting = order.arrive(id, shapeOf(fields));
      if (waiting === null) started.push(id);
      else void waiting.then(() => started.push(id));
      return waiting;
    });
    return { started, waits };
  }

  it('starts the first mutation at once, without a promise, and each later one once those before it allow', async () => {
    const order = new ArrivalOrder();
    const { started, waits } = arriving(order, [
      ['accept', 0],
      ['m1', 1],
      ['m2', 1],
    ]);
    expect(waits[0]).toBeNull();
    expect(started).toEqual(['accept']);

    order.leave('accept'); // another mutation: the messages after it wait until it has ended
    await settle();
    expect(started).toEqual(['accept', 'm1']);
    order.turnOf('m1')!.pass(); // handed to the writer: the next message need not wait for its statement
    await settle();
    expect(started).toEqual(['accept', 'm1', 'm2']);
  });

  it('starts any other mutation only once every earlier one has ended, a message handed to the writer included', async () => {
    const order = new ArrivalOrder();
    const { started } = arriving(order, [
      ['m1', 1],
      ['close', 0],
    ]);
    order.turnOf('m1')!.pass();
    await settle();
    expect(started).toEqual(['m1']); // its message is not stored yet
    order.leave('m1');
    await settle();
    expect(started).toEqual(['m1', 'close']);
  });

  it('lets every later mutation start once an earlier one of one other field has passed (committed), before it has ended', async () => {
    const order = new ArrivalOrder();
    const { started } = arriving(order, [
      ['accept', 0],
      ['greeting', 1],
      ['close', 0],
    ]);
    order.turnOf('accept')!.pass(); // the assignment is committed; its events and the queue broadcast still run
    await settle();
    expect(started).toEqual(['accept', 'greeting']); // close waits for the greeting to be stored, not just handed over
    order.turnOf('greeting')!.pass();
    await settle();
    expect(started).toEqual(['accept', 'greeting']);
    order.leave('greeting');
    await settle();
    expect(started).toEqual(['accept', 'greeting', 'close']);
  });

  it('holds the mutations after an operation of several root fields, not all sendMessage, until it has ended, whatever it passes', async () => {
    const order = new ArrivalOrder();
    const { started } = arriving(order, [
      ['both', { messages: 1, others: 1 }],
      ['m', 1],
      ['accepts', { messages: 0, others: 2 }],
    ]);
    order.turnOf('both')!.pass();
    order.turnOf('both')!.pass();
    await settle();
    expect(started).toEqual(['both']);
    order.leave('both');
    await settle();
    expect(started).toEqual(['both', 'm']);
    order.leave('m');
    await settle();
    expect(started).toEqual(['both', 'm', 'accepts']);
    order.turnOf('accepts')!.pass();
    expect(order.arrive('after', shapeOf(1))).not.toBeNull(); // behind 'accepts', which has not ended
  });

  it('hands over a mutation with two sendMessage fields only once both have reached the writer', async () => {
    const order = new ArrivalOrder();
    const { started } = arriving(order, [
      ['two', 2],
      ['m', 1],
    ]);
    order.turnOf('two')!.pass();
    await settle();
    expect(started).toEqual(['two']);
    order.turnOf('two')!.pass();
    await settle();
    expect(started).toEqual(['two', 'm']);
  });

  it('lets a mutation refused before its work (it never passes) free those after it when it ends', async () => {
    const order = new ArrivalOrder();
    const { started } = arriving(order, [
      ['refused', 1],
      ['m', 1],
    ]);
    order.leave('refused');
    order.leave('refused');
    await settle();
    expect(started).toEqual(['refused', 'm']);
    expect(order.turnOf('refused')).toBeUndefined();
  });

  it('lets every waiting mutation go when the connection closes', async () => {
    const order = new ArrivalOrder();
    const { started } = arriving(order, [
      ['1', 0],
      ['2', 1],
      ['3', 0],
    ]);
    order.leaveAll();
    await settle();
    expect(started).toEqual(['1', '2', '3']);
    expect(order.arrive('4', shapeOf(0))).toBeNull();
  });
});

describe('mutationShape', () => {
  it('counts the root sendMessage fields of a mutation and its other root fields, directly, aliased or in fragments; none for other operations', () => {
    const document = parse(`
      mutation Direct { sendMessage(input: { sessionId: "s", content: "c", clientMessageId: "m" }) { id } }
      mutation Two { a: sendMessage(input: { sessionId: "s", content: "a", clientMessageId: "a" }) { id } b: sendMessage(input: { sessionId: "s", content: "b", clientMessageId: "b" }) { id } }
      mutation Inline { ... on Mutation { sendMessage(input: { sessionId: "s", content: "c", clientMessageId: "m" }) { id } } }
      mutation Spread { ...Sends }
      fragment Sends on Mutation { sendMessage(input: { sessionId: "s", content: "c", clientMessageId: "m" }) { id } }
      mutation Other { closeSession(sessionId: "s") { id } }
      mutation Mixed { acceptSession(sessionId: "s") { id } sendMessage(input: { sessionId: "s", content: "c", clientMessageId: "m" }) { id } }
      query Read { session(id: "s") { id } }
      subscription Follow { sessionEvents(sessionId: "s") { __typename } }
    `);
    const shapes = ['Direct', 'Two', 'Inline', 'Spread', 'Other', 'Mixed', 'Read', 'Follow', 'Missing'].map((name) => mutationShape(document, name));
    expect(shapes).toEqual([
      { messages: 1, others: 0 },
      { messages: 2, others: 0 },
      { messages: 1, others: 0 },
      { messages: 1, others: 0 },
      { messages: 0, others: 1 },
      { messages: 1, others: 1 },
      undefined,
      undefined,
      undefined,
    ]);
    expect(mutationShape(parse('mutation { sendMessage(input: $input) { id } }'))).toEqual({ messages: 1, others: 0 });
  });
});
