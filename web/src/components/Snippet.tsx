// A search hit's snippet with the matched words marked. The API sends the text and the
// [start, end) offsets of its matches, never markup: the marks are cut from the text here and
// rendered as text nodes inside <mark>, so a message can never inject HTML.

export interface Piece { text: string; marked: boolean }

/** The snippet cut at its highlights. Offsets count characters (code points), as Python does,
 * so an emoji before a match does not shift it; overlapping or out-of-range offsets are
 * merged and clamped. */
export function piecesOf(snippet: string, highlights: [number, number][]): Piece[] {
  const chars = Array.from(snippet);
  const ranges = highlights
    .map(([start, end]) => [Math.max(0, start), Math.min(chars.length, end)] as const)
    .filter(([start, end]) => end > start)
    .sort((a, b) => a[0] - b[0] || a[1] - b[1]);
  const pieces: Piece[] = [];
  let at = 0;
  for (const [start, end] of ranges) {
    const from = Math.max(start, at);
    if (end <= from) continue;
    if (from > at) pieces.push({ text: chars.slice(at, from).join(""), marked: false });
    pieces.push({ text: chars.slice(from, end).join(""), marked: true });
    at = end;
  }
  if (at < chars.length) pieces.push({ text: chars.slice(at).join(""), marked: false });
  return pieces;
}

export function Snippet({ text, highlights }: { text: string; highlights: [number, number][] }) {
  return (
    <p class="snippet">
      {piecesOf(text, highlights).map((piece, n) => piece.marked
        ? <mark key={n} class="match">{piece.text}</mark>
        : piece.text)}
    </p>
  );
}
