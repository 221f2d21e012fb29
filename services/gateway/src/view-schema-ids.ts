// The schema id of each agreement's view of a topic: view schemas in the catalog keep their ids;
// others get a stable id for this process, registered with the codec so records can be decoded.
import type { AvroCodec } from '@puente/contracts';
import type { TopicPolicy } from '@puente/policy';

/** Ids of view schemas the catalog does not know start above this. */
export const VIEW_ID_BASE = 1_000_000;

export function createViewSchemaIds(codec: AvroCodec): (policy: TopicPolicy) => number {
  const viewIds = new WeakMap<TopicPolicy, number>();
  const runtimeViewIds = new Map<string, number>();
  return (policy) => {
    const known = viewIds.get(policy);
    if (known !== undefined) return known;
    const text = JSON.stringify(policy.viewSchema);
    let id = catalogIdOf(codec, policy.viewSubject, text);
    if (id === undefined) {
      id = runtimeViewIds.get(text) ?? VIEW_ID_BASE + runtimeViewIds.size + 1;
      runtimeViewIds.set(text, id);
      codec.addSchema(id, text);
    }
    viewIds.set(policy, id);
    return id;
  };
}

/** The id of the subject's latest schema in the catalog when it is exactly `text`. */
function catalogIdOf(codec: AvroCodec, subject: string, text: string): number | undefined {
  try {
    const latest = codec.catalog.latest(subject);
    if (codec.catalog.schemaText(latest.id) === text) return latest.id;
  } catch {
    return undefined;
  }
  return undefined;
}
