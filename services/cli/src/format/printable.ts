// Text from records, the gateway or files shown on a terminal: control characters (C0 but the
// newline, DEL, C1) and bidirectional overrides are written as escapes (`\x1b`, `\u{202e}`), so
// data cannot move the cursor, retitle or clear the terminal, or reorder what is shown. The only
// escape sequences that pass are the colours this CLI writes itself, and only when colour is on.
// (`--json` output is not passed through here: JSON escapes what it must, for scripts.)

// eslint-disable-next-line no-control-regex
const UNSAFE = /(\u001b\[(?:1|2|22|31|32|33|39)m)|[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g;

const escape = (char: string): string => {
  const code = char.codePointAt(0) ?? 0;
  return code < 0x100 ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16)}}`;
};

export function printable(text: string, keepColour: boolean): string {
  return text.replace(UNSAFE, (match: string, colour: string | undefined) =>
    colour === undefined ? escape(match) : keepColour ? colour : `${escape('\u001b')}${colour.slice(1)}`,
  );
}
