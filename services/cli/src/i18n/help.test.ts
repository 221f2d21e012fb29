// commander's own messages and help follow --lang (or the locale) like the CLI's: no English
// left in a Spanish run, and every description of every command has its Spanish.
import { PassThrough } from 'node:stream';

import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';

import { createCli } from '../cli.js';
import { ExitCode } from '../exit-codes.js';
import { runPuente } from '../testing/index.js';
import { HELP_ES } from './help.js';
import { catalogs } from './messages.js';

const nowhere = { PUENTE_ADDRESS: '127.0.0.1:9' };

describe("commander's words in Spanish", () => {
  it('has a Spanish text for every command, option and argument description', () => {
    const io = { stdout: new PassThrough(), stderr: new PassThrough(), env: {}, stdoutIsTTY: false };
    const { program } = createCli({ ...io, stderrIsTTY: false, homedir: '/', cwd: '/' });
    const missing: string[] = [];
    const walk = (command: Command) => {
      const texts = [
        command.description(),
        ...command.options.map((o) => o.description ?? ''),
        ...command.registeredArguments.map((a) => a.description),
      ];
      for (const text of texts) if (text !== '' && HELP_ES[text] === undefined) missing.push(text);
      command.commands.forEach(walk);
    };
    walk(program);
    expect(missing).toEqual([]);
  });

  it('says "pasarela", never "gateway", in Spanish', () => {
    const spanish = [...Object.values(HELP_ES), ...Object.values(catalogs.es)].map((t) => t.replace('{gateway}', ''));
    expect(spanish.filter((t) => /gateway/i.test(t))).toEqual([]);
    expect(spanish.filter((t) => /pasarela/.test(t)).length).toBeGreaterThan(5);
  });

  it.each([
    [['tail', '--lang', 'es'], "error: falta el argumento obligatorio 'topic'"],
    [['topics', '--bogus', '--lang', 'es'], "error: opción desconocida '--bogus'"],
    [['--lang', 'es', 'topics', '--jsn'], '(¿Quiso decir --json?)'],
    [['tail', 'x', '--lang', 'es', '--limit'], "error: falta el valor de la opción '--limit <n>'"],
    [['policy', 'explain', '--lang=es'], "error: falta la opción obligatoria '--agreement <id>'"],
    [['topics', 'extra', '--lang', 'es'], "error: demasiados argumentos para 'topics': se esperaban 0"],
    [['--lang', 'es', 'tial'], "error: comando desconocido 'tial'"],
  ])('%j', async (argv, spanish) => {
    const run = await runPuente(argv, { env: nowhere });
    expect(run.code).toBe(ExitCode.USAGE);
    expect(run.stderr).toContain(spanish);
    expect(run.stderr).toContain('(puente --help muestra el uso)');
    expect(run.stderr).not.toMatch(/missing|unknown|required|too many|Did you mean|for usage/);
  });

  it('prints help in Spanish, from --lang or the locale; English stays English', async () => {
    const help = await runPuente(['tail', '--help', '--lang', 'es']);
    expect(help.code).toBe(ExitCode.OK);
    expect(help.stdout).toMatch(/^Uso: puente tail \[opciones\] <topic>\n/);
    expect(help.stdout).toContain('Argumentos:\n  topic');
    expect(help.stdout).toContain('sigue mostrando registros nuevos hasta Ctrl-C');
    expect(help.stdout).toContain('(por omisión: "1000")');
    expect(help.stdout).toContain('muestra la ayuda del comando');
    expect(help.stdout).not.toMatch(/Usage|Options|Arguments|display help|default:/);
    const group = await runPuente(['policy'], { env: { LANG: 'es_MX.UTF-8' } });
    expect(group.stderr).toContain('Comandos:\n  lint [opciones] <files...>');
    expect(group.stderr).toContain('help [comando]');
    const english = await runPuente(['tail', '--help']);
    expect(english.stdout).toMatch(/^Usage: puente tail \[options\] <topic>\n/);
    expect(english.stdout).toContain('keep printing new records until Ctrl-C');
  });
});
