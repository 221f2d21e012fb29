// The development fixtures fit together: every agency the simulators publish as has a token in
// deploy/dev-tokens.yaml standing for that agency with the publisher role, and
// deploy/gateway/publishers.yaml lets it publish what it generates — else that agency's events
// never flow (US prosecutions did not: USAO had no token). Every agency publishers.yaml names
// has a publisher token too, so each can be tried by hand.
import { loadPublishPermissions, loadTokenStore } from '@puente/gateway';
import { DEV_TOKENS_FILE, PUBLISHERS_FILE, readDevTokens } from '@puente/gateway/dev';
import { describe, expect, it } from 'vitest';

import { DEV_PUBLISHER_TOKENS, publisherTokens } from './config.js';
import { PUBLISHING_AGENCY, topicOf, type CountryCode, type EventKind } from './synthetic/index.js';

const store = loadTokenStore(DEV_TOKENS_FILE);
const tokens = readDevTokens();
const permissions = loadPublishPermissions(PUBLISHERS_FILE);

const simulated = (Object.keys(PUBLISHING_AGENCY) as CountryCode[]).flatMap((country) =>
  (Object.keys(PUBLISHING_AGENCY[country]) as EventKind[]).map((kind) => ({
    country,
    kind,
    agency: PUBLISHING_AGENCY[country][kind],
    topic: topicOf(country, kind),
  })),
);

describe('development publishers', () => {
  it('covers both countries and every kind the simulators generate', () => {
    expect(simulated.map((s) => `${s.country}/${s.kind}`).sort()).toEqual([
      'MX/cargo',
      'MX/crossing',
      'MX/investigation',
      'MX/prosecution',
      'MX/trusted-traveller',
      'US/cargo',
      'US/crossing',
      'US/investigation',
      'US/prosecution',
      'US/trusted-traveller',
    ]);
  });

  it.each(simulated)('$country/$agency publishes $topic with a development token', ({ country, agency, topic }) => {
    const publisher = `${country}/${agency}`;
    expect(DEV_PUBLISHER_TOKENS, `the simulators name no token for ${publisher}`).toHaveProperty([publisher]);
    const token = publisherTokens(tokens)[publisher];
    expect(token, `${DEV_TOKENS_FILE} has no ${DEV_PUBLISHER_TOKENS[publisher]}`).toBeDefined();
    const principal = store.lookup(token ?? '');
    expect(principal).toMatchObject({ country, agency });
    expect(principal?.roles).toContain('publisher');
    const domain = topic.split('.')[1] ?? '';
    expect(
      permissions[country]?.[agency] ?? [],
      `${PUBLISHERS_FILE} does not let ${publisher} publish ${domain}`,
    ).toContain(domain);
  });

  it('has a publisher token for every agency deploy/gateway/publishers.yaml names', () => {
    const publishers = new Set(
      [...tokens.values()]
        .map((token) => store.lookup(token))
        .filter((p) => p?.roles.includes('publisher'))
        .map((p) => `${p?.country}/${p?.agency}`),
    );
    const named = Object.entries(permissions).flatMap(([country, agencies]) =>
      Object.keys(agencies).map((agency) => `${country}/${agency}`),
    );
    expect(named.filter((publisher) => !publishers.has(publisher))).toEqual([]);
  });
});
