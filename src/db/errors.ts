/** Did Prisma refuse a write because a unique constraint already holds the value? */
export const isUniqueViolation = (error: unknown): boolean =>
  typeof error === 'object' && error !== null && (error as { code?: string }).code === 'P2002';
