// `npx tsx bench/board-floor.ts` — the floor under the uncached board: the board's document
// executed by graphql-js itself over plain in-memory objects (a hand-written schema of the same
// shape, default resolvers, no database, no Prisma, no Pothos, no HTTP), then serialised, in the
// production mode the server runs in. Whatever the stack adds, an uncached board request cannot
// cost less than this; bench/board-query.ts compares the real one with `{ __typename }`.
process.env.NODE_ENV = 'production';
const { buildSchema, execute, parse, validate } = await import('graphql');

const schema = buildSchema(`
  type Query { project(id: ID!): Project }
  type Project { id: ID! slug: String! reports(first: Int): ReportConnection }
  type ReportConnection { edges: [ReportEdge!]! pageInfo: PageInfo! }
  type ReportEdge { node: Report! cursor: String! }
  type PageInfo { hasNextPage: Boolean! endCursor: String }
  type Person { id: ID! name: String! }
  type Issue { id: ID! title: String! status: String! }
  type Attachment { filename: String! mimeType: String! size: Int! url: String! }
  type Report { id: ID! title: String! status: String! order: Int! source: String! authorName: String
    reporter: Person attachments: [Attachment!]! project: Project! issue: Issue }
`);
const project = { id: 'UHJvamVjdDox', slug: 'bench' };
const issue = { id: 'SXNzdWU6MQ', title: 'Promoted', status: 'OPEN' };
const edges = Array.from({ length: 50 }, (_, i) => ({
  cursor: `c${i}`,
  node: {
    id: Buffer.from(`Report:${i + 1}`).toString('base64url'), title: `Report ${i}`, status: i < 3 ? 'PROMOTED' : 'PENDING', order: i + 1, source: 'API', authorName: null, reporter: null,
    attachments: [{ filename: `shot-${i}.png`, mimeType: 'image/png', size: 1024, url: `http://127.0.0.1:4000/api/attachments/${i + 1}` }],
    project, issue: i < 3 ? issue : null,
  },
}));
const root = { project: () => ({ ...project, reports: () => ({ edges, pageInfo: { hasNextPage: false, endCursor: 'c49' } }) }) };
const BOARD = parse(`query Board($project: ID!) { project(id: $project) { reports(first: 50) { edges { node {
  id title status order source authorName reporter { id name } attachments { filename mimeType size url }
  project { id slug } issue { id title status } } } pageInfo { hasNextPage endCursor } } } }`);
const HELLO = parse('{ __typename }');
if (validate(schema, BOARD).length) throw new Error('the board document does not fit the schema');

async function perOperationMs(document: typeof BOARD, seconds = 5): Promise<number> {
  let n = 0;
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const result = await execute({ schema, document, rootValue: root, variableValues: { project: '1' } });
    if (JSON.stringify(result).length < 20) throw new Error('empty result');
    n++;
  }
  return (seconds * 1000) / n;
}

await perOperationMs(BOARD, 2); // warm-up
const board = await perOperationMs(BOARD);
const hello = await perOperationMs(HELLO);
console.log(`board document, graphql-js over memory: ${board.toFixed(3)} ms per operation (${Math.round(1000 / board)} /s)`);
console.log(`{ __typename }, graphql-js over memory: ${hello.toFixed(4)} ms per operation (${Math.round(1000 / hello)} /s)`);
