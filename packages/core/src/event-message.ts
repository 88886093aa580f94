/**
 * The one rule for the text of an Event the adaptor records: one line (`kubectl get events`
 * shows a message up to its first line break), at most {@link EVENT_MESSAGE_LIMIT} bytes of
 * UTF-8 (the limit Kubernetes puts on an Event's note), cut with an ellipsis when longer.
 *
 * @packageDocumentation
 */

/** The most bytes (UTF-8) of an Event message: Kubernetes' limit on an Event's note. */
export const EVENT_MESSAGE_LIMIT = 1024;

const ELLIPSIS = "…";

/** UTF-8 length of one code point (a lone surrogate is written as U+FFFD, 3 bytes). */
function utf8Length(codePoint: number): number {
  return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
}

/** The length of `text` in bytes of UTF-8. */
export function utf8ByteLength(text: string): number {
  let bytes = 0;
  for (const ch of text) bytes += utf8Length(ch.codePointAt(0) ?? 0);
  return bytes;
}

/**
 * `text` as an Event message: every line break or other control character (and the spaces
 * around it) becomes one space, and a message over {@link EVENT_MESSAGE_LIMIT} bytes is cut at
 * a character boundary, preferably after a word, and ends with `…`.
 */
export function eventMessage(text: string, limit = EVENT_MESSAGE_LIMIT): string {
  // eslint-disable-next-line no-control-regex
  const line = text.replace(/[ \t]*[\u0000-\u001f\u007f\u2028\u2029]+[ \t]*/g, " ").trim();
  if (utf8ByteLength(line) <= limit) return line;
  const room = limit - utf8ByteLength(ELLIPSIS);
  let bytes = 0;
  let end = 0;
  for (const ch of line) {
    const size = utf8Length(ch.codePointAt(0) ?? 0);
    if (bytes + size > room) break;
    bytes += size;
    end += ch.length;
  }
  let cut = line.slice(0, end);
  // Cut after the last whole word when one ends in the last 64 characters.
  const space = cut.lastIndexOf(" ");
  if (space > 0 && cut.length - space <= 64) cut = cut.slice(0, space);
  return `${cut.trimEnd()}${ELLIPSIS}`;
}

/**
 * `items` joined by `separator` within `budget` bytes: as many as fit, then `more(n)` for the
 * `n` left out (at least one item is always shown).
 */
export function joinWithin(
  items: readonly string[],
  separator: string,
  budget: number,
  more: (left: number) => string,
): string {
  let shown = items.length;
  const text = (n: number) =>
    n === items.length
      ? items.join(separator)
      : `${items.slice(0, n).join(separator)}${separator}${more(items.length - n)}`;
  while (shown > 1 && utf8ByteLength(text(shown)) > budget) shown--;
  return text(shown);
}
