// What this store needs of pg, and how it reads what pg hands back. Structural, so neither the store nor its
// declarations need pg installed.

/** The part of a `pg.Pool` or `pg.Client` this store uses. */
export interface PgQueryable {
  query(text: string, params?: unknown[]): Promise<{ rows: Record<string, unknown>[]; rowCount: number | null }>;
}

/** One row of a result, as pg hands it back. */
export type Row = Record<string, unknown>;

/** The SQLSTATE of an error from pg (`'23505'` for a unique violation), or undefined for any other error. */
export function pgErrorCode(error: unknown): unknown {
  return typeof error === 'object' && error !== null && 'code' in error ? error.code : undefined;
}

/** Whether a statement changed any row: pg reports null for statements that do not count rows. */
export function changedAny(result: { rowCount: number | null }): boolean {
  return (result.rowCount ?? 0) > 0;
}
