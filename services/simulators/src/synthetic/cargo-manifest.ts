// Synthetic advance cargo manifests: CBP sees northbound trucks (Mexico → US), ANAM southbound
// ones (US → Mexico). Real ports and HS codes, plausible fake plates, VINs and seals, trusted
// shippers from deploy/trusted-shippers, and a configurable share of deliberate watchlist hits.
import type { Country } from '@puente/runtime';

import {
  NORTHBOUND_GOODS,
  RISKY_NORTHBOUND,
  RISKY_SOUTHBOUND,
  SOUTHBOUND_GOODS,
  type GoodsTemplate,
  type Sector,
} from './goods.js';
import {
  compileGeneratorOptions,
  eventMeta,
  PUBLISHING_AGENCY,
  topicOf,
  type GeneratedEvent,
  type GeneratorOptions,
  type WatchlistHit,
} from './meta.js';
import {
  americanAddress,
  fullName,
  isoDate,
  mexicanAddress,
  organization,
  person,
  scacOf,
  type JsonRecord,
  type OrganizationJson,
  type PersonJson,
} from './parties.js';
import { pickCrossing, type BorderCrossing } from './ports.js';
import type { Rng } from './prng.js';
import type { TrustedShipper } from './reference-data.js';
import { organizationVariant, personVariant } from './watchlist-hits.js';

const SECTORS: readonly (readonly [Exclude<Sector, 'risky'>, number])[] = [
  ['autoParts', 4],
  ['produce', 3],
  ['electronics', 3],
  ['textiles', 1],
  ['general', 2],
];

const TRUCKS = [
  ['3AK', 'Freightliner Cascadia'],
  ['1FU', 'Freightliner Columbia'],
  ['1XK', 'Kenworth T680'],
  ['3WK', 'Kenworth T880'],
  ['1XP', 'Peterbilt 579'],
  ['3HS', 'International LT'],
  ['4V4', 'Volvo VNL 860'],
] as const;
const COLOURS = ['white', 'red', 'blue', 'silver', 'black', 'green', 'burgundy'];
const VIN_CHARS = 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789';
const VIN_VALUES: Record<string, number> = Object.fromEntries(
  [...'ABCDEFGHJKLMNPRSTUVWXYZ'].map((c, i) => [
    c,
    [1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4, 5, 7, 9, 2, 3, 4, 5, 6, 7, 8, 9][i] ?? 0,
  ]),
);
const VIN_WEIGHTS = [8, 7, 6, 5, 4, 3, 2, 10, 0, 9, 8, 7, 6, 5, 4, 3, 2];

/** A 17-character VIN with a valid check digit (ISO 3779 / 49 CFR 565); the serial is random. */
export function fakeVin(rng: Rng, wmi: string): string {
  const year = rng.pick(['J', 'K', 'L', 'M', 'N', 'P', 'R', 'S']);
  const chars = [...`${wmi}${rng.letters(5, VIN_CHARS)}0${year}${rng.letters(1, VIN_CHARS)}${rng.digits(6)}`];
  const sum = chars.reduce(
    (acc, c, i) => acc + (/\d/.test(c) ? Number(c) : (VIN_VALUES[c] ?? 0)) * (VIN_WEIGHTS[i] ?? 0),
    0,
  );
  chars[8] = sum % 11 === 10 ? 'X' : String(sum % 11);
  return chars.join('');
}

const mxPlate = (rng: Rng) => `${rng.digits(2)}-${rng.letters(2)}-${rng.digits(1)}${rng.letters(1)}`;
const usPlate = (rng: Rng, state: string) => `${state} ${rng.letters(1)}${rng.digits(2)}-${rng.digits(4)}`;

function sectorOf(name: string): Exclude<Sector, 'risky'> {
  if (/automotri|auto|troquel|arnes|drivetrain/i.test(name)) return 'autoParts';
  if (/textil|confecc|apparel|garment/i.test(name)) return 'textiles';
  if (/electr[oó]nic|tecnolog/i.test(name)) return 'electronics';
  if (/agr[ií]col|produce|hortaliz|fresh|farms/i.test(name)) return 'produce';
  return 'general';
}

/** A certified company as it appears in a manifest: its registry name, identifiers and membership. */
export function trustedOrganization(
  rng: Rng,
  shipper: TrustedShipper,
  crossing: BorderCrossing | null,
): OrganizationJson {
  return {
    name: shipper.name,
    tradeName: null,
    countryCode: shipper.countryCode,
    identifiers: shipper.identifiers.map((i) => ({ ...i })),
    address: shipper.countryCode === 'MX' ? mexicanAddress(rng, crossing) : americanAddress(rng, crossing),
    trustedTraderMemberships: [
      {
        programme: shipper.programme,
        membershipId: shipper.membershipId,
        tier: shipper.tier,
        validUntil: shipper.validUntil,
      },
    ],
  };
}

function goodsLines(
  rng: Rng,
  options: {
    direction: 'NORTHBOUND' | 'SOUTHBOUND';
    sector: Exclude<Sector, 'risky'>;
    risky: boolean;
    rail: boolean;
    currency: string;
  },
): JsonRecord[] {
  const catalogue = options.direction === 'NORTHBOUND' ? NORTHBOUND_GOODS : SOUTHBOUND_GOODS;
  const inSector = catalogue.filter((g) => g.sector === options.sector);
  const pool = inSector.length > 0 ? inSector : catalogue;
  const templates: GoodsTemplate[] = rng.sample(
    pool,
    rng.weighted([
      [1, 5],
      [2, 3],
      [3, 2],
      [4, 1],
    ] as const),
  );
  if (options.risky) {
    const risky = rng.pick(options.direction === 'NORTHBOUND' ? RISKY_NORTHBOUND : RISKY_SOUTHBOUND);
    if (rng.chance(0.5) || templates.length === 1) templates.push(risky);
    else templates[templates.length - 1] = risky;
  }
  const budgetKg = rng.int(6_000, 20_000) * (options.rail ? 4 : 1);
  const fx = options.currency === 'MXN' ? 17 + rng.next() * 3 : 1;
  return templates.map((g, i) => {
    const perPackage = (g.perPackage[0] + g.perPackage[1]) / 2;
    const packages = Math.max(1, Math.round(budgetKg / templates.length / (perPackage * g.kgPerUnit)) - rng.int(0, 3));
    const quantity = Math.max(1, Math.round(packages * rng.int(g.perPackage[0], g.perPackage[1])));
    const unitValue = g.unitValue[0] + rng.next() * (g.unitValue[1] - g.unitValue[0]);
    return {
      lineNumber: i + 1,
      hsCode: g.hs,
      nationalTariffCode: rng.chance(0.7)
        ? `${g.hs}${options.direction === 'NORTHBOUND' ? rng.digits(4) : `${rng.digits(2)}${rng.pick(['00', '01', '02', '99'])}`}`
        : null,
      description: g.description,
      quantity: quantity.toFixed(3),
      unitOfMeasure: g.unit,
      packageCount: packages,
      packageType: g.packageType,
      grossWeightKg: (quantity * g.kgPerUnit * (1.02 + rng.next() * 0.08)).toFixed(3),
      declaredValue: (quantity * unitValue * fx).toFixed(2),
      currency: options.currency,
      originCountry: rng.chance(0.85) ? (g.origins[0] ?? 'MX') : rng.pick(g.origins),
      dangerousGoodsUnNumber: g.dangerousGoods ?? null,
    };
  });
}

/** Whether the registry holds the shipper in good standing on `today` (YYYY-MM-DD): not suspended, not expired. */
export function shipperInGoodStanding(shipper: TrustedShipper, today: string): boolean {
  return !shipper.suspended && (shipper.validUntil === null || shipper.validUntil >= today);
}

/**
 * Pre-clearance as filed: certified shippers file ahead and are mostly CLEARED (so FAST-eligible
 * when the registry confirms them); others are cleared far less often.
 */
function preClearanceStatusOf(
  rng: Rng,
  parties: readonly OrganizationJson[],
  registry: { readonly shippers: readonly TrustedShipper[]; readonly today: string },
): 'CLEARED' | 'PENDING' | 'NOT_SUBMITTED' {
  const certified = parties.some((party) =>
    party.trustedTraderMemberships.some((m) =>
      registry.shippers.some((s) => s.membershipId === m['membershipId'] && shipperInGoodStanding(s, registry.today)),
    ),
  );
  return rng.weighted(
    certified
      ? ([
          ['CLEARED', 85],
          ['PENDING', 15],
        ] as const)
      : ([
          ['CLEARED', 25],
          ['PENDING', 55],
          ['NOT_SUBMITTED', 20],
        ] as const),
  );
}

/**
 * One cargo manifest as the country's customs agency receives it: CBP (US) for northbound
 * crossings, ANAM (MX) for southbound ones. Returns the event with its topic, key and any
 * deliberate watchlist hit.
 */
export function generateCargoManifest(rng: Rng, country: Country, options: GeneratorOptions = {}): GeneratedEvent {
  const compiled = compileGeneratorOptions(options);
  const now = compiled.now();
  const reference = compiled.reference[country];
  const northbound = country === 'US';
  const direction = northbound ? 'NORTHBOUND' : 'SOUTHBOUND';
  const exporter: Country = northbound ? 'MX' : 'US';
  const crossing = pickCrossing(rng);
  const sector = rng.weighted(SECTORS);
  const partyOptions = { now, crossing };
  const trusted = (filter: (s: TrustedShipper) => boolean, p: number): TrustedShipper | undefined => {
    const candidates = reference.trustedShippers.filter(filter);
    return candidates.length > 0 && rng.chance(p) ? rng.pick(candidates) : undefined;
  };

  const consignorShipper = trusted((s) => s.countryCode === exporter && !s.isCarrier, 0.3);
  const consignor = consignorShipper
    ? trustedOrganization(rng, consignorShipper, crossing)
    : organization(rng, exporter, sector, partyOptions);
  const goodsSector = consignorShipper ? sectorOf(consignorShipper.name) : sector;
  const consigneeShipper = trusted((s) => s.countryCode === country && !s.isCarrier, 0.25);
  const consignee = consigneeShipper
    ? trustedOrganization(rng, consigneeShipper, crossing)
    : organization(rng, country, goodsSector === 'produce' ? 'general' : goodsSector, partyOptions);
  const carrierCountry: Country = rng.chance(northbound ? 0.8 : 0.6) ? 'MX' : 'US';
  const carrierShipper = trusted((s) => s.isCarrier, 0.25);
  const carrier = carrierShipper
    ? trustedOrganization(rng, carrierShipper, crossing)
    : organization(rng, carrierCountry, 'carrier', partyOptions);
  const customsBroker = rng.chance(northbound ? 0.5 : 0.85) ? organization(rng, country, 'broker', partyOptions) : null;

  const rail = crossing.rail && rng.chance(0.08);
  const scac =
    scacOf(carrier) ??
    carrier.name
      .replace(/[^A-Z]/g, '')
      .padEnd(4, 'X')
      .slice(0, 4);
  const registration = carrier.countryCode === 'MX' ? 'MX' : 'US';
  let driver: PersonJson | null = rail
    ? null
    : person(rng, registration === 'MX' ? (rng.chance(0.95) ? 'MX' : 'US') : rng.chance(0.7) ? 'US' : 'MX', {
        now,
        driver: true,
      });
  const [wmi, model] = rng.pick(TRUCKS);
  const conveyance = rail
    ? {
        conveyanceType: 'RAIL',
        identifier: `${rng.pick(['KCSM', 'UP', 'BNSF', 'FXE'])} ${rng.digits(6)}`,
        registrationCountry: null,
        licensePlate: null,
        vehicleIdentificationNumber: null,
        trailerIds: Array.from({ length: rng.int(1, 3) }, () => `${scac}U ${rng.digits(6)}`),
        description: 'Intermodal well car',
      }
    : {
        conveyanceType: 'TRUCK',
        identifier: `${scac}-${rng.int(10, 999)}`,
        registrationCountry: registration,
        licensePlate: registration === 'MX' ? mxPlate(rng) : usPlate(rng, crossing.usCity.state),
        vehicleIdentificationNumber: rng.chance(0.7) ? fakeVin(rng, wmi) : null,
        trailerIds: Array.from(
          {
            length: rng.weighted([
              [1, 8],
              [2, 2],
            ] as const),
          },
          () => `${scac}U ${rng.digits(6)}`,
        ),
        description: rng.chance(0.6) ? `${model}, ${rng.pick(COLOURS)}` : null,
      };

  // Seals: usually one or two; a few manifests carry the anomalies risk rules look for.
  const anomaly = rng.weighted([
    ['none', 97],
    ['missing', 2],
    ['duplicate', 1],
  ] as const);
  const sealCount =
    anomaly === 'missing'
      ? 0
      : rng.weighted([
          [1, 7],
          [2, 3],
        ] as const);
  const affixedBy = rng.weighted([
    ['shipper', 5],
    ['carrier', 4],
    [northbound ? 'CBP' : 'ANAM', 1],
  ] as const);
  const seals: JsonRecord[] = Array.from({ length: sealCount }, () => ({
    sealNumber: `${scac}-${rng.digits(7)}`,
    sealType: rng.weighted([
      ['BOLT', 6],
      ['CABLE', 3],
      ['ELECTRONIC', 1],
    ] as const),
    affixedBy,
  }));
  const firstSeal = seals[0];
  if (anomaly === 'duplicate' && firstSeal) seals.push({ ...firstSeal });

  const currency = !northbound && rng.chance(0.15) ? 'MXN' : 'USD';
  const goods = goodsLines(rng, {
    direction,
    sector: goodsSector,
    risky: rng.chance(compiled.riskyGoodsRate),
    rail,
    currency,
  });

  const parties = { consignor, consignee, carrier };
  const watchlistHits: WatchlistHit[] = [];
  if (rng.chance(compiled.watchlistHitRate) && reference.watchlistEntries.length > 0) {
    const entry = rng.pick(reference.watchlistEntries);
    if (entry.type === 'person' && driver) {
      const hit = personVariant(rng, entry, now);
      driver = { ...hit.person, documents: driver.documents.length > 0 ? driver.documents : hit.person.documents };
      watchlistHits.push({
        entryId: entry.entryId,
        listedName: entry.name,
        role: 'driver',
        name: fullName(driver),
        variant: hit.variant,
      });
    } else if (entry.type === 'organization') {
      const hit = organizationVariant(rng, entry, crossing);
      const role = /transport|freight|logistic|trucking/i.test(entry.name)
        ? 'carrier'
        : entry.countryCode === country
          ? 'consignee'
          : 'consignor';
      parties[role] = { ...hit.organization };
      watchlistHits.push({
        entryId: entry.entryId,
        listedName: entry.name,
        role,
        name: hit.organization.name,
        variant: hit.variant,
      });
    }
  }

  const year = new Date(now).getUTCFullYear();
  const yy = String(year).slice(2);
  // The carrier's trip number (SCAC + trip), the same in both countries' manifests of one truck.
  const manifestId = `${scac}${rng.digits(10)}`;
  const declarationReference = rng.chance(0.7)
    ? northbound
      ? `${rng.letters(3, 'ABCDEFGHJKLMNPRSTUVWXYZ0123456789')}-${rng.digits(7)}-${rng.digits(1)}`
      : `${yy}-${crossing.mx.code}-${rng.digits(4)}-${rng.digits(7)}`
    : null;
  const value = {
    meta: eventMeta(rng, {
      country,
      kind: 'cargo',
      now,
      classification: [
        ['SENSITIVE', 75],
        ['LAW_ENFORCEMENT_SENSITIVE', 20],
        ['RESTRICTED', 5],
      ],
      purposes: rng.chance(0.6) ? ['CUSTOMS', 'BORDER_SECURITY', 'TRADE_FACILITATION'] : ['CUSTOMS', 'BORDER_SECURITY'],
      correlationId: rng.chance(0.5) ? `crossing-${scac}-${isoDate(now).replace(/-/g, '')}-${rng.digits(4)}` : null,
    }),
    manifestId,
    declarationReference,
    direction,
    portOfEntry: { ...(northbound ? crossing.us : crossing.mx) },
    portOfExit: { ...(northbound ? crossing.mx : crossing.us) },
    estimatedArrival: new Date(now + rng.int(20, 360) * 60_000).toISOString(),
    conveyance,
    driver,
    carrier: parties.carrier,
    consignor: parties.consignor,
    consignee: parties.consignee,
    customsBroker,
    goods,
    seals,
    preClearanceStatus: preClearanceStatusOf(rng, [parties.consignor, parties.consignee, parties.carrier], {
      shippers: reference.trustedShippers,
      today: isoDate(now),
    }),
  };
  return {
    topic: topicOf(country, 'cargo'),
    key: manifestId,
    publisher: `${country}/${PUBLISHING_AGENCY[country].cargo}`,
    kind: 'cargo',
    value,
    watchlistHits,
  };
}

/** The friendly-JSON value of {@link generateCargoManifest}. */
export function cargoManifest(rng: Rng, country: Country, options?: GeneratorOptions): GeneratedEvent['value'] {
  return generateCargoManifest(rng, country, options).value;
}
