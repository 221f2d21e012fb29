// Who screens in each country: the agency publishing the results, its screening system, and the
// rule ids it reports for parties and travellers; and who screens travellers at the booth (the
// agency inspecting people entering the country: CBP in the US, INM in Mexico).
import type { Country } from '@puente/runtime';

export interface CountryProfile {
  readonly agency: string;
  readonly screeningSystem: string;
  readonly ruleIds: { readonly party: string; readonly traveller: string };
  /** Screening of travellers at crossings. */
  readonly crossings: { readonly agency: string; readonly screeningSystem: string; readonly ruleId: string };
}

export const PROFILES: Readonly<Record<Country, CountryProfile>> = {
  US: {
    agency: 'CBP',
    screeningSystem: 'CBP ATS',
    ruleIds: { party: 'CBP-ATS-PARTY-001', traveller: 'CBP-ATS-TRV-001' },
    crossings: { agency: 'CBP', screeningSystem: 'CBP TECS', ruleId: 'CBP-TECS-TRV-001' },
  },
  MX: {
    agency: 'ANAM',
    screeningSystem: 'ANAM SIAVE',
    ruleIds: { party: 'ANAM-SIAVE-PARTE-001', traveller: 'ANAM-SIAVE-VIAJERO-001' },
    crossings: { agency: 'INM', screeningSystem: 'INM SIOM', ruleId: 'INM-SIOM-VIAJERO-001' },
  },
};
