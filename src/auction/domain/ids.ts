/** A canonical UUID (any version): the only auction and key ids PostgreSQL's uuid type accepts. */
export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(id: string): boolean {
  return UUID.test(id);
}

/** UUIDs are case-insensitive; rows, queue keys and feeds use PostgreSQL's lower case. */
export function canonicalId(id: string): string {
  return id.toLowerCase();
}
