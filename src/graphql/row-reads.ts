// What a query reads of a row: the columns its fields need, and the relations (with what they
// need in turn), so a hand-written page (the board's) reads those and no more. An exposed field
// reads its column; a field with a resolver says what it reads with `readsRow`, next to that
// resolver; a field that says nothing reads every column, so a new field is never short of data.
import { getNamedType, isObjectType, Kind, type FieldNode, type GraphQLObjectType, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';
import type { RowReads } from '../db/client.ts';

interface FieldReads {
  columns: readonly string[];
  /** The relation the field resolves to; its own selection says what it reads of that row. */
  relation?: string;
}

/** A field's `extensions`: the columns its resolver reads, and the relation it returns, if any. */
export const readsRow = (columns: readonly string[], relation?: string) => ({ rowReads: { columns, relation } satisfies FieldReads });

/**
 * The fields of a selection, through its fragments. Type conditions and directives are ignored:
 * a field that does not apply only makes the page read more than it needs.
 */
function selectedFields(info: GraphQLResolveInfo, selectionSet: SelectionSetNode, into: FieldNode[] = []): FieldNode[] {
  for (const selection of selectionSet.selections) {
    if (selection.kind === Kind.FIELD) into.push(selection);
    else if (selection.kind === Kind.INLINE_FRAGMENT) selectedFields(info, selection.selectionSet, into);
    else {
      const fragment = info.fragments[selection.name.value];
      if (fragment) selectedFields(info, fragment.selectionSet, into);
    }
  }
  return into;
}

function addReads(into: RowReads, info: GraphQLResolveInfo, selectionSet: SelectionSetNode, type: GraphQLObjectType): void {
  for (const node of selectedFields(info, selectionSet)) {
    const field = type.getFields()[node.name.value];
    if (!field) continue; // __typename
    const exposed = field.extensions?.pothosExposedField;
    const declared = field.extensions?.rowReads as FieldReads | undefined;
    const columns = typeof exposed === 'string' ? [exposed] : declared?.columns;
    if (!columns) into.columns = 'all';
    else if (into.columns !== 'all') for (const column of columns) into.columns.add(column);
    const nested = getNamedType(field.type);
    if (declared?.relation && node.selectionSet && isObjectType(nested)) {
      let relation = into.relations.get(declared.relation);
      if (!relation) into.relations.set(declared.relation, (relation = { columns: new Set(), relations: new Map() }));
      addReads(relation, info, node.selectionSet, nested);
    }
  }
}

const readsByField = new WeakMap<FieldNode, RowReads>();

/**
 * What the current field's selection reads of the rows of object type `typeName` found at each of
 * `paths` below it (a connection: `['edges', 'node']` and `['nodes']`). Kept per field of a parsed
 * document, which the parse cache reuses.
 */
export function rowReadsOf(info: GraphQLResolveInfo, typeName: string, paths: readonly (readonly string[])[]): RowReads {
  const key = info.fieldNodes[0]!;
  const known = readsByField.get(key);
  if (known && info.fieldNodes.length === 1) return known;
  const type = info.schema.getType(typeName);
  if (!isObjectType(type)) throw new Error(`${typeName} is not an object type`);
  const reads: RowReads = { columns: new Set(), relations: new Map() };
  const walk = (selectionSet: SelectionSetNode | undefined, path: readonly string[]) => {
    if (!selectionSet) return;
    if (path.length === 0) return addReads(reads, info, selectionSet, type);
    for (const node of selectedFields(info, selectionSet)) if (node.name.value === path[0]) walk(node.selectionSet, path.slice(1));
  };
  for (const fieldNode of info.fieldNodes) for (const path of paths) walk(fieldNode.selectionSet, path);
  if (info.fieldNodes.length === 1) readsByField.set(key, reads);
  return reads;
}
