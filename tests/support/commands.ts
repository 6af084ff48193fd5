import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

const ROOT = resolve(import.meta.dirname, '../..');

export interface CommandOptions {
  /** Added to this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Written to the program's stdin, which is then closed. */
  input?: string;
  /** The repository root unless told. */
  cwd?: string;
}

export interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a program to its end; its exit code, stdout and stderr apart, never thrown. */
export function runCommand(
  command: string,
  args: string[],
  { env = {}, input, cwd = ROOT }: CommandOptions = {},
): Promise<Finished> {
  return new Promise((done, fail) => {
    const child = spawn(command, args, {
      cwd,
      env: { ...process.env, NO_COLOR: '1', ...env },
      // A hang bound, not a timing assertion: nothing a test runs takes 15 minutes.
      timeout: 900000,
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdin.on('error', () => undefined); // a program that exits without reading its input
    child.stdin.end(input);
    child.once('error', fail);
    child.once('close', (code) => {
      done({ code, stdout, stderr });
    });
  });
}

/** runCommand for a program that must succeed: its stdout then stderr, or an error carrying them. */
export async function sh(
  command: string,
  args: string[],
  options?: CommandOptions,
): Promise<string> {
  const { code, stdout, stderr } = await runCommand(command, args, options);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed:\n${stdout}${stderr}`);
  return stdout + stderr;
}
