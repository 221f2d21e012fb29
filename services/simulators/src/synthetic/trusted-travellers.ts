// The programme offices' trusted-traveller registries (deploy/trusted-travellers/<country>.yaml):
// read, validated with every problem named by file and path, and frozen. The traveller generator
// sends these members across; the programme office publishes them as TrustedTravellerStatus.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

import { enumSymbols } from '@puente/contracts';
import { isCountry, type Country } from '@puente/runtime';
import { parse } from 'yaml';

import { SimulatorError } from '../errors.js';

export type TrustedTravellerProgrammeName = 'SENTRI' | 'GLOBAL_ENTRY' | 'VIAJERO_CONFIABLE';
export type TrustedTravellerStanding = 'ACTIVE' | 'SUSPENDED' | 'REVOKED' | 'EXPIRED';

export interface EnrolledDocument {
  readonly documentType: string;
  readonly documentNumber: string;
  readonly issuingCountry: string;
  readonly issuingAuthority: string | null;
  readonly expiresOn: string | null;
}

export interface TrustedTravellerHolder {
  readonly givenNames: string;
  readonly surname: string;
  readonly secondSurname: string | null;
  readonly dateOfBirth: string | null;
  readonly nationalities: readonly string[];
  readonly documents: readonly EnrolledDocument[];
}

export interface TrustedTravellerMember {
  readonly programme: TrustedTravellerProgrammeName;
  readonly membershipId: string;
  readonly status: TrustedTravellerStanding;
  /** YYYY-MM-DD, or null when the membership does not expire. */
  readonly validUntil: string | null;
  readonly holder: TrustedTravellerHolder;
}

export interface TrustedTravellerRegistry {
  /** The issuing country: its programme office publishes on `<country>.trusted-travellers.v1`. */
  readonly country: Country;
  readonly issuingAgency: string;
  readonly members: readonly TrustedTravellerMember[];
}

/** Which country issues each programme, and the membership number it prints. */
export const PROGRAMMES: Readonly<
  Record<TrustedTravellerProgrammeName, { readonly country: Country; readonly id: RegExp; readonly idRule: string }>
> = Object.freeze({
  SENTRI: { country: 'US', id: /^\d{9}$/, idRule: 'a 9-digit PASSID' },
  GLOBAL_ENTRY: { country: 'US', id: /^\d{9}$/, idRule: 'a 9-digit PASSID' },
  VIAJERO_CONFIABLE: { country: 'MX', id: /^VC\d{8}$/, idRule: 'VC followed by 8 digits' },
});
const STATUSES: readonly TrustedTravellerStanding[] = ['ACTIVE', 'SUSPENDED', 'REVOKED', 'EXPIRED'];
const DOCUMENT_TYPES: readonly string[] = enumSymbols.DocumentType.filter((t) => t !== 'OTHER');

/** The authority printed on a document when the file names none. */
function defaultAuthority(documentType: string, issuingCountry: string): string | null {
  if (documentType === 'SENTRI_CARD' || documentType === 'FAST_CARD') return 'U.S. Customs and Border Protection';
  if (documentType === 'VOTER_ID') return 'INE';
  if (issuingCountry === 'MX' && documentType === 'PASSPORT') return 'Secretaría de Relaciones Exteriores';
  if (issuingCountry === 'US' && /^(PASSPORT|PASSPORT_CARD|BORDER_CROSSING_CARD|VISA)$/.test(documentType))
    return 'U.S. Department of State';
  return null;
}

const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));

/** deploy/trusted-travellers/<country>.yaml of this checkout. */
export const trustedTravellerFileOf = (country: Country): string =>
  `${ROOT}deploy/trusted-travellers/${country.toLowerCase()}.yaml`;

type Raw = Record<string, unknown>;
const isRecord = (v: unknown): v is Raw => typeof v === 'object' && v !== null && !Array.isArray(v);

/** Checks `text` (YAML of a registry file) and returns the registry, or throws listing every problem. */
export function parseTrustedTravellerRegistry(text: string, file: string): TrustedTravellerRegistry {
  const problems: string[] = [];
  const problem = (path: string, message: string) => problems.push(`${path}: ${message}`);
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (cause) {
    throw new SimulatorError({
      code: 'INVALID_REGISTRY',
      message: `${file}: not YAML: ${(cause as Error).message}`,
      cause,
    });
  }
  if (!isRecord(doc)) {
    throw new SimulatorError({ code: 'INVALID_REGISTRY', message: `${file}: expected a mapping with members` });
  }

  const unknownKeys = (record: Raw, path: string, allowed: readonly string[]) => {
    for (const key of Object.keys(record))
      if (!allowed.includes(key))
        problem(`${path}${path ? '.' : ''}${key}`, `unknown key (allowed: ${allowed.join(', ')})`);
  };
  const text_ = (record: Raw, key: string, path: string, required: boolean): string | null => {
    const value = record[key];
    if (value === undefined || value === null) {
      if (required) problem(`${path}.${key}`, 'is required');
      return null;
    }
    if (typeof value !== 'string' || value.trim() === '') {
      problem(`${path}.${key}`, `must be a non-blank string, got ${JSON.stringify(value)}`);
      return null;
    }
    return value;
  };
  const date = (record: Raw, key: string, path: string): string | null => {
    const value = record[key];
    if (value === undefined || value === null) return null;
    const ok =
      typeof value === 'string' &&
      /^\d{4}-\d{2}-\d{2}$/.test(value) &&
      new Date(`${value}T00:00:00Z`).toISOString().slice(0, 10) === value;
    if (!ok) {
      problem(`${path}.${key}`, `must be a date YYYY-MM-DD, got ${JSON.stringify(value)}`);
      return null;
    }
    return value;
  };

  unknownKeys(doc, '', ['version', 'country', 'issuingAgency', 'members']);
  if (doc['version'] !== 1) problem('version', `must be 1, got ${JSON.stringify(doc['version'])}`);
  const country = doc['country'];
  if (!isCountry(country)) problem('country', `must be US or MX, got ${JSON.stringify(country)}`);
  const issuingAgency = text_(doc, 'issuingAgency', '', true) ?? '';
  const rawMembers = doc['members'];
  if (!Array.isArray(rawMembers) || rawMembers.length === 0) problem('members', 'must be a non-empty list');

  const members: TrustedTravellerMember[] = [];
  const seen = new Map<string, string>();
  (Array.isArray(rawMembers) ? rawMembers : []).forEach((raw: unknown, index) => {
    const path = `members[${index}]`;
    if (!isRecord(raw)) {
      problem(path, 'must be a mapping');
      return;
    }
    unknownKeys(raw, path, ['programme', 'membershipId', 'status', 'validUntil', 'holder']);
    const programme = raw['programme'];
    const known = typeof programme === 'string' && Object.hasOwn(PROGRAMMES, programme);
    if (!known) {
      problem(
        `${path}.programme`,
        `unknown programme ${JSON.stringify(programme)} (known: ${Object.keys(PROGRAMMES).join(', ')})`,
      );
    } else if (isCountry(country) && PROGRAMMES[programme as TrustedTravellerProgrammeName].country !== country) {
      problem(
        `${path}.programme`,
        `${programme} is issued by ${PROGRAMMES[programme as TrustedTravellerProgrammeName].country}, not ${country}`,
      );
    }
    const membershipId = raw['membershipId'];
    if (typeof membershipId !== 'string') {
      problem(`${path}.membershipId`, `must be a string (quote numbers), got ${JSON.stringify(membershipId)}`);
    } else {
      if (known && !PROGRAMMES[programme as TrustedTravellerProgrammeName].id.test(membershipId))
        problem(
          `${path}.membershipId`,
          `${programme} numbers are ${PROGRAMMES[programme as TrustedTravellerProgrammeName].idRule}, got "${membershipId}"`,
        );
      const earlier = seen.get(membershipId);
      if (earlier) problem(`${path}.membershipId`, `"${membershipId}" is already ${earlier}`);
      seen.set(membershipId, path);
    }
    const status = raw['status'];
    if (!STATUSES.includes(status as TrustedTravellerStanding))
      problem(`${path}.status`, `bad status ${JSON.stringify(status)} (one of ${STATUSES.join(', ')})`);
    const validUntil = date(raw, 'validUntil', path);
    const holder = parseHolder(raw['holder'], `${path}.holder`, { problem, unknownKeys, text: text_, date });
    if (holder && known && typeof membershipId === 'string' && STATUSES.includes(status as TrustedTravellerStanding)) {
      members.push(
        Object.freeze({
          programme: programme as TrustedTravellerProgrammeName,
          membershipId,
          status: status as TrustedTravellerStanding,
          validUntil,
          holder,
        }),
      );
    }
  });

  if (problems.length > 0) {
    throw new SimulatorError({
      code: 'INVALID_REGISTRY',
      message: `${file}: invalid trusted-traveller registry:\n  - ${problems.join('\n  - ')}`,
    });
  }
  return Object.freeze({ country: country as Country, issuingAgency, members: Object.freeze(members) });
}

interface Checks {
  problem(path: string, message: string): void;
  unknownKeys(record: Raw, path: string, allowed: readonly string[]): void;
  text(record: Raw, key: string, path: string, required: boolean): string | null;
  date(record: Raw, key: string, path: string): string | null;
}

function parseHolder(raw: unknown, path: string, checks: Checks): TrustedTravellerHolder | undefined {
  if (!isRecord(raw)) {
    checks.problem(path, 'is required: the member as vetted (names, birth, nationalities, documents)');
    return undefined;
  }
  checks.unknownKeys(raw, path, [
    'givenNames',
    'surname',
    'secondSurname',
    'dateOfBirth',
    'nationalities',
    'documents',
  ]);
  const givenNames = checks.text(raw, 'givenNames', path, true);
  const surname = checks.text(raw, 'surname', path, true);
  const secondSurname = checks.text(raw, 'secondSurname', path, false);
  const dateOfBirth = checks.date(raw, 'dateOfBirth', path);
  const nationalities = raw['nationalities'];
  const nationalitiesOk =
    Array.isArray(nationalities) &&
    nationalities.length > 0 &&
    nationalities.every((n) => typeof n === 'string' && /^[A-Z]{2}$/.test(n));
  if (!nationalitiesOk)
    checks.problem(`${path}.nationalities`, 'must list at least one ISO 3166-1 alpha-2 country code');
  const rawDocuments = raw['documents'];
  if (!Array.isArray(rawDocuments) || rawDocuments.length === 0)
    checks.problem(`${path}.documents`, 'must list at least one enrolled document');
  const documents: EnrolledDocument[] = [];
  (Array.isArray(rawDocuments) ? rawDocuments : []).forEach((d: unknown, index) => {
    const at = `${path}.documents[${index}]`;
    if (!isRecord(d)) {
      checks.problem(at, 'must be a mapping');
      return;
    }
    checks.unknownKeys(d, at, ['documentType', 'documentNumber', 'issuingCountry', 'issuingAuthority', 'expiresOn']);
    const documentType = d['documentType'];
    if (typeof documentType !== 'string' || !DOCUMENT_TYPES.includes(documentType))
      checks.problem(`${at}.documentType`, `unknown document type ${JSON.stringify(documentType)}`);
    const documentNumber = d['documentNumber'];
    if (typeof documentNumber !== 'string' || documentNumber.trim() === '')
      checks.problem(
        `${at}.documentNumber`,
        `must be a non-blank string (quote numbers), got ${JSON.stringify(documentNumber)}`,
      );
    const issuingCountry = d['issuingCountry'];
    if (typeof issuingCountry !== 'string' || !/^[A-Z]{2}$/.test(issuingCountry))
      checks.problem(
        `${at}.issuingCountry`,
        `must be an ISO 3166-1 alpha-2 country code, got ${JSON.stringify(issuingCountry)}`,
      );
    const issuingAuthority = checks.text(d, 'issuingAuthority', at, false);
    const expiresOn = checks.date(d, 'expiresOn', at);
    if (typeof documentType === 'string' && typeof documentNumber === 'string' && typeof issuingCountry === 'string')
      documents.push(
        Object.freeze({
          documentType,
          documentNumber,
          issuingCountry,
          issuingAuthority: issuingAuthority ?? defaultAuthority(documentType, issuingCountry),
          expiresOn,
        }),
      );
  });
  if (!givenNames || !surname || !nationalitiesOk) return undefined;
  return Object.freeze({
    givenNames,
    surname,
    secondSurname,
    dateOfBirth,
    nationalities: Object.freeze([...(nationalities as string[])]),
    documents: Object.freeze(documents),
  });
}

/** Reads and validates one registry file; a missing or unreadable file is an INVALID_REGISTRY error too. */
export function loadTrustedTravellerRegistry(file: string): TrustedTravellerRegistry {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (cause) {
    throw new SimulatorError({
      code: 'INVALID_REGISTRY',
      message: `${file}: cannot read: ${(cause as Error).message}`,
      cause,
    });
  }
  return parseTrustedTravellerRegistry(text, file);
}

/** Whether the registry would confirm the member on `day` (YYYY-MM-DD): ACTIVE and not past validUntil. */
export function inGoodStanding(member: TrustedTravellerMember, day: string): boolean {
  return member.status === 'ACTIVE' && (member.validUntil === null || member.validUntil >= day);
}
