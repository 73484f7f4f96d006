/**
 * Lua shared by the scripts of every domain. A script opens with its contract comment, then
 * binds its inputs to named locals (lib/redis/script.ts), then splices the fragments it uses;
 * a fragment reads the host's locals by name and says which in its first lines
 * (`-- needs: a, b`), which tests/unit/script-contracts.test.ts checks.
 */

/** Lua 5.1 (Redis) has a global unpack; 5.3 engines (the in-process fallback) have table.unpack. */
export const UNPACK_LUA = `local unpack = unpack or table.unpack
`;
