import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.ts';
import { runLeadscore } from './run.ts';

describe('runCli (in-process)', () => {
  it('--version and --help print to stdout and exit 0', async () => {
    const version = await runLeadscore(['--version']);
    expect(version).toEqual({ code: 0, stdout: '0.1.0\n', stderr: '' });
    const help = await runLeadscore(['--help']);
    expect(help.code).toBe(0);
    for (const name of buildProgram().commands.map((c) => c.name())) expect(help.stdout).toContain(`  ${name}`);
    expect(help.stdout).toMatch(/Exit codes: 0 ok, 1 runtime failure, 2 usage error, 3 invalid data or config/);
  });

  it('every command and subcommand has --help (exit 0); each command shows examples there', async () => {
    const commands = buildProgram().commands;
    expect(commands.length).toBeGreaterThanOrEqual(10);
    for (const c of commands) {
      let helps = '';
      for (const p of [[c.name()], ...c.commands.map((sub) => [c.name(), sub.name()])]) {
        const r = await runLeadscore([...p, '--help']);
        expect(r.code, p.join(' ')).toBe(0);
        expect(r.stdout, p.join(' ')).toContain(`Usage: leadscore ${p.join(' ')} `);
        helps += r.stdout;
      }
      expect(helps, c.name()).toMatch(/Examples?:\n {2}\$ (leadscore|npm start)/);
    }
  });

  it('usage mistakes exit 2 with a message on stderr and nothing on stdout', async () => {
    const unknownOption = await runLeadscore(['score', '--bogus']);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toMatch(/unknown option '--bogus'/);
    expect(unknownOption.stdout).toBe('');
    const unknownCommand = await runLeadscore(['scorr']);
    expect(unknownCommand.code).toBe(2);
    expect(unknownCommand.stderr).toMatch(/unknown command 'scorr'/);
    const badFlag = await runLeadscore(['score', '--shard', '5/4']);
    expect(badFlag.code).toBe(2);
    expect(badFlag.stderr).toMatch(/--shard must look like k\/n/);
    expect(badFlag.stderr).toMatch(/^hint: /m);
  });

  it('leaves process.exitCode alone, and runs side by side without mixing output or --debug', async () => {
    const exitCodeBefore = process.exitCode;
    const [failing, ok] = await Promise.all([
      runLeadscore(['--debug', 'rules', 'check', 'no/such/rules.yaml']),
      runLeadscore(['rules', 'check', 'models/rules.yaml']),
    ]);
    expect(process.exitCode).toBe(exitCodeBefore);
    expect(failing.code).toBe(3);
    expect(failing.stderr).toMatch(/rules file not found: no\/such\/rules.yaml/);
    expect(failing.stderr).toMatch(/\n\s+at /); // --debug: the stack
    expect(failing.stdout).toBe('');
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/valid, \d+ criteria/);
    expect(ok.stderr).toBe('');
    const again = await runLeadscore(['rules', 'check', 'no/such/rules.yaml']);
    expect(again.stderr).not.toMatch(/\n\s+at /); // --debug did not outlive its run
  });
});
