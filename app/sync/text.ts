/**
 * Cuts text to at most `max` characters (code points, as Xero and MySQL count
 * them), ending with "…" when cut, never inside a character made of two UTF-16
 * units (an emoji, a rare CJK character).
 */
export function fitText(text: string, max: number) {
  if (text.length <= max) return text
  const characters = Array.from(text)
  return characters.length > max ? `${characters.slice(0, max - 1).join('')}…` : text
}

/**
 * A LIKE pattern that finds `term` as typed (its % and _ are not wildcards), at the start of
 * a value or anywhere in it; use with `ESCAPE '!'`, which SQLite and MySQL read the same way.
 */
export function likePattern(term: string, where: 'start' | 'anywhere') {
  const escaped = term.replace(/[!%_]/g, (char) => `!${char}`)
  return where === 'start' ? `${escaped}%` : `%${escaped}%`
}
