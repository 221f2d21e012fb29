// Vitest global setup for the integration project: acquire one real Kafka broker for the run
// (KAFKA_BROKERS, else testcontainers when Docker answers, else deploy/kafka-local on the JDK),
// hand its address to the test files, and stop it afterwards if the suite started it.
import { acquireTestKafka } from '@puente/kafka-local';
import type {} from 'vitest';
import type { TestProject } from 'vitest/node';

// The same augmentation as @puente/bus/testing declares for the test files that inject it.
declare module 'vitest' {
  export interface ProvidedContext {
    kafkaBrokers: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const started = Date.now();
  let kafka;
  try {
    kafka = await acquireTestKafka();
  } catch (error) {
    // Integration tests never skip: without a broker the run fails, saying why.
    const reason = error instanceof Error ? error.message : String(error);
    throw new Error(`integration tests need a real Kafka broker and none could be had: ${reason}`, { cause: error });
  }
  console.log(`[puente] integration tests run against ${kafka.describe} (ready in ${Date.now() - started} ms)`);
  project.provide('kafkaBrokers', kafka.brokers.join(','));
  return async () => {
    await kafka.stop();
  };
}
