/**
 * The line layer between `/watch`'s decoded text and eventsource-parser. It hands the parser only
 * complete lines, each ended by LF, and holds a partial line back itself. That does two things
 * however TCP split the bytes:
 * - a line ended by CR is handed over at once. The parser, left to itself, must hold a CR at the
 *   end of a chunk until it sees whether LF follows, so a CR-only frame waited for the next chunk
 *   and was lost at EOF.
 * - maxFrameSize holds for the bytes themselves: every line (any field, comments included) and
 *   every frame's data. Checked here, line by line, before the parser buffers anything.
 * Field names are read only to count a frame's data and to name the frame in the error; the
 * parser still turns lines into frames.
 */
import { WatchEventParseError } from "../errors.ts";

const LF = 10;
const SPACE = 32;
/** How much of a line's start is kept apart: enough for every field name the limit reads. */
const HEAD = 32;

export interface WatchLinesFed {
  /** Complete lines for the parser, each ended by LF; those before any line over the limit. */
  lines: string;
  /** The first line or frame over the limit; the stream is broken there. */
  tooLarge?: WatchEventParseError;
}

export class WatchLines {
  readonly #maxFrameSize: number;
  /**
   * The line not ended yet: its pieces, its length and its first HEAD characters. Checking it
   * reads only these, so a line trickling in byte by byte costs no rescan per chunk.
   */
  #pieces: string[] = [];
  #length = 0;
  #head = "";
  /** The last text ended in CR: an LF opening the next one completes that CRLF. */
  #afterCR = false;
  /** The frame being read: its `event` and `id` (to name it), its data length so far (-1: no data line). */
  #type = "";
  #id = "";
  #dataLength = -1;

  constructor(maxFrameSize: number) {
    this.#maxFrameSize = maxFrameSize;
  }

  /** Takes the next decoded text of the stream. */
  push(text: string): WatchLinesFed {
    let start = 0;
    if (this.#afterCR && text !== "") {
      this.#afterCR = false;
      if (text.charCodeAt(0) === LF) start = 1;
    }
    let lines = "";
    let cr = text.indexOf("\r", start);
    let lf = text.indexOf("\n", start);
    while (cr >= 0 || lf >= 0) {
      const end = cr < 0 ? lf : lf < 0 ? cr : Math.min(cr, lf);
      const rest = text.slice(start, end);
      const line = this.#pieces.length === 0 ? rest : this.#pieces.join("") + rest;
      const tooLarge = this.#check(line, line.length);
      if (tooLarge) return { lines, tooLarge };
      this.#read(line);
      this.#pieces = [];
      this.#length = 0;
      this.#head = "";
      lines += `${line}\n`;
      const crlf = end === cr && lf === cr + 1;
      start = crlf ? end + 2 : end + 1;
      // A CR last in the text may be the first half of a CRLF split across chunks.
      if (end === cr && !crlf && start === text.length) this.#afterCR = true;
      if (cr >= 0 && cr < start) cr = text.indexOf("\r", start);
      if (lf >= 0 && lf < start) lf = text.indexOf("\n", start);
    }
    this.#append(text.slice(start));
    // Checked before the line ends, so a line that never ends is cut off at the limit.
    return { lines, tooLarge: this.#check(this.#head, this.#length) };
  }

  /** Keeps a piece of the line not ended yet. */
  #append(piece: string): void {
    if (piece === "") return;
    this.#pieces.push(piece);
    this.#length += piece.length;
    if (this.#head.length < HEAD) this.#head += piece.slice(0, HEAD - this.#head.length);
  }

  /**
   * The error if a line of `length` characters starting with `head`, or the data it adds to its
   * frame, is over the limit; the line may not have ended yet.
   */
  #check(head: string, length: number): WatchEventParseError | undefined {
    const max = this.#maxFrameSize;
    const { field, colon } = fieldOf(head);
    if (field === "data") {
      const value = length - valueStart(head, colon, length);
      if (this.#dataLength + 1 + value <= max) return undefined;
      return this.#error(`frame larger than ${max} characters`);
    }
    if (length <= max) return undefined;
    const what =
      colon === 0 ? "a comment" : `field "${field.length > 20 ? `${field.slice(0, 20)}…` : field}"`;
    return this.#error(`line larger than ${max} characters (${what})`);
  }

  /** Follows the frame an ended line belongs to, as SSE reads it. */
  #read(line: string): void {
    if (line === "") {
      this.#type = "";
      this.#id = "";
      this.#dataLength = -1;
      return;
    }
    const { field, colon } = fieldOf(line);
    const value = valueStart(line, colon, line.length);
    if (field === "data") this.#dataLength += 1 + (line.length - value);
    else if (field === "event") this.#type = line.slice(value);
    else if (field === "id") this.#id = line.slice(value);
  }

  #error(reason: string): WatchEventParseError {
    return new WatchEventParseError(this.#type, this.#id, "", new Error(reason));
  }
}

/** A line's field name and its colon (-1 when none), read off the line or its first HEAD characters. */
function fieldOf(head: string): { field: string; colon: number } {
  const colon = head.indexOf(":");
  return { field: colon < 0 ? head : head.slice(0, colon), colon };
}

/** Where a field's value starts: after the colon and one optional space; a line without a colon has none. */
function valueStart(head: string, colon: number, length: number): number {
  if (colon < 0) return length;
  return head.charCodeAt(colon + 1) === SPACE ? colon + 2 : colon + 1;
}
