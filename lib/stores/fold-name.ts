// The one rule for matching logins and emails ignoring case, shared by every shipped UserStore.

/**
 * The lookup key of a login or email: `String.prototype.toLowerCase()`, which is locale-independent and the same on
 * every host. Two names match exactly when their keys are equal, in {@link MemoryUserStore} and in
 * {@link PostgresUserStore} alike (the PostgreSQL store stores these keys; it never asks the database's collation,
 * whose `lower()` folds U+0130 `İ` to a plain `i` and so would let `admİn` find `admin`).
 *
 * No Unicode normalisation is applied: a precomposed `é` and `e` + U+0301 are different names, and fullwidth
 * `ａｄｍｉｎ` is not `admin`.
 *
 * @example
 * foldName('Admin@Example.COM'); // 'admin@example.com'
 * foldName('\u212Aelvin'); // 'kelvin' (the Kelvin sign folds to ASCII k)
 * foldName('adm\u0130n'); // 'admi\u0307n', not 'admin'
 */
export function foldName(name: string): string {
  return name.toLowerCase();
}

// With the u flag, a well-formed surrogate pair is one code point, so \p{Cs} matches only a lone surrogate.
const LONE_SURROGATE = /\p{Cs}/u;

/**
 * Whether a login or email can be stored at all: PostgreSQL `text` cannot hold U+0000, and a lone surrogate would be
 * turned into U+FFFD on its way to the database (and then match a name that really contains U+FFFD). Stores refuse
 * such names when adding a user and find no one by them.
 */
export function isStorableName(name: string): boolean {
  return !name.includes('\u0000') && !LONE_SURROGATE.test(name);
}
