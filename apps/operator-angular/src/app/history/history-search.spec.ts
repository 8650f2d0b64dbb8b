import { FakeGraphql, flush, givenSession } from '../testing/fakes';
import { HISTORY_LIST_PAGE, HistorySearch } from './history-search';

describe('HistorySearch', () => {
  it('searches closed chats by text, optionally only mine', async () => {
    const graphql = new FakeGraphql().on('Sessions', () => ({ sessions: { nodes: [givenSession({ status: 'CLOSED' })], pageInfo: { hasNextPage: false, endCursor: null } } }));
    const search = new HistorySearch(graphql);
    await search.search({ text: ' refund ', mine: true });
    expect(graphql.callsOf('Sessions')).toEqual([{ status: 'CLOSED', search: 'refund', mine: true, first: HISTORY_LIST_PAGE, after: null }]);
    expect(search.results()).toHaveLength(1);
  });

  it('pages on with the end cursor', async () => {
    const a = givenSession({ status: 'CLOSED' });
    const b = givenSession({ status: 'CLOSED' });
    const graphql = new FakeGraphql().on('Sessions', (v) =>
      v['after'] ? { sessions: { nodes: [b], pageInfo: { hasNextPage: false, endCursor: 'c2' } } } : { sessions: { nodes: [a], pageInfo: { hasNextPage: true, endCursor: 'c1' } } },
    );
    const search = new HistorySearch(graphql);
    await search.search({ text: '', mine: false });
    await search.loadMore();
    expect(graphql.callsOf('Sessions')[1]).toMatchObject({ after: 'c1' });
    expect(search.results().map((s) => s.id)).toEqual([a.id, b.id]);
    expect(search.hasMore()).toBe(false);
  });

  it('shows only the answer to the latest search', async () => {
    const resolvers: ((v: unknown) => void)[] = [];
    const graphql = new FakeGraphql().on('Sessions', () => new Promise((resolve) => resolvers.push(resolve)));
    const search = new HistorySearch(graphql);
    const old = givenSession({ status: 'CLOSED' });
    const latest = givenSession({ status: 'CLOSED' });
    void search.search({ text: 'a', mine: false });
    void search.search({ text: 'ab', mine: false });
    await flush();
    resolvers[1]({ sessions: { nodes: [latest], pageInfo: { hasNextPage: false, endCursor: null } } });
    await flush();
    resolvers[0]({ sessions: { nodes: [old], pageInfo: { hasNextPage: false, endCursor: null } } });
    await flush();
    expect(search.results().map((s) => s.id)).toEqual([latest.id]);
  });
});
