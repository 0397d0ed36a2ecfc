// Relay's Node (GRAPHQL.md): every board object has one opaque global id, so a client keys its
// cache on one string and refetches any card with `node(id:)` / `nodes(ids:)`. The id the REST
// routes use stays readable as `databaseId`. Arguments naming an object take its global id, or
// the database id people copy from a REST answer or a URL.
import { DomainError, NotFound, ValidationFailed } from '../errors.ts';
import { builder, type GraphQLContext } from './builder.ts';
import { readsRow } from './row-reads.ts';

const NODE_TYPE = Symbol('node type');
type NodeSource = { id: number | string; [NODE_TYPE]?: string };

interface NodeKind<Id> {
  /** The database id a text names, or null when it cannot be one of this kind's ids. */
  parseId: (text: string) => Id | null;
  /** The object if the caller may read it; throws NotFound (or a refusal) otherwise. */
  load: (ctx: GraphQLContext, id: Id) => Promise<object | null>;
}

const KINDS = new Map<string, NodeKind<never>>();

/**
 * Encoded ids by kind, kept for the next answer that names the same object (a board names each
 * card, its project and its issue on every read: encoding each one anew was ~1.5% of the uncached
 * board's CPU and 3% of its allocations). Bounded: emptied when it reaches its size.
 */
const encodedIds = new Map<string, Map<number | string, string>>();
const MAX_ENCODED_IDS_PER_KIND = 5_000;
const encodeText = (typename: string, id: number | string) => Buffer.from(`${typename}:${id}`, 'utf8').toString('base64url');

export function encodeGlobalId(typename: string, id: number | string): string {
  let ofKind = encodedIds.get(typename);
  if (!ofKind) encodedIds.set(typename, (ofKind = new Map()));
  let encoded = ofKind.get(id);
  if (encoded === undefined) {
    if (ofKind.size >= MAX_ENCODED_IDS_PER_KIND) ofKind.clear();
    encoded = encodeText(typename, id);
    ofKind.set(id, encoded);
  }
  return encoded;
}

/** `{typename, id}` of a canonical global id of a registered kind; null for anything else. */
function decodeGlobalId(raw: string): { typename: string; text: string } | null {
  if (!/^[A-Za-z0-9_-]{4,200}$/.test(raw)) return null;
  const decoded = Buffer.from(raw, 'base64url').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon <= 0) return null;
  const typename = decoded.slice(0, colon);
  const text = decoded.slice(colon + 1);
  if (!KINDS.has(typename) || encodeText(typename, text) !== raw) return null; // a client's text: not kept
  return { typename, text };
}

/** Numeric database ids as PostgreSQL's `int` holds them. */
export const intDatabaseId = (text: string): number | null => {
  if (!/^\d{1,10}$/.test(text)) return null;
  const id = Number(text);
  return id >= 1 && id <= 2_147_483_647 ? id : null;
};
export const prefixedDatabaseId = (prefix: string) => (text: string): string | null =>
  text.startsWith(`${prefix}_`) && /^[a-z]+_[0-9a-z]{1,64}$/.test(text) ? text : null;

export interface NodeKindRef<Id> {
  typename: string;
  /** The database id an argument names: this kind's global id, or its database id as typed. */
  idOf: (raw: string | number, field?: string) => Id;
  /** idOf for an optional argument: null and undefined pass through. */
  optionalIdOf: (raw: string | number | null | undefined, field: string) => Id | null | undefined;
  /** For arguments that also take other spellings (slugs): a global id becomes its database id, anything else passes as typed. */
  refOf: (raw: string | number) => string;
  globalIdOf: (id: Id & (string | number)) => string;
}

/** Registers a type as a Node kind: how its database ids look and how a visible one is loaded. */
export function defineNodeKind<Id>(typename: string, kind: NodeKind<Id>): NodeKindRef<Id> {
  KINDS.set(typename, kind as unknown as NodeKind<never>);
  const idOf = (raw: string | number, field = 'id'): Id => {
    const text = String(raw);
    const global = decodeGlobalId(text);
    const id = global ? (global.typename === typename ? kind.parseId(global.text) : null) : kind.parseId(text);
    if (id === null) throw ValidationFailed.field(field, `Not a ${typename} id.`);
    return id;
  };
  return {
    typename,
    idOf,
    optionalIdOf: (raw, field) => (raw === null || raw === undefined ? raw : idOf(raw, field)),
    globalIdOf: (id) => encodeGlobalId(typename, id),
    refOf: (raw) => {
      const global = decodeGlobalId(String(raw));
      return global?.typename === typename ? global.text : String(raw);
    },
  };
}

export const NodeInterface = builder.interfaceRef<NodeSource>('Node').implement({
  description: 'An object with an opaque global id, refetchable with `node(id:)`.',
  resolveType: (node) => node[NODE_TYPE] ?? null,
  fields: (t) => ({
    id: t.id({
      description: 'Opaque global id: one id type for every kind.',
      extensions: readsRow(['id']),
      resolve: (node, _args, _ctx, info) => encodeGlobalId(info.parentType.name, node.id),
    }),
  }),
});

/** The object a global id names, if the caller may read it; NotFound for every other case alike. */
async function loadNode(ctx: GraphQLContext, raw: string): Promise<NodeSource> {
  const global = decodeGlobalId(raw);
  const kind = global && KINDS.get(global.typename);
  const id = kind && kind.parseId(global.text);
  const node = id === null || id === undefined || !kind ? null : ((await kind.load(ctx, id)) as NodeSource | null);
  if (!node) throw new NotFound(`Node "${raw}"`);
  return Object.assign(node, { [NODE_TYPE]: global!.typename });
}

const MAX_NODES = 100;

builder.queryFields((t) => ({
  node: t.field({
    type: NodeInterface,
    nullable: true,
    authScopes: { authenticated: true },
    description: 'Any object by its global id; null (with not_found in errors) when it does not exist or is not yours to read.',
    args: { id: t.arg.id() },
    resolve: (_root, args, ctx) => loadNode(ctx, String(args.id)),
  }),
  nodes: t.field({
    type: [NodeInterface],
    nullable: { list: false, items: true },
    authScopes: { authenticated: true },
    description: `Several objects by global id (at most ${MAX_NODES}), in the order asked; null for each that cannot be read.`,
    args: { ids: t.arg.idList() },
    resolve: async (_root, args, ctx) => {
      if (args.ids.length > MAX_NODES) throw ValidationFailed.field('ids', `Ask for at most ${MAX_NODES} ids.`);
      return Promise.all(
        args.ids.map((id) =>
          loadNode(ctx, String(id)).catch((error: unknown) => {
            if (error instanceof DomainError && error.code !== 'unauthenticated' && error.code !== 'token_expired') return null;
            throw error;
          }),
        ),
      );
    },
  }),
}));
