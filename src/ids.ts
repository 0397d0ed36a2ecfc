import { ulid } from 'ulid';

/** Opaque, sortable public ids with a type prefix: `ws_01J…`, `prj_…`, `usr_…`, `tok_…`. */
export const newId = (prefix: string): string => `${prefix}_${ulid().toLowerCase()}`;
