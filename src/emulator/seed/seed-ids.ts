/** Ids the emulator drew for seeded objects, by the names the seed uses for them. */
export interface SeedIds {
  organizations: Map<string, string>;
  users: Map<string, string>;
  connections: Map<string, string>;
}

/** The id of a seeded object by its seed name; a dangling reference is a bug in the seed. */
export function lookupSeedId(map: Map<string, string>, key: string, what: string): string {
  const id = map.get(key);
  if (!id) throw new Error(`seed refers to unknown ${what} "${key}"`);
  return id;
}
