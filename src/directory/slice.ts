// Text from a span of a Buffer, for the wire decoder, which makes one string per attribute value
// (half a million at a hundred thousand users). `buf.toString(encoding, start, end)` checks and
// normalises its arguments and looks the encoding up on every call before it slices; Buffer's own
// slicing methods do only the slicing. They are not in Node's documented API, so where a Node
// lacks them the documented call is used instead.

interface Slicing {
  utf8Slice?: (start: number, end: number) => string;
  latin1Slice?: (start: number, end: number) => string;
}

const slicing = Buffer.prototype as unknown as Slicing;

/** `buf.toString('utf8', start, end)`, for `0 <= start <= end <= buf.length`. */
export const utf8Text: (buf: Buffer, start: number, end: number) => string =
  typeof slicing.utf8Slice === 'function' ? (buf, start, end) => (buf as unknown as Required<Slicing>).utf8Slice(start, end) : (buf, start, end) => buf.toString('utf8', start, end);

/** `buf.toString('latin1', start, end)`, for `0 <= start <= end <= buf.length`. */
export const latin1Text: (buf: Buffer, start: number, end: number) => string =
  typeof slicing.latin1Slice === 'function' ? (buf, start, end) => (buf as unknown as Required<Slicing>).latin1Slice(start, end) : (buf, start, end) => buf.toString('latin1', start, end);
