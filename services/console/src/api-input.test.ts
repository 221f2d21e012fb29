import { PayloadFormat } from '@puente/proto';
import { describe, expect, it } from 'vitest';

import {
  disclosuresInput,
  explainInput,
  MAX_EVENT_BYTES,
  recordsInput,
  topicInput,
  whoReceivedInput,
} from './api-input.js';
import { ConsoleError } from './errors.js';

const q = (text: string) => new URLSearchParams(text);
const EVENT = '0b6f2a4e-8c1d-4f5a-9e37-2d41c8a7b905';

/** The message of the ConsoleError the call throws (fails when it throws anything else). */
function refusal(call: () => unknown): string {
  try {
    call();
  } catch (error) {
    expect(error).toBeInstanceOf(ConsoleError);
    expect((error as ConsoleError).httpStatus).toBe(400);
    return (error as ConsoleError).message;
  }
  throw new Error('expected a refusal');
}

describe('the console API’s input checks', () => {
  it('turns each search of the Messages page into its BrowseRecords selector', () => {
    expect(recordsInput(q('topic=us.cargo-manifests.v1')).selector).toBeUndefined();
    expect(recordsInput(q('topic=t&key=K-1')).selector).toEqual({ $case: 'key', value: 'K-1' });
    expect(recordsInput(q(`topic=t&eventId=${EVENT}`)).selector).toEqual({ $case: 'eventId', value: EVENT });
    expect(recordsInput(q('topic=t&from=2026-12-01T00:00:00Z')).selector).toEqual({
      $case: 'times',
      value: { startTime: new Date('2026-12-01T00:00:00Z'), endTime: undefined },
    });
    expect(recordsInput(q('topic=t&partition=2&startOffset=10')).selector).toEqual({
      $case: 'offsets',
      value: { partition: 2, startOffset: '10', endOffset: undefined },
    });
    const request = recordsInput(q('topic=t&view=us-to-mx&limit=50&pageToken=abc'));
    expect(request).toMatchObject({ viewAgreementId: 'us-to-mx', limit: 50, pageToken: 'abc' });
    expect(request.payloadFormat).toBe(PayloadFormat.AVRO_JSON);
    expect(recordsInput(q('topic=t')).limit).toBe(20);
  });

  it('refuses bad searches naming the field at fault', () => {
    expect(refusal(() => recordsInput(q('')))).toBe('topic: is required');
    expect(refusal(() => recordsInput(q('topic=a b')))).toBe("topic: 'a b' is not a topic name");
    expect(refusal(() => recordsInput(q('topic=t&eventId=nope')))).toBe("eventId: 'nope' is not an event id (a UUID)");
    expect(refusal(() => recordsInput(q('topic=t&from=yesterday')))).toMatch(/^from: 'yesterday' is not a date/);
    expect(refusal(() => recordsInput(q('topic=t&from=2026-12-02T00:00:00Z&to=2026-12-01T00:00:00Z')))).toBe(
      'to: must be later than from',
    );
    expect(refusal(() => recordsInput(q(`topic=t&key=k&eventId=${EVENT}`)))).toMatch(/^eventId: search by one of/);
    expect(refusal(() => recordsInput(q('topic=t&limit=501')))).toBe('limit: must be a whole number from 1 to 500');
    expect(refusal(() => recordsInput(q('topic=t&limit=-1')))).toMatch(/^limit:/);
    expect(refusal(() => recordsInput(q('topic=t&startOffset=5')))).toBe('partition: is required with offsets');
    expect(refusal(() => recordsInput(q('topic=t&partition=0&startOffset=x')))).toMatch(/^startOffset:/);
    expect(refusal(() => topicInput(q('topic=t&view=../etc')))).toMatch(/^view:/);
  });

  it('takes either a stored event id or pasted JSON for the simulator, never both or neither', () => {
    expect(explainInput({ topic: 't', eventId: EVENT }).event).toEqual({ $case: 'eventId', value: EVENT });
    const pasted = explainInput({ topic: 't', event: ' {"a": 1} ', agreementId: 'us-to-mx' });
    expect(pasted.agreementId).toBe('us-to-mx');
    expect(pasted.event?.$case).toBe('inline');
    expect(refusal(() => explainInput({ topic: 't' }))).toMatch(/^event: give either/);
    expect(refusal(() => explainInput({ topic: 't', eventId: EVENT, event: '{}' }))).toMatch(/^event: give either/);
    expect(refusal(() => explainInput({ topic: 't', event: '{"a": ' }))).toMatch(/^event: is not valid JSON/);
    expect(refusal(() => explainInput({ topic: 't', event: '[1]' }))).toBe('event: must be a JSON object');
    expect(refusal(() => explainInput({ topic: 't', event: { a: 1 } }))).toBe('event: must be the event as JSON text');
    expect(refusal(() => explainInput({ topic: 7, eventId: EVENT }))).toBe('topic: must be a string');
    expect(refusal(() => explainInput('text'))).toBe('body: must be a JSON object');
    const huge = `{"a": "${'x'.repeat(MAX_EVENT_BYTES)}"}`;
    expect(refusal(() => explainInput({ topic: 't', event: huge }))).toBe('event: is larger than 256 KiB');
  });

  it('checks the ledger pages’ inputs', () => {
    expect(whoReceivedInput(q(`eventId=${EVENT}`))).toEqual({ eventId: EVENT });
    expect(refusal(() => whoReceivedInput(q('eventId=')))).toBe('eventId: is required');
    expect(disclosuresInput(q('recipientCountry=MX&recipientAgency=ANAM'))).toMatchObject({
      recipientCountry: 'MX',
      recipientAgency: 'ANAM',
      limit: 100,
      times: undefined,
    });
    expect(refusal(() => disclosuresInput(q('recipientCountry=CA')))).toBe('recipientCountry: must be US or MX');
    expect(refusal(() => disclosuresInput(q('limit=1001')))).toMatch(/^limit:/);
    expect(refusal(() => disclosuresInput(q('recipientAgency=anam; drop')))).toMatch(/^recipientAgency:/);
  });
});
