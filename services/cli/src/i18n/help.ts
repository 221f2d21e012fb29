// commander's own words in the chosen language: its error messages (missing argument, unknown
// option …), the help's titles and usage, and every command's, option's and argument's
// description. Descriptions are written in English where commands are declared; HELP_ES gives
// each its Spanish (help.test.ts checks that none is missing).
import { type Argument, type Command, Help, type HelpConfiguration, type Option } from 'commander';

import type { Lang } from './messages.js';

export const HELP_ES: Readonly<Record<string, string>> = {
  "Puente operators' command line: topics, records, lag, publishing, policies, schemas and the ledger":
    'la línea de comandos de los operadores de Puente: temas, registros, retraso, publicación, políticas, esquemas y el registro de divulgaciones',
  'display help for command': 'muestra la ayuda del comando',
  'machine-readable output (JSON; JSON Lines for records and disclosures)':
    'salida para programas (JSON; JSON Lines para registros y divulgaciones)',
  'language of messages: en or es (default: from LC_ALL, LC_MESSAGES, LANG)':
    'idioma de los mensajes: en o es (por omisión: de LC_ALL, LC_MESSAGES, LANG)',
  'gateway address (env PUENTE_ADDRESS; default 127.0.0.1:50051)':
    'dirección de la pasarela (env PUENTE_ADDRESS; por omisión 127.0.0.1:50051)',
  'bearer token (env PUENTE_TOKEN)': 'token de portador (env PUENTE_TOKEN; visible en ps: mejor --token-file)',
  'file holding the bearer token (env PUENTE_TOKEN_FILE)': 'archivo con el token de portador (env PUENTE_TOKEN_FILE)',
  'CA certificate: use TLS (env PUENTE_CA_FILE)': 'certificado de la CA: usa TLS (env PUENTE_CA_FILE)',
  'client certificate for mutual TLS (env PUENTE_CERT_FILE)':
    'certificado de cliente para TLS mutuo (env PUENTE_CERT_FILE)',
  'client private key for mutual TLS (env PUENTE_KEY_FILE)':
    'clave privada de cliente para TLS mutuo (env PUENTE_KEY_FILE)',
  'context of the config file (env PUENTE_CONTEXT)': 'contexto del archivo de configuración (env PUENTE_CONTEXT)',
  'same as --client-key': 'igual que --client-key',
  'list the topics you may inspect, with partitions, records and schema':
    'lista los temas que puede inspeccionar, con particiones, registros y esquema',
  'only topics whose name starts with this (e.g. mx. or dlq.)':
    'solo los temas cuyo nombre empieza así (p. ej. mx. o dlq.)',
  'one topic': 'un tema',
  'partitions, offsets, schema subject and id, retention and replication of a topic':
    'particiones, offsets, sujeto e id de esquema, retención y replicación de un tema',
  "see it as this partner country would (the agreement's view)":
    'verlo como lo vería este país socio (la vista del acuerdo)',
  'see it as the partner of this agreement would': 'verlo como lo vería el socio de este acuerdo',
  'topic name': 'nombre del tema',
  'print decoded records of a topic (--as MX: as that partner receives them)':
    'muestra los registros decodificados de un tema (--as MX: como los recibe ese socio)',
  'earliest, latest, an ISO-8601 time, or an offset (with --partition)':
    'earliest, latest, una hora ISO-8601 o un offset (con --partition)',
  'only this partition (with --from earliest|latest|<offset>)':
    'solo esta partición (con --from earliest|latest|<offset>)',
  'only records with this key (the entity id)': 'solo los registros con esta clave (el id de la entidad)',
  'only the record(s) with this meta.eventId': 'solo el o los registros con este meta.eventId',
  'keep printing new records until Ctrl-C': 'sigue mostrando registros nuevos hasta Ctrl-C',
  'stop after this many records (without a selector: the newest 20)':
    'se detiene tras tantos registros (sin selector: los 20 más recientes)',
  'how often --follow asks for new records (100–10000)': 'cada cuánto pide --follow registros nuevos (100–10000)',
  "see the records as this partner country receives them (the agreement's view)":
    'ver los registros como los recibe este país socio (la vista del acuerdo)',
  'see the records as the partner of this agreement receives them':
    'ver los registros como los recibe el socio de este acuerdo',
  'lag per partition of every subscription and consumer group':
    'retraso por partición de cada suscripción y grupo de consumidores',
  'only subscriptions of this subscriber': 'solo las suscripciones de este suscriptor',
  'only this subscription': 'solo esta suscripción',
  'only subscriptions and groups reading this topic': 'solo las suscripciones y grupos que leen este tema',
  'only this Kafka consumer group': 'solo este grupo de consumidores de Kafka',
  'show it again every N seconds until Ctrl-C (JSON: one line each time)':
    'lo muestra de nuevo cada N segundos hasta Ctrl-C (JSON: una línea cada vez)',
  'publish the events of a JSON Lines file (Avro JSON, or the friendly JSON of schemas/examples)':
    'publica los eventos de un archivo JSON Lines (Avro JSON, o el JSON amigable de schemas/examples)',
  'JSON Lines file: one event per line': 'archivo JSON Lines: un evento por línea',
  'events per request (default 50)': 'eventos por petición (por omisión 50)',
  'topic to publish to (of your country)': 'tema en el que publicar (de su país)',
  'sharing agreements': 'acuerdos de intercambio',
  'check agreement files against the schema catalog (no gateway needed)':
    'comprueba archivos de acuerdos contra el catálogo de esquemas (sin pasarela)',
  'NAME=base64 lines of HMAC key variables, to check the keys too':
    'líneas NOMBRE=base64 de variables de clave HMAC, para comprobar también las claves',
  'agreement files, or folders of them': 'archivos de acuerdos, o carpetas que los contienen',
  'what an agreement would do with an event: decision, gate, rules and every field':
    'qué haría un acuerdo con un evento: decisión, compuerta, reglas y cada campo',
  'agreement id (e.g. us-to-mx)': 'id del acuerdo (p. ej. us-to-mx)',
  'the event: Avro JSON, friendly JSON, or a schemas/examples file':
    'el evento: Avro JSON, JSON amigable, o un archivo de schemas/examples',
  'a stored event of --topic, by its meta.eventId, instead of --event':
    'un evento guardado de --topic, por su meta.eventId, en lugar de --event',
  'topic of the event (read from an example file when it names one)':
    'tema del evento (se lee del archivo de ejemplo cuando lo indica)',
  'purposes the partner would declare (e.g. CUSTOMS)': 'propósitos que declararía el socio (p. ej. CUSTOMS)',
  'the schema catalog': 'el catálogo de esquemas',
  'the catalog lock is current and BACKWARD compatible; a configured gateway serves the same ids':
    'el bloqueo del catálogo está al día y es compatible hacia atrás (BACKWARD); una pasarela configurada sirve los mismos ids',
  'the schemas folder (default: the repository’s schemas/)':
    'la carpeta de esquemas (por omisión: schemas/ del repositorio)',
  'where the generated catalog module lives': 'dónde está el módulo generado del catálogo',
  'agreements whose view schemas the catalog holds': 'acuerdos cuyos esquemas de vista contiene el catálogo',
  "your country's disclosure ledger": 'el registro de divulgaciones de su país',
  'verify the hash chain and the signed checkpoints of the ledger':
    'verifica la cadena de hashes y los puntos de control firmados del registro',
  'verify from this signed checkpoint instead of the first entry':
    'verifica desde este punto de control firmado en lugar de la primera entrada',
  'every disclosure of one event: recipient, agreement version, fields, when':
    'cada divulgación de un evento: destinatario, versión del acuerdo, campos, cuándo',
  'the meta.eventId of an event of your country': 'el meta.eventId de un evento de su país',
  'disclosures by agreement, recipient and time, oldest first':
    'divulgaciones por acuerdo, destinatario y hora, de la más antigua a la más reciente',
  'only disclosures under this agreement': 'solo las divulgaciones bajo este acuerdo',
  'only disclosures to this country (and agency)': 'solo las divulgaciones a este país (y agencia)',
  'delivered at or after this ISO-8601 time': 'entregadas en esta hora ISO-8601 o después',
  'delivered before this ISO-8601 time': 'entregadas antes de esta hora ISO-8601',
  'disclosures per page (gateway default 100, at most 1000)':
    'divulgaciones por página (por omisión 100 en la pasarela, como máximo 1000)',
  'continue a previous listing': 'continúa un listado anterior',
  'every page, not only the first': 'todas las páginas, no solo la primera',
};

const TITLES_ES: Readonly<Record<string, string>> = {
  'Usage:': 'Uso:',
  'Arguments:': 'Argumentos:',
  'Options:': 'Opciones:',
  'Commands:': 'Comandos:',
  'Global Options:': 'Opciones globales:',
};

/** What commander prints after a usage error. */
export const helpAfterError = (lang: Lang): string =>
  lang === 'es' ? '(puente --help muestra el uso)' : '(puente --help for usage)';

/** A description in the language (English is the key); extra info such as "(default: x)" kept. */
function translated(lang: Lang, description: string, full: string): string {
  if (lang === 'en' || description === '') return full;
  return `${HELP_ES[description] ?? description}${full.slice(description.length)}`.replace(
    /\((default|choices): /,
    (_whole, what: string) => (what === 'default' ? '(por omisión: ' : '(opciones: '),
  );
}

/** commander's help in the language: titles, usage placeholders and every description. */
export function helpConfiguration(lang: Lang): HelpConfiguration {
  if (lang === 'en') return {};
  const base = Help.prototype;
  return {
    styleTitle: (title: string) => TITLES_ES[title] ?? title,
    commandUsage(this: Help, command: Command) {
      return base.commandUsage.call(this, command).replace('[options]', '[opciones]').replace('[command]', '[comando]');
    },
    subcommandTerm(this: Help, command: Command) {
      return base.subcommandTerm
        .call(this, command)
        .replace('[options]', '[opciones]')
        .replace('[command]', '[comando]');
    },
    commandDescription(this: Help, command: Command) {
      return translated(lang, command.description(), base.commandDescription.call(this, command));
    },
    subcommandDescription(this: Help, command: Command) {
      const full = base.subcommandDescription.call(this, command);
      return translated(lang, full, full);
    },
    optionDescription(this: Help, option: Option) {
      return translated(lang, option.description ?? '', base.optionDescription.call(this, option));
    },
    argumentDescription(this: Help, argument: Argument) {
      return translated(lang, argument.description, base.argumentDescription.call(this, argument));
    },
  };
}

/** commander's error messages (commander 14's wording), line by line. */
const ERRORS_ES: readonly [RegExp, (...groups: string[]) => string][] = [
  [/^error: missing required argument '(.+)'$/, (a) => `error: falta el argumento obligatorio '${a}'`],
  [/^error: option '(.+)' argument missing$/, (o) => `error: falta el valor de la opción '${o}'`],
  [/^error: required option '(.+)' not specified$/, (o) => `error: falta la opción obligatoria '${o}'`],
  [/^error: unknown option '(.+)'$/, (o) => `error: opción desconocida '${o}'`],
  [/^error: unknown command '(.+)'$/, (c) => `error: comando desconocido '${c}'`],
  [
    /^error: too many arguments(?: for '(.+)')?\. Expected (\d+) arguments? but got (\d+)\.$/,
    (c, expected, got) =>
      `error: demasiados argumentos${c ? ` para '${c}'` : ''}: se esperaban ${expected} y se recibieron ${got}`,
  ],
  [/^\(Did you mean (.+)\?\)$/, (s) => `(¿Quiso decir ${s}?)`],
];

export function commanderMessage(lang: Lang, text: string): string {
  if (lang === 'en') return text;
  return text
    .split('\n')
    .map((line) => {
      for (const [pattern, spanish] of ERRORS_ES) {
        const match = pattern.exec(line);
        if (match) return spanish(...match.slice(1).map((g) => g ?? ''));
      }
      return line;
    })
    .join('\n');
}
