// Integration test files run their services in process the way each service's main.ts runs
// them: with @puente/kafka-client's one-pass record encoding and decoding installed in kafkajs.
import { installKafkajsHooks } from '@puente/kafka-client';

installKafkajsHooks();
