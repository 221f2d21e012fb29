// Dotted field paths of an agreement: `driver.documents[*].number`. `[*]` steps into every
// element of an array; nothing else (no indexes, no wildcards over names) is allowed, so a path
// always names a fixed place in the schema.

export type PathSegment = { readonly kind: 'field'; readonly name: string } | { readonly kind: 'items' };

const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Parses a path, or returns the reason it is malformed. */
export function parseFieldPath(path: string): PathSegment[] | string {
  if (path.length === 0) return 'empty field path';
  const segments: PathSegment[] = [];
  for (const part of path.split('.')) {
    const match = /^([^[\]]*)((?:\[\*\])*)$/.exec(part);
    if (!match) return `malformed segment '${part}' (only [*] may follow a field name)`;
    const name = match[1] ?? '';
    if (!NAME.test(name)) return `'${name}' is not a field name`;
    segments.push({ kind: 'field', name });
    const wildcards = (match[2] ?? '').length / 3;
    for (let i = 0; i < wildcards; i++) segments.push({ kind: 'items' });
  }
  return segments;
}

export function formatFieldPath(segments: readonly PathSegment[]): string {
  let out = '';
  for (const segment of segments) {
    if (segment.kind === 'items') out += '[*]';
    else out += out.length === 0 ? segment.name : `.${segment.name}`;
  }
  return out;
}
