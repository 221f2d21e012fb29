// The parties of one cargo manifest that screening looks at, in the order their results are
// published: consignor, consignee, carrier, then the driver when the manifest names one.
import type { CargoManifest, Organization, Person } from '@puente/contracts';

export type PartyRole = 'consignor' | 'consignee' | 'carrier' | 'driver';

export const PARTY_ROLES: readonly PartyRole[] = ['consignor', 'consignee', 'carrier', 'driver'];

export interface PartyToScreen {
  readonly role: PartyRole;
  readonly subjectType: 'PARTY' | 'TRAVELLER';
  readonly names: readonly string[];
  readonly dateOfBirth: string | null;
  readonly organization?: Organization;
  readonly person?: Person;
}

function organizationParty(role: PartyRole, party: Organization): PartyToScreen {
  return {
    role,
    subjectType: 'PARTY',
    names: party.tradeName ? [party.name, party.tradeName] : [party.name],
    dateOfBirth: null,
    organization: party,
  };
}

function driverParty(driver: Person): PartyToScreen {
  return {
    role: 'driver',
    subjectType: 'TRAVELLER',
    names: [[driver.givenNames, driver.surname, driver.secondSurname ?? ''].join(' ').trim(), ...driver.aliases],
    dateOfBirth: driver.dateOfBirth,
    person: driver,
  };
}

export function partiesOf(manifest: CargoManifest): PartyToScreen[] {
  const parties = [
    organizationParty('consignor', manifest.consignor),
    organizationParty('consignee', manifest.consignee),
    organizationParty('carrier', manifest.carrier),
  ];
  const driver = manifest.driver;
  if (driver) parties.push(driverParty(driver));
  return parties;
}
