// Decides when a starting broker really serves clients: its port accepting connections is
// not enough (KRaft binds early and answers only once the node is registered and unfenced).
import { Kafka, logLevel } from 'kafkajs';

/** True when a metadata request to `brokers` lists at least one live broker. */
export async function brokerAnswers(brokers: string[]): Promise<boolean> {
  const kafka = new Kafka({
    clientId: 'kafka-local-probe',
    brokers,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1_000,
    requestTimeout: 5_000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    return cluster.brokers.length > 0;
  } catch {
    return false;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
