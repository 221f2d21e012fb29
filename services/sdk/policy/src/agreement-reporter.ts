// How the agreement readers report a problem: at the YAML node it concerns, so the problem
// carries that node's line.
import type { Document, Node } from 'yaml';

export interface Reporter {
  problem: (node: Node | null | undefined, at: string | undefined, message: string) => void;
  lineOf: (node: Node | null | undefined) => number | undefined;
  doc: Document;
}
