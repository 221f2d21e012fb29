// A country's traveller risk rules (YAML, deploy/risk/<country>-travellers.yaml): which trusted
// traveller programmes its ports honour, which documents carry the RFID chip the Ready Lane reads,
// and the weight of each factor. Parsed once into a frozen object; every problem names the file
// and the path within it.
import { readFileSync } from 'node:fs';

import type { DocumentType, TrustedTravellerProgramme } from '@puente/contracts';
import { COUNTRIES } from '@puente/runtime';
import { z } from 'zod';

import { parseYamlDocument } from './yaml-document.js';

/** The programmes a port can honour; OTHER is never honoured, so a file cannot name it. */
export const HONOURABLE_PROGRAMMES = [
  'SENTRI',
  'GLOBAL_ENTRY',
  'VIAJERO_CONFIABLE',
] as const satisfies readonly Exclude<TrustedTravellerProgramme, 'OTHER'>[];

const DOCUMENT_TYPES = [
  'PASSPORT',
  'PASSPORT_CARD',
  'VISA',
  'BORDER_CROSSING_CARD',
  'PERMANENT_RESIDENT_CARD',
  'VOTER_ID',
  'DRIVER_LICENSE',
  'COMMERCIAL_DRIVER_LICENSE',
  'FAST_CARD',
  'SENTRI_CARD',
  'CURP',
  'RFC',
] as const satisfies readonly Exclude<DocumentType, 'OTHER'>[];

// zod's own enum message lists the options but not the value found; an operator needs both.
const programme = z.enum(HONOURABLE_PROGRAMMES, {
  error: (issue) =>
    `unknown programme ${JSON.stringify(issue.input)}: expected one of ${HONOURABLE_PROGRAMMES.join(', ')}`,
});
const documentType = z.enum(DOCUMENT_TYPES, {
  error: (issue) =>
    `unknown document type ${JSON.stringify(issue.input)}: expected one of ${DOCUMENT_TYPES.join(', ')}`,
});
const weight = z.number().min(-1).max(1);

const rulesSchema = z
  .strictObject({
    country: z.enum(COUNTRIES),
    agency: z.string().min(1),
    modelVersion: z.string().min(1),
    validityHours: z.number().positive(),
    /** Programmes whose memberships this country's ports honour, confirmed by its own registry. */
    programmes: z.array(programme).min(1),
    /** Documents with the RFID chip the Ready Lane readers take. */
    rfidDocumentTypes: z.array(documentType).min(1),
    /** Lowest score of each level above LOW. */
    thresholds: z.strictObject({ MEDIUM: z.number(), HIGH: z.number(), CRITICAL: z.number() }),
    weights: z.strictObject({
      watchlistConfirmedMatch: weight,
      watchlistPotentialMatch: weight,
      /** No screening result when the join gave up waiting. */
      screeningIncomplete: weight,
      /** Queued in the trusted-traveller lane without a membership the registry confirms. */
      trustedLaneWithoutConfirmedMembership: weight,
      /** A claimed membership the registry does not confirm (not found, suspended, revoked, expired, another holder). */
      membershipNotConfirmed: weight,
      /** A claimed membership in a programme these ports do not honour (or the other country's). */
      programmeNotHonoured: weight,
      /** A membership the registry confirms: vetted, so usually negative. */
      trustedTravellerConfirmed: weight,
      readyLaneRfidDocument: weight,
      /** Queued in the Ready Lane without an RFID document. */
      readyLaneWithoutRfidDocument: weight,
    }),
  })
  .superRefine((rules, ctx) => {
    const { MEDIUM, HIGH, CRITICAL } = rules.thresholds;
    if (!(0 < MEDIUM && MEDIUM < HIGH && HIGH < CRITICAL && CRITICAL <= 1)) {
      ctx.addIssue({ code: 'custom', path: ['thresholds'], message: 'need 0 < MEDIUM < HIGH < CRITICAL <= 1' });
    }
  });

export type TravellerRules = Readonly<z.infer<typeof rulesSchema>>;

export function parseTravellerRules(text: string, source = 'traveller risk rules'): TravellerRules {
  return Object.freeze(parseYamlDocument(rulesSchema, text, source, 'INVALID_RULES'));
}

export function loadTravellerRules(file: string): TravellerRules {
  return parseTravellerRules(readFileSync(file, 'utf8'), file);
}
